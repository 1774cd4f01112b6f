// application/x-www-form-urlencoded pairs, shared by the query parser (["get", name]) and form bodies
// (["post"],["form_urlencoded", name]). '+' is a space, names and values are percent-decoded once
// (deeper encodings are the engine's value decoders' job). A repeated name is also inspected with its
// values joined (["get","x"],["pollution"]): HTTP parameter pollution joins them server-side.
import type { Point, PointPart } from '../types.js';
import { percentDecode } from './percent.js';
import type { Sink } from './sink.js';

const SAFE_NAME = /^[A-Za-z0-9_.\-[\]$:@]*$/;

export interface UrlEncodedResult {
  pairs: number;
  /** A name that does not look like a parameter name: the payload may have been split on '&' or '='. */
  oddNames: boolean;
}

export function parseUrlEncoded(s: string, base: Point, tag: string, depth: number, sink: Sink): UrlEncodedResult {
  const res: UrlEncodedResult = { pairs: 0, oddNames: false };
  const n = s.length;
  // Pollution tracking keeps no values: a name maps to where its first value starts, and only names
  // seen again get a list (of value offsets, decoded again when joined). Keeping every value of a
  // 40k-field form alive until the end costs more in garbage collection than the parsing itself.
  const firstAt = new Map<string, number>();
  let repeated: Map<string, number[]> | null = null;
  let start = 0;
  let eq = -1; // the next '=' at or after start (n when none): found once per '=', not once per pair
  while (start <= n) {
    if (sink.stopped()) return res;
    let end = s.indexOf('&', start);
    if (end < 0) end = n;
    if (end > start) {
      if (eq < start) {
        eq = s.indexOf('=', start);
        if (eq < 0) eq = n;
      }
      const hasValue = eq < end;
      const name = percentDecode(s.slice(start, hasValue ? eq : end), true);
      const value = hasValue ? percentDecode(s.slice(eq + 1, end), true) : '';
      res.pairs++;
      if (!res.oddNames && !SAFE_NAME.test(name)) res.oddNames = true;
      const part: PointPart = [tag, name];
      const point = base.length === 0 ? [part] : [...base, part];
      if (name.length > 0) sink.name(point, name);
      if (value.length > 0) sink.value(point, value, depth);
      const valueAt = hasValue ? eq + 1 : end;
      const first = firstAt.get(name);
      if (first === undefined) firstAt.set(name, valueAt);
      else {
        repeated ??= new Map();
        const list = repeated.get(name);
        if (list) list.push(valueAt);
        else repeated.set(name, [first, valueAt]);
      }
    }
    start = end + 1;
  }
  if (repeated !== null) {
    // in the order the names first appeared
    const names = [...repeated].sort((a, b) => a[1][0]! - b[1][0]!);
    for (const [name, offsets] of names) {
      const vals = offsets.map((at) => valueAtOffset(s, at));
      const joined = vals.join(',');
      if (joined.length > vals.length - 1) sink.value([...base, [tag, name], ['pollution']], joined, depth);
    }
  }
  return res;
}

/** The decoded value that starts at `at` (after its `=`, or at the `&` ending a pair without one). */
function valueAtOffset(s: string, at: number): string {
  if (at >= s.length || s.charCodeAt(at) === 38) return '';
  let end = s.indexOf('&', at);
  if (end < 0) end = s.length;
  return percentDecode(s.slice(at, end), true);
}
