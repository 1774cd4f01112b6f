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
  let seen: Map<string, string[]> | null = null;
  let first: string | null = null;
  let firstVal = '';
  let start = 0;
  while (start <= n) {
    if (sink.stopped()) return res;
    let end = s.indexOf('&', start);
    if (end < 0) end = n;
    if (end > start) {
      const raw = s.slice(start, end);
      const eq = raw.indexOf('=');
      const name = percentDecode(eq < 0 ? raw : raw.slice(0, eq), true);
      const value = eq < 0 ? '' : percentDecode(raw.slice(eq + 1), true);
      res.pairs++;
      if (!res.oddNames && !SAFE_NAME.test(name)) res.oddNames = true;
      const part: PointPart = [tag, name];
      const point = base.length === 0 ? [part] : [...base, part];
      if (name.length > 0) sink.name(point, name);
      if (value.length > 0) sink.value(point, value, depth);
      // Track repeats for pollution without allocating a Map for the common single-parameter case.
      if (first === null) { first = name; firstVal = value; }
      else {
        if (seen === null) { seen = new Map(); seen.set(first, [firstVal]); }
        const list = seen.get(name);
        if (list) list.push(value);
        else seen.set(name, [value]);
      }
    }
    start = end + 1;
  }
  if (seen !== null) {
    for (const [name, vals] of seen) {
      if (vals.length < 2) continue;
      const joined = vals.join(',');
      if (joined.length > vals.length - 1) sink.value([...base, [tag, name], ['pollution']], joined, depth);
    }
  }
  return res;
}
