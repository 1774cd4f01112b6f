// Corpus mode: build every GoTestWAF request, run the engine on it directly (no HTTP), count
// "blocked" = at least one hit, and score like GoTestWAF (internal/db/statistics.go): per test case
// the blocked share of attacks (true positives) or the passed share of legitimate requests (true
// negatives); API and application security averaged separately, then together.
import { loadCorpus } from './corpus.mjs';
import { buildRequest, encoders, prng } from './gotestwaf.mjs';

const pct = (a, b) => (b === 0 ? -1 : (a * 100) / b);
const fmt = (x) => (x === -1 ? '   n/a' : x.toFixed(2).padStart(6) + '%');
const pad = (s, n) => String(s).padEnd(n);

export function score(WafEngine, opts) {
  const cases = loadCorpus(opts.corpus, { set: opts.set, name: opts.case });
  const engine = new WafEngine(opts.engineOptions ?? {});
  const base = 'http://localhost:8080/';
  const results = [];
  let i = 0, skipped = 0;
  const t0 = performance.now();
  let maxUs = 0, maxWhat = '', overlimits = 0;
  for (const c of cases) for (const payload of c.payloads) for (const enc of c.encoders) for (const ph of c.placeholders) {
    if (opts.gtwSkip && (ph.name === 'gRPC' || ph.name === 'GraphQL')) { skipped++; continue; }
    if (opts.limit && results.length >= opts.limit) break;
    const r = { c, payload, enc, ph: ph.name, verdict: 'failed', hits: [] };
    i++;
    try {
      const encoded = encoders[enc] ? encoders[enc](payload) : null;
      if (encoded === null) throw new Error('unknown encoder ' + enc);
      const req = buildRequest(base, ph, encoded, prng(opts.seed * 1000003 + i));
      const res = engine.analyze(req);
      if (res.elapsedUs > maxUs) { maxUs = res.elapsedUs; maxWhat = `${c.set}/${c.name} ${enc}/${ph.name}`; }
      r.hits = res.hits;
      if (res.overlimit) overlimits++;
      r.verdict = res.hits.length > 0 ? 'blocked' : 'passed';
    } catch (e) {
      r.reason = e.message;
    }
    results.push(r);
  }
  const secs = (performance.now() - t0) / 1000;

  const group = (keyFn) => {
    const m = new Map();
    for (const r of results) {
      const k = keyFn(r);
      const g = m.get(k) ?? { key: k, tpB: 0, tpP: 0, tnB: 0, tnP: 0, failed: 0 };
      if (r.verdict === 'failed') g.failed++;
      else if (r.c.truePositive) r.verdict === 'blocked' ? g.tpB++ : g.tpP++;
      else r.verdict === 'blocked' ? g.tnB++ : g.tnP++;
      m.set(k, g);
    }
    return [...m.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
  };
  const line = (g, w) => {
    const tp = pct(g.tpB, g.tpB + g.tpP), tn = pct(g.tnP, g.tnB + g.tnP);
    const parts = [tp, tn].filter((x) => x !== -1);
    const avg = parts.length ? parts.reduce((a, b) => a + b, 0) / parts.length : -1;
    return pad(g.key, w) + `TP ${fmt(tp)} (${g.tpB}/${g.tpB + g.tpP})`.padEnd(26) + `TN ${fmt(tn)} (${g.tnP}/${g.tnB + g.tnP})`.padEnd(24) + `avg ${fmt(avg)}` + (g.failed ? `  failed ${g.failed}` : '');
  };
  const section = (title, groups, w) => { console.log(`\n${title}`); for (const g of groups) console.log(line(g, w)); };

  section('Per attack set', group((r) => r.c.set), 14);
  section('Per test case (file)', group((r) => `${r.c.set}/${r.c.name}`), 40);
  section('Per placeholder', group((r) => r.ph), 20);
  section('Per encoder', group((r) => r.enc), 14);

  // GoTestWAF summary: per category (API / application) TP and TN, averaged.
  const sum = (f) => results.filter((r) => r.verdict !== 'failed' && f(r)).reduce((a, r) => (r.verdict === 'blocked' ? { b: a.b + 1, p: a.p } : { b: a.b, p: a.p + 1 }), { b: 0, p: 0 });
  const cat = (api) => {
    const tp = sum((r) => r.c.truePositive && r.c.api === api), tn = sum((r) => !r.c.truePositive && r.c.api === api);
    const parts = [];
    const s = { tp: pct(tp.b, tp.b + tp.p), tn: pct(tn.p, tn.b + tn.p) };
    if (s.tp !== -1) parts.push(s.tp);
    if (s.tn !== -1) parts.push(s.tn);
    s.avg = parts.length ? (tp.b === 0 ? 0 : parts.reduce((a, b) => a + b, 0) / parts.length) : -1;
    return s;
  };
  const apiS = cat(true), appS = cat(false);
  const TP = sum((r) => r.c.truePositive), TN = sum((r) => !r.c.truePositive);
  const tpr = pct(TP.b, TP.b + TP.p), tnr = pct(TN.p, TN.b + TN.p);
  const avail = [apiS.avg, appS.avg].filter((x) => x !== -1);
  const failed = results.filter((r) => r.verdict === 'failed').length;
  console.log(`\n${results.length} requests (${failed} failed to build like GoTestWAF's Go client would${skipped ? `, ${skipped} gRPC/GraphQL skipped` : ''}) in ${secs.toFixed(1)} s; slowest ${maxUs} µs (${maxWhat}); ${overlimits} over the ${engine.timeBudgetMs} ms budget`);
  console.log(`True-positive rate (attacks blocked):      ${fmt(tpr)}  (${TP.b}/${TP.b + TP.p})`);
  console.log(`True-negative rate (legit requests passed): ${fmt(tnr)}  (${TN.p}/${TN.b + TN.p})`);
  console.log(`Average of the two:                         ${fmt((tpr + tnr) / 2)}`);
  console.log(`API Security:         TP ${fmt(apiS.tp)}  TN ${fmt(apiS.tn)}  avg ${fmt(apiS.avg)}`);
  console.log(`Application Security: TP ${fmt(appS.tp)}  TN ${fmt(appS.tn)}  avg ${fmt(appS.avg)}`);
  console.log(`GoTestWAF-style overall score: ${fmt(avail.length ? avail.reduce((a, b) => a + b, 0) / avail.length : -1)}`);

  const clip = (s) => JSON.stringify(s.length > 140 ? s.slice(0, 140) + `…(${s.length})` : s);
  if (opts.showMisses) {
    console.log('\nMisses (attacks not blocked):');
    for (const r of results) if (r.c.truePositive && r.verdict === 'passed') console.log(`MISS ${r.c.set}/${r.c.name} ${r.enc}/${r.ph} ${clip(r.payload)}`);
  }
  if (opts.showFps) {
    console.log('\nFalse positives (legitimate requests blocked):');
    for (const r of results) if (!r.c.truePositive && r.verdict === 'blocked') {
      console.log(`FP ${r.c.set}/${r.c.name} ${r.enc}/${r.ph} ${clip(r.payload)}`);
      for (const h of r.hits) console.log(`     ${h.type} ${h.detector} at ${JSON.stringify(h.point)}: ${clip(h.payload)}`);
    }
  }
  if (opts.showFailed) for (const r of results) if (r.verdict === 'failed') console.log(`FAILED ${r.c.set}/${r.c.name} ${r.enc}/${r.ph}: ${r.reason}`);
  return { tpr, tnr, results };
}
