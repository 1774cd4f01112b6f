import type { DetectContext, Detector, DetectorMatch, Point } from '../../../../src/waf/types.js';
import { detectors } from '../../../../src/waf/detectors/index.js';

export function ctx(root = 'get', name = 'q', extra: Partial<DetectContext> = {}): DetectContext {
  const point: Point = root === 'uri' ? [['uri']] : root === 'header' ? [['header', name.toUpperCase()]] : [[root, name]];
  return {
    point,
    kind: 'value',
    root,
    header: root === 'header' ? name.toUpperCase() : undefined,
    ...extra,
  };
}

export const GET = ctx('get');
export const POST_JSON: DetectContext = { point: [['post'], ['json_doc'], ['hash', 'comment']], kind: 'value', root: 'post' };
export const URI = ctx('uri');
export const UA = ctx('header', 'user-agent');

/** Run every detector; return the hits as "type stamp" strings. */
export function allHits(value: string, c: DetectContext = GET): string[] {
  const out: string[] = [];
  for (const d of detectors) {
    const m = d.detect(value, c);
    if (m) out.push(`${d.type} ${m.stamp} «${m.payload}»`);
  }
  return out;
}

export function run(d: Detector, value: string, c: DetectContext = GET): DetectorMatch | null {
  return d.detect(value, c);
}
