#!/usr/bin/env node
// Instructions per request under valgrind (callgrind): a figure that does not move with the load of
// a shared machine, unlike wall-clock medians. Runs each scenario twice (n1 and n2 requests) and
// reports (Ir(n2) - Ir(n1)) / (n2 - n1), i.e. the warmed-up cost without start-up and JIT.
//   npm run build && node bench/waf/instructions.mjs ['API GET' 'JSON 1 MB' ...] [--engine path/to/engine.js]
// Slow (valgrind runs node some 50x slower): a minute or two per scenario.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { scenarios } from './speed.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: o, positionals } = parseArgs({
  options: { engine: { type: 'string', default: path.resolve(here, '../../dist/waf/engine.js') }, child: { type: 'string' }, runs: { type: 'string' } },
  allowPositionals: true,
});
const all = () => { const sc = scenarios(); return [...sc.typical, ...sc.throughput, ...sc.adversarial]; };

if (o.child !== undefined) {
  const s = all().find((x) => x.name.includes(o.child));
  const req = s.req ?? s.make();
  const { WafEngine } = await import(pathToFileURL(path.resolve(o.engine)).href);
  const engine = new WafEngine({ timeBudgetMs: 1e6 }); // count the whole work, never cut short
  for (let i = 0, n = Number(o.runs); i < n; i++) engine.analyze(req);
  process.exit(0);
}

const names = positionals.length ? positionals : ['API GET', 'POST JSON 10 KB', 'multipart 100 KB (text', 'JSON 1 MB', 'text/plain 1 MB', 'form 1 MB'];
for (const name of names) {
  const s = all().find((x) => x.name.includes(name));
  if (!s) { console.log(`${name}: no such scenario`); continue; }
  const req = s.req ?? s.make();
  const size = (req.body?.length ?? 0) + req.url.length;
  const [n1, n2] = size > 200000 ? [2, 5] : size > 5000 ? [100, 300] : [1000, 3000];
  const run = (runs) => {
    const r = execFileSync('sh', ['-c', `valgrind --tool=callgrind --callgrind-out-file=/dev/null "${process.execPath}" "${fileURLToPath(import.meta.url)}" --child "${name}" --runs ${runs} --engine "${o.engine}" 2>&1 | grep 'Collected'`], { encoding: 'utf8' });
    return Number(r.trim().split(/\s+/).pop());
  };
  const a = run(n1);
  const b = run(n2);
  console.log(`${s.name.padEnd(44)} ${Math.round((b - a) / (n2 - n1)).toLocaleString('en-US').padStart(14)} instructions per request`);
}
