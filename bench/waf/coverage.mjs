// Parser coverage: for every corpus request, does some value the engine inspects contain the original
// payload (decoded back from its encoder and placeholder)? Independent of the detectors: a payload the
// parsers never surface intact cannot be detected reliably, whatever the detectors do.
import { loadCorpus } from './corpus.mjs';
import { buildRequest, encoders, prng } from './gotestwaf.mjs';

export function coverage(WafEngine, opts) {
  const cases = loadCorpus(opts.corpus, { set: opts.set, name: opts.case });
  let seen = [];
  const rec = { type: 'scanner', description: 'records values', detect(v) { seen.push(v); return null; } };
  const engine = new WafEngine({ ...(opts.engineOptions ?? {}), detectors: [rec] });
  const by = new Map();
  let i = 0, total = 0, covered = 0;
  const norm = (s) => s.replace(/\s+/g, ' ').trim();
  for (const c of cases) for (const payload of c.payloads) for (const enc of c.encoders) for (const ph of c.placeholders) {
    i++;
    let req;
    try { req = buildRequest('http://localhost:8080/', ph, encoders[enc](payload), prng(opts.seed * 1000003 + i)); } catch { continue; }
    seen = [];
    engine.analyze(req);
    const want = norm(payload);
    const ok = seen.some((v) => norm(v).includes(want));
    total++;
    if (ok) covered++;
    const k = `${enc}/${ph.name}`;
    const g = by.get(k) ?? { ok: 0, n: 0, miss: [] };
    g.n++;
    if (ok) g.ok++; else g.miss.push(`${c.set}/${c.name} ${JSON.stringify(payload.slice(0, 100))}`);
    by.set(k, g);
  }
  console.log(`\nParser coverage: ${covered}/${total} requests surface the payload intact (${((covered * 100) / total).toFixed(1)}%)`);
  for (const [k, g] of [...by].sort()) {
    console.log(`${k.padEnd(32)} ${g.ok}/${g.n}`);
    if (opts.showMisses) for (const m of g.miss) console.log(`    not surfaced: ${m}`);
  }
}
