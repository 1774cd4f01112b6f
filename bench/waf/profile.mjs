#!/usr/bin/env node
// Dev tool: loops one group of speed scenarios so `node --cpu-prof` sees where the engine spends time.
//   npm run build && node --cpu-prof --cpu-prof-dir=/tmp/prof bench/waf/profile.mjs [typical|throughput|adversarial] [--name SUBSTR] [--ms 3000]
//   node bench/lib/cpuprofile.mjs /tmp/prof/*.cpuprofile --top 25
import { parseArgs } from 'node:util';
import { scenarios } from './speed.mjs';

const { values: o, positionals } = parseArgs({ options: { name: { type: 'string', default: '' }, ms: { type: 'string', default: '3000' } }, allowPositionals: true });
const group = positionals[0] ?? 'typical';
const { WafEngine } = await import('../../dist/waf/index.js');
// a generous budget so a busy machine does not cut the work being measured short
const engine = new WafEngine({ timeBudgetMs: 10000 });
const list = scenarios()[group].filter((s) => s.name.includes(o.name));
if (list.length === 0) throw new Error(`no scenario in ${group} matching ${o.name}`);
const reqs = list.map((s) => (s.req ?? s.make()));
const t0 = performance.now();
const c0 = process.cpuUsage();
let runs = 0;
while (performance.now() - t0 < Number(o.ms)) {
  for (const r of reqs) engine.analyze(r);
  runs++;
}
const c1 = process.cpuUsage(c0);
const per = (x) => (x / runs / reqs.length).toFixed(1);
// CPU time beside wall time: on a shared machine the wall clock includes time the process waited
console.log(`${group}${o.name ? ` (${o.name})` : ''}: ${runs} rounds of ${reqs.length} requests, ${per((performance.now() - t0) * 1000)} µs wall, ${per(c1.user + c1.system)} µs CPU per request`);
