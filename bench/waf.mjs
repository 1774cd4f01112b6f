#!/usr/bin/env node
// WAF engine benchmark. Build first (npm run build): this imports dist/waf/index.js.
//   npm run bench:waf                          speed table (typical, throughput, adversarial)
//   npm run bench:waf -- --corpus DIR [opts]   GoTestWAF-style score of the engine on a test-case tree
// Corpus options: --set NAME, --case NAME, --limit N, --seed N, --gotestwaf-skip (skip gRPC/GraphQL
// like waf-score.mjs without --graphql-url), --show-misses, --show-fps, --show-failed, --coverage (does
// the engine surface each payload intact, whatever the detectors say).
// Common: --time-budget MS, --no-detectors (engine overhead only), --quick.
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({
  options: {
    corpus: { type: 'string' }, set: { type: 'string', default: '' }, case: { type: 'string', default: '' },
    limit: { type: 'string', default: '0' }, seed: { type: 'string', default: '1' },
    'gotestwaf-skip': { type: 'boolean', default: false }, coverage: { type: 'boolean', default: false }, 'show-misses': { type: 'boolean', default: false },
    'show-fps': { type: 'boolean', default: false }, 'show-failed': { type: 'boolean', default: false },
    'time-budget': { type: 'string' }, 'no-detectors': { type: 'boolean', default: false }, quick: { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
  },
  allowPositionals: false,
});
if (o.help) {
  console.log('usage: node bench/waf.mjs [--corpus DIR [--set S] [--case C] [--limit N] [--gotestwaf-skip] [--show-misses] [--show-fps]] [--time-budget MS] [--quick]');
  process.exit(0);
}

let lib;
try {
  lib = await import('../dist/waf/index.js');
} catch (e) {
  console.error('cannot load dist/waf/index.js: run `npm run build` first\n', e.message);
  process.exit(1);
}
const { WafEngine, defaultDetectors } = lib;
const dd = defaultDetectors();
if (dd.error) console.error(`note: detector registry not loaded (${dd.error.message ?? dd.error}); running with no detectors`);
const engineOptions = {};
if (o['time-budget']) engineOptions.timeBudgetMs = Number(o['time-budget']);
// Parsers and budgets alone: what the engine costs before any detector runs.
if (o['no-detectors']) engineOptions.detectors = [];

// Scoring measures detection, not how busy the machine is: unless told otherwise the corpus runs with
// Wallarm's default 1000 ms budget, so a load spike cannot turn a request into an overlimit_res "block".
if (o.corpus && !o['time-budget']) engineOptions.timeBudgetMs = 1000;

if (o.corpus && o.coverage) {
  const { coverage } = await import('./waf/coverage.mjs');
  coverage(WafEngine, { corpus: o.corpus, set: o.set, case: o.case, seed: Number(o.seed), engineOptions, showMisses: o['show-misses'] });
} else if (o.corpus) {
  const { score } = await import('./waf/score.mjs');
  const det = new WafEngine(engineOptions).detectors;
  console.log(`detectors: ${det.length} (${[...new Set(det.map((d) => d.type))].join(', ') || 'none'})`);
  score(WafEngine, {
    corpus: o.corpus, set: o.set, case: o.case, limit: Number(o.limit), seed: Number(o.seed), engineOptions,
    gtwSkip: o['gotestwaf-skip'], showMisses: o['show-misses'], showFps: o['show-fps'], showFailed: o['show-failed'],
  });
} else {
  const { speed } = await import('./waf/speed.mjs');
  speed(WafEngine, engineOptions, { quick: o.quick });
}
