// CPU accounting from /proc: utime+stime of every live process in a process group, and the machine-wide
// /proc/stat counters (for steal and foreign load). Read-only; nothing is signalled.
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';

let clk = null;
/** Clock ticks per second (USER_HZ), normally 100. */
export function clkTck() {
  if (clk === null) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    clk = Number(r.stdout?.trim()) || 100;
  }
  return clk;
}

/** Fields of /proc/<pid>/stat after the "(comm)" part: index 0 = state (field 3), 2 = pgrp, 11 = utime, 12 = stime. */
export function procStat(pid) {
  let s;
  try {
    s = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return { state: f[0], ppid: Number(f[1]), pgrp: Number(f[2]), utime: Number(f[11]), stime: Number(f[12]), cutime: Number(f[13]), cstime: Number(f[14]) };
}

/** Sum of utime+stime (ticks) over every live process of each given process group: Map(pgid -> ticks). */
export function groupTicks(pgids) {
  const want = new Set(pgids.filter(Boolean));
  const out = new Map([...want].map((g) => [g, 0]));
  if (!want.size) return out;
  for (const name of fs.readdirSync('/proc')) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue;
    const st = procStat(name);
    if (st && want.has(st.pgrp)) out.set(st.pgrp, out.get(st.pgrp) + st.utime + st.stime);
  }
  return out;
}

/** Machine-wide jiffies: { total, steal, busy (user+nice+system+irq+softirq) }. */
export function machineStat() {
  const line = fs.readFileSync('/proc/stat', 'latin1').split('\n', 1)[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number); // user nice system idle iowait irq softirq steal guest guest_nice
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { total, steal: v[7] ?? 0, busy: v[0] + v[1] + v[2] + (v[5] ?? 0) + (v[6] ?? 0) };
}

/**
 * Snapshot helper: const snap = cpuSnapshot([pg1, pg2]); ... ; const d = snap.delta();
 * d.groups: Map(pgid -> ticks used), d.machine: { total, steal, busy } deltas, d.seconds: wall time,
 * d.io (with { io: true }): Map(pgid -> { syscr, syscw }) deltas.
 */
export function cpuSnapshot(pgids, { io = false } = {}) {
  const io0 = io ? groupIo(pgids) : null;
  const g0 = groupTicks(pgids);
  const m0 = machineStat();
  const t0 = process.hrtime.bigint();
  return {
    delta() {
      const g1 = groupTicks(pgids);
      const m1 = machineStat();
      let ioDelta = null;
      if (io0) {
        ioDelta = new Map();
        for (const [g, v] of groupIo(pgids)) {
          const a = io0.get(g) ?? { syscr: 0, syscw: 0 };
          ioDelta.set(g, { syscr: Math.max(0, v.syscr - a.syscr), syscw: Math.max(0, v.syscw - a.syscw) });
        }
      }
      const groups = new Map();
      for (const [g, t] of g1) groups.set(g, Math.max(0, t - (g0.get(g) ?? 0)));
      return {
        groups,
        io: ioDelta,
        machine: { total: m1.total - m0.total, steal: m1.steal - m0.steal, busy: m1.busy - m0.busy },
        seconds: Number(process.hrtime.bigint() - t0) / 1e9,
      };
    },
  };
}

/** ticks -> microseconds per request. */
export function usPerRequest(ticks, requests) {
  return requests > 0 ? (ticks * 1e6) / clkTck() / requests : null;
}

/**
 * Sum of read/write system call counters (/proc/<pid>/io syscr, syscw) over every live process of each group:
 * Map(pgid -> { syscr, syscw }). Only read()/readv()/write()/writev()-class calls are counted (vfs layer):
 * libuv reads with read() and writes with write()/writev(); nginx reads with recv() (not counted) and writes
 * with writev(). So syscw ("writes per request") compares across proxies, syscr does not.
 */
export function groupIo(pgids) {
  const want = new Set(pgids.filter(Boolean));
  const out = new Map([...want].map((g) => [g, { syscr: 0, syscw: 0 }]));
  if (!want.size) return out;
  for (const name of fs.readdirSync('/proc')) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue;
    const st = procStat(name);
    if (!st || !want.has(st.pgrp)) continue;
    let io;
    try {
      io = fs.readFileSync(`/proc/${name}/io`, 'latin1');
    } catch {
      continue;
    }
    const o = out.get(st.pgrp);
    o.syscr += Number(/syscr:\s*(\d+)/.exec(io)?.[1] ?? 0);
    o.syscw += Number(/syscw:\s*(\d+)/.exec(io)?.[1] ?? 0);
  }
  return out;
}
