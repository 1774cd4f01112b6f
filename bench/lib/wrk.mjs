// wrk runner and output parser. wrk runs in its own process group (killed with everything else on exit),
// wrapped by bash so that its own CPU time (cutime+cstime of the wrapper) is reported too.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { pinned, startGroup, stopGroup, which } from './procs.mjs';

export function wrkVersion() {
  const bin = which('wrk');
  if (!bin) return null;
  const r = spawnSync(bin, ['-v'], { encoding: 'utf8' });
  return (r.stdout || r.stderr || '').split('\n')[0].split(' ').slice(0, 2).join(' ');
}

/** "10s" "1m" "500ms" "2" -> seconds */
export function durationSeconds(d) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(d).trim());
  if (!m) throw new Error(`bad duration ${d} (e.g. 10s, 1m)`);
  const v = Number(m[1]);
  return { ms: v / 1000, s: v, m: v * 60, h: v * 3600, undefined: v }[m[2]];
}

/** wrk wants an integer duration with a unit; round to whole seconds (min 1). */
export function wrkDuration(d) {
  return `${Math.max(1, Math.round(durationSeconds(d)))}s`;
}

/**
 * A wrk Lua script in dir: optional POST body (file read once), optional pacing (delay() so the offered load is
 * about rate requests/s over `connections` connections). Returns the path, or null if nothing is needed.
 */
export function wrkScript(dir, name, { body = null, contentType = 'application/json', rate = 0, connections = 50 } = {}) {
  let lua = '';
  if (body) {
    const bodyFile = path.join(dir, `${name}.body`);
    fs.writeFileSync(bodyFile, body);
    lua += `local f = assert(io.open(${JSON.stringify(bodyFile)}, "rb"))\nwrk.method = "POST"\nwrk.body = f:read("*a")\nf:close()\nwrk.headers["Content-Type"] = ${JSON.stringify(contentType)}\n`;
  }
  if (rate > 0) lua += `function delay() return ${Math.max(1, Math.round((connections * 1000) / rate))} end\n`;
  if (!lua) return null;
  const file = path.join(dir, `${name}.lua`);
  fs.writeFileSync(file, lua);
  return file;
}

function toMs(v) {
  const m = /^([\d.]+)(us|ms|s|m|h)?$/.exec(v);
  if (!m) return null;
  const x = Number(m[1]);
  return { us: x / 1000, ms: x, s: x * 1000, m: x * 60000, h: x * 3600000, undefined: x }[m[2]];
}

/** Parse wrk --latency output. */
export function parseWrk(text) {
  const r = { rps: 0, requests: 0, seconds: 0, avgMs: null, p50Ms: null, p75Ms: null, p90Ms: null, p99Ms: null, maxMs: null, non2xx: 0, socketErrors: { connect: 0, read: 0, write: 0, timeout: 0 }, wrkTicks: null, rc: null };
  for (const line of text.split('\n')) {
    let m;
    if ((m = /^\s+Latency\s+(\S+)\s+(\S+)\s+(\S+)/.exec(line)) && r.avgMs === null) {
      r.avgMs = toMs(m[1]);
      r.maxMs = toMs(m[3]);
    } else if ((m = /^\s+(50|75|90|99)(?:\.000)?%\s+(\S+)/.exec(line))) r[`p${m[1]}Ms`] = toMs(m[2]);
    else if ((m = /^\s*(\d+) requests in ([\d.]+)(ms|s|m)/.exec(line))) {
      r.requests = Number(m[1]);
      r.seconds = Number(m[2]) * (m[3] === 'm' ? 60 : m[3] === 'ms' ? 0.001 : 1);
    } else if ((m = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(line))) {
      r.socketErrors = { connect: +m[1], read: +m[2], write: +m[3], timeout: +m[4] };
    } else if ((m = /Non-2xx or 3xx responses: (\d+)/.exec(line))) r.non2xx = Number(m[1]);
    else if ((m = /^Requests\/sec:\s+([\d.]+)/.exec(line))) r.rps = Number(m[1]);
    else if ((m = /^WRKCPU (\d+) rc=(\d+)/.exec(line))) {
      r.wrkTicks = Number(m[1]);
      r.rc = Number(m[2]);
    }
  }
  r.socketErrorsTotal = r.socketErrors.connect + r.socketErrors.read + r.socketErrors.write + r.socketErrors.timeout;
  r.errors = r.non2xx + r.socketErrorsTotal;
  return r;
}

/**
 * runWrk({ url, duration, connections, threads, cpus, script, headers, outFile, timeout })
 * -> parsed result (parseWrk) plus { output }. Bounded: wrk is killed duration + 20 s after start.
 */
export async function runWrk({ url, duration = '10s', connections = 50, threads = 1, cpus = null, script = null, headers = {}, outFile, timeout = null }) {
  const bin = which('wrk');
  if (!bin) throw new Error('wrk not found (apt-get install wrk)');
  const dur = wrkDuration(duration);
  const args = [bin, `-t${threads}`, `-c${connections}`, `-d${dur}`, '--latency'];
  if (timeout) args.push('--timeout', String(timeout));
  if (script) args.push('-s', script);
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  args.push(url);
  const wrapper = '"$@"; rc=$?; read -r -a s < /proc/$$/stat; echo "WRKCPU $((s[15] + s[16])) rc=$rc"';
  const proc = startGroup('wrk', ['bash', '-c', wrapper, '_', ...pinned(cpus, args)], { logFile: outFile });
  const limit = setTimeout(() => stopGroup(proc, { graceMs: 1000 }), (durationSeconds(dur) + 20) * 1000);
  await proc.exited;
  clearTimeout(limit);
  await stopGroup(proc, { graceMs: 1000 }); // deregisters; kills leftovers if any
  const output = fs.readFileSync(outFile, 'utf8');
  return { ...parseWrk(output), output };
}
