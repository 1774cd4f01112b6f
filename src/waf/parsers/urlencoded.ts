// application/x-www-form-urlencoded pairs, shared by the query parser (["get", name]) and form bodies
// (["post"],["form_urlencoded", name]). '+' is a space, names and values are percent-decoded once
// (deeper encodings are the engine's value decoders' job). A repeated name is also inspected with its
// values joined (["get","x"],["pollution"]): HTTP parameter pollution joins them server-side.
import type { Point, PointPart } from '../types.js';
import { NameIndex } from './name-index.js';
import { percentDecode, plusToSpace } from './percent.js';
import type { Sink } from './sink.js';

/** Characters of an ordinary parameter name: A-Z a-z 0-9 _ . - [ ] $ : @ */
const NAME_CHAR = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-[]$:@') NAME_CHAR[c.charCodeAt(0)] = 1;

function isSafeName(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 128 || NAME_CHAR[c] === 0) return false;
  }
  return true;
}

export interface UrlEncodedResult {
  pairs: number;
  /** A name that does not look like a parameter name: the payload may have been split on '&' or '='. */
  oddNames: boolean;
}

export function parseUrlEncoded(text: string, base: Point, tag: string, depth: number, sink: Sink): UrlEncodedResult {
  const res: UrlEncodedResult = { pairs: 0, oddNames: false };
  // '+' is a space before any %XX is decoded ('%2B' stays a '+'), one character for one: replacing it
  // in the whole text once keeps every offset and spares a replace per name and value.
  const s = plusToSpace(text);
  const n = s.length;
  // Pollution tracking keeps no strings: a name maps to where its first value starts, and only names
  // seen again get a list (of value offsets, decoded again when joined).
  const firstAt = new NameIndex(s);
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
      const name = percentDecode(s.slice(start, hasValue ? eq : end));
      const value = hasValue ? percentDecode(s.slice(eq + 1, end)) : '';
      res.pairs++;
      if (!res.oddNames && !isSafeName(name)) res.oddNames = true;
      const part: PointPart = [tag, name];
      const point = base.length === 0 ? [part] : [...base, part];
      if (name.length > 0) sink.name(point, name);
      if (value.length > 0) sink.value(point, value, depth);
      const valueAt = hasValue ? eq + 1 : end;
      const first = firstAt.firstOrAdd(name, start, hasValue ? eq : end, valueAt);
      if (first >= 0) {
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
  return percentDecode(s.slice(at, end));
}
