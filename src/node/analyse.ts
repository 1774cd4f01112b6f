// Analysis of one request: the engine's hits, then rule detectors (custom regexes, regex virtual
// patches: they need the values, so a second engine pass with only those detectors), virtual patches on
// attack types, and disable rules last. Hits at credential points carry a redacted payload.
import { WafEngine, type AttackType, type Detector, type Hit, type WafEngineOptions } from '../waf/index.js';
import { isSensitivePoint, REDACTED } from './attacklog.js';
import { disables, pointMatches, type ApplicableRules, type CompiledRule } from './rules.js';
import type { HitSource, InspectHit, InspectRequest } from './types.js';

export interface AnalysisTarget {
  method: string;
  path: string;
  clientIp: string | null;
  rules: ApplicableRules;
}

/** Engine hits, then rule detectors and virtual patches, then disable rules. */
export function analyseRequest(engine: WafEngine, engineOptions: WafEngineOptions, req: InspectRequest, f: AnalysisTarget, onError: (what: string, e: unknown) => void): InspectHit[] {
  const wreq = { method: f.method, url: typeof req.url === 'string' ? req.url : '/', headers: Array.isArray(req.headers) ? req.headers : [], body: req.body ?? null, clientIp: f.clientIp ?? undefined, protocol: req.protocol };
  const out: InspectHit[] = [];
  const seen = new Set<string>();
  const push = (h: Hit, source: HitSource): void => {
    const key = h.type + '\u0000' + JSON.stringify(h.point);
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ type: h.type, point: h.point, payload: isSensitivePoint(h.point) ? REDACTED : h.payload, detector: h.detector, source, blocking: false });
  };
  let raw: Hit[] = [];
  const extra: Array<[Hit, HitSource]> = [];
  try {
    const r = engine.analyze(wreq);
    raw = r.hits;
    if (r.error) onError('engine error', r.error);
  } catch (e) {
    onError('engine failed', e);
  }
  const { vpatches, regexes, disables: dis } = f.rules;
  // Virtual patches on attack types: a detector hit of a listed type at the patched point.
  for (const v of vpatches) {
    const r = v.rule;
    if (r.types === null) continue;
    for (const h of raw) {
      if ((r.types === 'all' || r.types.includes(h.type)) && pointMatches(r.point, h.point)) {
        push({ type: 'vpatch', point: h.point, payload: h.payload, detector: `vpatch:${r.id}` }, 'vpatch');
      }
    }
  }
  // Rule detectors: regex rules and regex/point virtual patches need the values, so a second pass.
  const ruleDetectors: Detector[] = [];
  for (const v of vpatches) {
    const r = v.rule;
    if (r.types !== null) continue;
    if (r.regex === null && r.point === null) {
      push({ type: 'vpatch', point: [['uri']], payload: f.path.slice(0, 256), detector: `vpatch:${r.id}` }, 'vpatch');
      continue;
    }
    ruleDetectors.push(ruleDetector(v, 'vpatch', `vpatch:${r.id}`));
  }
  for (const c of regexes) ruleDetectors.push(ruleDetector(c, c.rule.type!, `${c.rule.experimental ? 'experimental_regex' : 'regex'}:${c.rule.id}`));
  if (ruleDetectors.length > 0) {
    try {
      const r = new WafEngine({ ...engineOptions, detectors: ruleDetectors }).analyze(wreq);
      for (const h of r.hits) {
        if (h.type === 'overlimit_res') continue;
        const src: HitSource = h.detector.startsWith('vpatch:') ? 'vpatch' : h.detector.startsWith('experimental_regex:') ? 'experimental' : 'regex';
        if (src === 'vpatch') push(h, src);
        else extra.push([h, src]);
      }
    } catch (e) {
      onError('rule detectors failed', e);
    }
  }
  const candidates: Array<[Hit, HitSource]> = raw.map((h) => [h, 'detector']);
  for (const [h, src] of [...candidates, ...extra]) {
    if (dis.some((c) => disables(c, h.type, h.detector, h.point))) continue;
    push(h, src);
  }
  // A disable rule naming 'vpatch' switches patches off at that point too.
  return out.filter((h) => h.source !== 'vpatch' || !dis.some((c) => disables(c, 'vpatch', h.detector, h.point)));
}


function ruleDetector(c: CompiledRule, type: AttackType, stamp: string): Detector {
  const re = c.valueRe ?? /[\s\S]/;
  const point = c.rule.point;
  return {
    type,
    description: `rule ${c.rule.id}`,
    detect(value, ctx) {
      if (ctx.kind !== 'value' || !pointMatches(point, ctx.point)) return null;
      const m = re.exec(value);
      if (!m) return null;
      const start = Math.max(0, m.index - 16);
      return { stamp, payload: value.slice(start, Math.min(value.length, m.index + m[0].length + 16)) };
    },
  };
}

export function pathOf(url: string): string {
  let p = url;
  if (!p.startsWith('/')) {
    const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(p);
    if (m) p = p.slice(m[0].length) || '/';
  }
  const q = p.search(/[?#]/);
  if (q >= 0) p = p.slice(0, q);
  return p || '/';
}

