// JSON documents: ["json_doc"], then ["hash", key] / ["array", i] per level. A hand-written iterative
// scanner (no recursion, so 10k-deep documents cannot blow the stack) that keeps duplicate keys (JSON
// pollution: each copy is inspected), tolerates trailing garbage and truncation (values found before
// the error are still inspected), and stops adding point parts past limits.maxNesting (deeper values are
// inspected at the capped point). Numbers and literals are skipped: they cannot carry a payload.
import type { Point, PointPart } from '../types.js';
import type { Sink } from './sink.js';

interface Frame {
  array: boolean;
  point: Point;
  index: number;
}

export interface JsonResult {
  /** The text started like JSON and at least the first value parsed. */
  ok: boolean;
  /** A syntax error or truncation was met. */
  error: boolean;
  values: number;
}

function isWs(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function hex4(s: string, i: number): number {
  let v = 0;
  for (let k = 0; k < 4; k++) {
    const c = s.charCodeAt(i + k);
    let d: number;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 65 && c <= 70) d = c - 55;
    else if (c >= 97 && c <= 102) d = c - 87;
    else return -1;
    v = (v << 4) | d;
  }
  return v;
}

/** Read a string starting after its opening quote; returns [value, index after closing quote] or null. */
function readString(s: string, i: number): [string, number] | null {
  const n = s.length;
  let start = i;
  let out = '';
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 0x22) return [out + s.slice(start, i), i + 1];
    if (c === 0x5c) {
      out += s.slice(start, i);
      const e = s.charCodeAt(i + 1);
      switch (e) {
        case 0x6e: out += '\n'; i += 2; break;
        case 0x74: out += '\t'; i += 2; break;
        case 0x72: out += '\r'; i += 2; break;
        case 0x62: out += '\b'; i += 2; break;
        case 0x66: out += '\f'; i += 2; break;
        case 0x75: {
          const v = hex4(s, i + 2);
          if (v < 0) { out += '\\u'; i += 2; break; }
          out += String.fromCharCode(v);
          i += 6;
          break;
        }
        case 0x78: { // \xHH is not JSON, but lenient parsers accept it
          const h = parseInt(s.slice(i + 2, i + 4), 16);
          if (Number.isNaN(h) || !/^[0-9a-fA-F]{2}$/.test(s.slice(i + 2, i + 4))) { out += 'x'; i += 2; }
          else { out += String.fromCharCode(h); i += 4; }
          break;
        }
        default:
          if (Number.isNaN(e)) return null;
          out += String.fromCharCode(e);
          i += 2;
      }
      start = i;
      continue;
    }
    i++;
  }
  return null; // unterminated
}

/**
 * Parse `s` as JSON, emitting strings at base+["json_doc"]+... (depth+1). Returns ok=false without
 * emitting anything when s does not start like a JSON container or string.
 */
export function parseJson(s: string, base: Point, depth: number, sink: Sink): JsonResult {
  const res: JsonResult = { ok: false, error: false, values: 0 };
  const n = s.length;
  let i = 0;
  while (i < n && (isWs(s.charCodeAt(i)) || s.charCodeAt(i) === 0xfeff)) i++;
  if (i >= n) return res;
  const c0 = s.charCodeAt(i);
  if (c0 !== 0x7b && c0 !== 0x5b && c0 !== 0x22) return res;
  const root: Point = [...base, ['json_doc']];
  const d = depth + 1;
  const maxNest = sink.limits.maxNesting;
  const stack: Frame[] = [];
  let expectKey = false; // inside an object, waiting for a key
  let key: string | null = null;
  let started = false;
  let steps = 0;

  const childPoint = (): Point => {
    const top = stack[stack.length - 1];
    if (!top) return root;
    if (stack.length > maxNest) return top.point;
    const part: PointPart = top.array ? ['array', top.index] : ['hash', key ?? ''];
    const p = top.point.slice();
    p.push(part);
    return p;
  };

  while (i < n) {
    if ((++steps & 1023) === 0 && sink.stopped()) return res;
    const c = s.charCodeAt(i);
    if (isWs(c)) { i++; continue; }
    const top = stack[stack.length - 1];
    if (top && !top.array && expectKey) {
      if (c === 0x22) {
        const r = readString(s, i + 1);
        if (!r) { res.error = true; return res; }
        key = r[0];
        i = r[1];
        while (i < n && isWs(s.charCodeAt(i))) i++;
        if (s.charCodeAt(i) !== 0x3a) { res.error = true; return res; }
        i++;
        expectKey = false;
        const kp = stack.length > maxNest ? top.point : withPart(top.point, ['hash', key]);
        if (key.length > 0) sink.name(kp, key);
        continue;
      }
      if (c === 0x7d) { stack.pop(); i++; afterValue(); continue; }
      if (c === 0x2c) { i++; continue; } // tolerate ",," and leading commas
      res.error = true;
      return res;
    }
    if (c === 0x7b || c === 0x5b) {
      const p = childPoint();
      stack.push({ array: c === 0x5b, point: p, index: 0 });
      started = true;
      res.ok = true;
      expectKey = c === 0x7b;
      i++;
      continue;
    }
    if (c === 0x5d || c === 0x7d) {
      if (!top) { res.error = true; return res; }
      stack.pop();
      i++;
      afterValue();
      continue;
    }
    if (c === 0x2c) {
      if (!top) { res.error = true; return res; }
      if (top.array) top.index++;
      else expectKey = true;
      i++;
      continue;
    }
    if (c === 0x22) {
      const r = readString(s, i + 1);
      if (!r) { res.error = true; return res; }
      const p = childPoint();
      started = true;
      res.ok = true;
      if (r[0].length > 0) { sink.value(p, r[0], d); res.values++; }
      i = r[1];
      afterValue();
      continue;
    }
    // number / literal: skip the token
    if (!started && !top) return res;
    let j = i;
    while (j < n) {
      const x = s.charCodeAt(j);
      if (x === 0x2c || x === 0x5d || x === 0x7d || isWs(x)) break;
      j++;
    }
    if (j === i) { res.error = true; return res; }
    const tok = s.slice(i, j);
    if (!/^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)$/.test(tok)) {
      // Not JSON: a bare word. Inspect it (lenient parsers accept unquoted strings) and note the error.
      res.error = true;
      const p = childPoint();
      sink.value(p, tok, d);
      res.values++;
    }
    i = j;
    afterValue();
  }
  if (stack.length > 0) res.error = true;
  return res;

  function afterValue(): void {
    if (stack.length === 0) {
      // Top-level value done; anything but whitespace after it is an error (kept tolerant: stop).
      let k = i;
      while (k < n && isWs(s.charCodeAt(k))) k++;
      if (k < n) res.error = true;
      i = n;
    }
  }
}

function withPart(point: Point, part: PointPart): Point {
  const p = point.slice();
  p.push(part);
  return p;
}

/** Cheap test: does s look like a JSON container (for sniffing values and bodies)? */
export function looksJson(s: string): boolean {
  let i = 0;
  const n = s.length;
  while (i < n && isWs(s.charCodeAt(i))) i++;
  if (i >= n) return false;
  const c = s.charCodeAt(i);
  if (c !== 0x7b && c !== 0x5b) return false;
  let j = n - 1;
  while (j > i && isWs(s.charCodeAt(j))) j--;
  const e = s.charCodeAt(j);
  if (c === 0x7b) return e === 0x7d || n - i > 64; // allow truncated large docs
  if (e !== 0x5d && n - i <= 64) return false;
  // "[abc]" is more often text than JSON: require a JSON-ish second token.
  let k = i + 1;
  while (k < n && isWs(s.charCodeAt(k))) k++;
  const f = s.charCodeAt(k);
  return f === 0x22 || f === 0x7b || f === 0x5b || f === 0x5d || f === 0x2d || (f >= 48 && f <= 57) || f === 0x74 || f === 0x66 || f === 0x6e;
}
