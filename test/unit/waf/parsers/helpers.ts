// Test helpers: run the engine with a recording detector to see every (point, value) it inspects.
import { WafEngine, type WafEngineOptions } from '../../../../src/waf/engine.js';
import { pointToString } from '../../../../src/waf/point.js';
import type { Detector, Point, ValueKind, WafRequest } from '../../../../src/waf/types.js';

export interface Seen { point: Point; value: string; kind: ValueKind; path: string }

export function recorder(): { detector: Detector; seen: Seen[] } {
  const seen: Seen[] = [];
  const detector: Detector = {
    type: 'scanner',
    description: 'records every value (tests)',
    detect(value, ctx) {
      seen.push({ point: ctx.point, value, kind: ctx.kind, path: pointToString(ctx.point) });
      return null;
    },
  };
  return { detector, seen };
}

export function collect(req: Partial<WafRequest>, opts: WafEngineOptions = {}): Seen[] {
  const { detector, seen } = recorder();
  const eng = new WafEngine({ ...opts, detectors: [detector] });
  eng.analyze({ method: 'GET', url: '/', headers: [], ...req });
  return seen;
}

export function req(method: string, url: string, headers: Array<[string, string]> = [], body?: string | Uint8Array): WafRequest {
  return { method, url, headers, body: body === undefined ? null : typeof body === 'string' ? Buffer.from(body, 'utf8') : body };
}

/** Values at exactly this point. */
export function at(seen: Seen[], point: Point): string[] {
  const k = JSON.stringify(point);
  return seen.filter((s) => s.kind === 'value' && JSON.stringify(s.point) === k).map((s) => s.value);
}

export function namesAt(seen: Seen[], point: Point): string[] {
  const k = JSON.stringify(point);
  return seen.filter((s) => s.kind === 'name' && JSON.stringify(s.point) === k).map((s) => s.value);
}

/** Some inspected value contains `needle`. */
export function inspected(seen: Seen[], needle: string): Seen | undefined {
  return seen.find((s) => s.value.includes(needle));
}

/** Fake detectors keyed on obvious markers, for engine tests. */
export const fakeDetectors: Detector[] = [
  { type: 'sqli', description: 'fake', detect: (v) => (/union\s+select/i.test(v) ? { stamp: 'sqli:fake', payload: v.slice(0, 40) } : null) },
  { type: 'xss', description: 'fake', detect: (v) => (/<script/i.test(v) ? { stamp: 'xss:fake', payload: v.slice(0, 40) } : null) },
  { type: 'ptrav', description: 'fake', detect: (v) => (/\.\.[/\\]/.test(v) ? { stamp: 'ptrav:fake', payload: v.slice(0, 40) } : null) },
];
