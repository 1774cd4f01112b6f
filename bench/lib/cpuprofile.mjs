#!/usr/bin/env node
// Summarise V8 .cpuprofile files (node --cpu-prof): top functions by self time, and a per-file rollup.
//   node bench/lib/cpuprofile.mjs FILE.cpuprofile [...] [--top 15] [--time] [--json]
import fs from 'node:fs';
import path from 'node:path';

/**
 * summarize(profiles, { weight }) -> { totalMs, idleMs, busyMs, samples, functions: [{ name, url, line, selfMs, samples, pct, pctBusy }], files }
 * profiles: parsed .cpuprofile objects. Line numbers are 1-based (V8 stores 0-based lineNumber).
 * weight 'samples' (default): percentages by sample count. 'time': by the wall time between samples (what
 * DevTools shows) - on a shared/pinned CPU that inflates frames where the thread was preempted (e.g. a write()
 * that wakes the upstream on the same CPU), so sample counts are the better estimate of CPU spent.
 */
export function summarize(profiles, { weight = 'samples' } = {}) {
  const bySamples = weight !== 'time';
  const fn = new Map();
  const files = new Map();
  let total = 0;
  let idle = 0;
  let totalSamples = 0;
  let totalMs = 0;
  let idleMs = 0;
  for (const p of profiles) {
    const dt = new Map();
    // time per sample: timeDeltas[i] belongs to samples[i]
    const counts = new Map();
    for (let i = 0; i < p.samples.length; i++) {
      const id = p.samples[i];
      const d = (p.timeDeltas?.[i + 1] ?? p.timeDeltas?.[i] ?? 0) / 1000;
      const c = counts.get(id) ?? { ms: 0, n: 0 };
      c.ms += d;
      c.n++;
      counts.set(id, c);
    }
    for (const node of p.nodes) dt.set(node.id, node);
    for (const [id, c] of counts) {
      const n = dt.get(id);
      if (!n) continue;
      const cf = n.callFrame;
      const w = bySamples ? c.n : c.ms;
      total += w;
      totalSamples += c.n;
      totalMs += c.ms;
      const name = cf.functionName || '(anonymous)';
      if (name === '(idle)') {
        idle += w;
        idleMs += c.ms;
      }
      const url = cf.url ? cf.url.replace(/^file:\/\//, '') : '';
      const key = `${name}\u0000${url}\u0000${cf.lineNumber}`;
      const e = fn.get(key) ?? { name, url, line: cf.lineNumber >= 0 ? cf.lineNumber + 1 : null, selfMs: 0, samples: 0, w: 0 };
      e.selfMs += c.ms;
      e.samples += c.n;
      e.w += w;
      fn.set(key, e);
      const fk = url || name.startsWith('(') ? url || name : '(native)';
      const fe = files.get(fk) ?? { selfMs: 0, samples: 0, w: 0 };
      fe.selfMs += c.ms;
      fe.samples += c.n;
      fe.w += w;
      files.set(fk, fe);
    }
  }
  const busy = total - idle;
  const functions = [...fn.values()]
    .map(({ w, ...e }) => ({ ...e, pct: total ? (100 * w) / total : 0, pctBusy: busy ? (100 * w) / busy : 0 }))
    .sort((a, b) => b.pct - a.pct);
  const fileRows = [...files.entries()]
    .map(([file, { w, ...e }]) => ({ file, ...e, pct: total ? (100 * w) / total : 0, pctBusy: busy && file !== '(idle)' ? (100 * w) / busy : 0 }))
    .sort((a, b) => b.pct - a.pct);
  return { weight: bySamples ? 'samples' : 'time', totalMs, idleMs, busyMs: totalMs - idleMs, samples: totalSamples, functions, files: fileRows };
}

export function shortUrl(url, root = process.cwd()) {
  if (!url) return '';
  if (url.startsWith('node:')) return url;
  const rel = path.relative(root, url);
  return rel.startsWith('..') ? url : rel;
}

export function formatSummary(s, { top = 15, root = process.cwd() } = {}) {
  const lines = [];
  lines.push(`${s.samples} samples over ${s.totalMs.toFixed(0)} ms, idle ${s.idleMs.toFixed(0)} ms; % = share of non-idle ${s.weight === 'samples' ? 'samples' : 'time'}`);
  lines.push(' samples  self ms   %busy  function  (file:line)');
  for (const f of s.functions.filter((x) => x.name !== '(idle)').slice(0, top)) {
    lines.push(`${String(f.samples).padStart(8)} ${f.selfMs.toFixed(0).padStart(8)}  ${f.pctBusy.toFixed(1).padStart(5)}%  ${f.name}  ${f.url ? `(${shortUrl(f.url, root)}:${f.line})` : ''}`);
  }
  lines.push('by file:');
  for (const f of s.files.filter((x) => x.file !== '(idle)').slice(0, top)) {
    lines.push(`${String(f.samples).padStart(8)} ${f.selfMs.toFixed(0).padStart(8)}  ${f.pctBusy.toFixed(1).padStart(5)}%  ${shortUrl(f.file, root)}`);
  }
  return lines.join('\n');
}

if (process.argv[1] && process.argv[1].endsWith('cpuprofile.mjs')) {
  const args = process.argv.slice(2);
  let top = 15;
  let json = false;
  let weight = 'samples';
  const files = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--top') top = Number(args[++i]);
    else if (args[i] === '--json') json = true;
    else if (args[i] === '--time') weight = 'time';
    else files.push(args[i]);
  }
  if (!files.length) {
    console.error('usage: node bench/lib/cpuprofile.mjs FILE.cpuprofile [...] [--top N] [--time] [--json]');
    process.exit(2);
  }
  const s = summarize(files.map((f) => JSON.parse(fs.readFileSync(f, 'utf8'))), { weight });
  if (json) console.log(JSON.stringify({ ...s, functions: s.functions.slice(0, top) }, null, 2));
  else console.log(formatSummary(s, { top }));
}
