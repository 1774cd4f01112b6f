// Path normalisation for traversal detection. Undoes what servers and file APIs undo: repeated
// percent-encoding, IIS `%uXXXX`, overlong UTF-8 dots and slashes (`%c0%ae`, `%e0%80%af`), fullwidth
// and look-alike Unicode dots/slashes (best-fit mapping), backslashes, NUL bytes, Tomcat path
// parameters (`..;x=y`), Windows trailing dots/spaces (`.. ` `...`), filter-bypass doubling (`....//`).
// Then walks the segments to count `..` and how far the path climbs above where it started.

import { lowerOf, percentDecodeDeep } from './text.js';

export interface PathInfo {
  /** Decoded, lower-cased, `/`-separated form with `.` segments and repeated slashes collapsed. */
  norm: string;
  /** Number of `..` segments. */
  dotdot: number;
  /** Directory levels climbed above the starting point. */
  escapes: number;
  /** Decoding (percent, overlong, Unicode look-alikes) was needed to reveal the dots or slashes. */
  encoded: boolean;
  /** A NUL byte was present. */
  nul: boolean;
  /** A `..` segment carried a path parameter (`..;x`): Tomcat / Spring drop it after the proxy checked the path. */
  param: boolean;
}

const DEC = new TextDecoder('utf-16le');

/** ASCII for a Unicode look-alike of `.` `/` `\` (IIS best-fit mapping), else 0. */
function lookalike(c: number): number {
  switch (c) {
    case 0xff0e: case 0x2024: case 0xfe52: case 0x3002: case 0xff61:
      return 46;
    case 0xff0f: case 0x2215: case 0x2044: case 0x29f8:
      return 47;
    case 0xfe68: case 0xff3c: case 0x2216: case 0x29f9:
      return 92;
    default:
      return 0;
  }
}

/**
 * Overlong UTF-8 forms of `.` `/` `\` left as Latin-1 characters by a lenient percent-decoder
 * (`%c0%ae` -> U+00C0 U+00AE): returns [ascii, length] or null.
 */
function overlong(v: string, i: number): [number, number] | null {
  const c = v.charCodeAt(i);
  const d = v.charCodeAt(i + 1);
  if (c === 0xc0) return d === 0xae ? [46, 2] : d === 0xaf ? [47, 2] : d === 0xdc ? [92, 2] : null;
  if (c === 0xc1) return d === 0x9c || d === 0x81 ? [92, 2] : d === 0xbf ? [47, 2] : null;
  if (c === 0xe0 && d === 0x80) {
    const e = v.charCodeAt(i + 2);
    return e === 0xae ? [46, 3] : e === 0xaf ? [47, 3] : null;
  }
  return null;
}

/**
 * One pass into a UTF-16 buffer: look-alikes and overlong forms mapped to ASCII, NULs dropped,
 * and (when `fold`) backslashes as slashes and ASCII lower-cased. Returns the used length.
 */
function fill(v: string, buf: Uint16Array, fold: boolean): { len: number; mapped: boolean; nul: boolean } {
  let k = 0;
  let mapped = false;
  let nul = false;
  const n = v.length;
  for (let i = 0; i < n; i++) {
    let c = v.charCodeAt(i);
    if (c === 0) {
      nul = true;
      if (fold) continue;
    } else if (c >= 0xc0) {
      const o = c <= 0xe0 ? overlong(v, i) : null;
      if (o) {
        c = o[0];
        i += o[1] - 1;
        mapped = true;
      } else {
        const l = lookalike(c);
        if (l) {
          c = l;
          mapped = true;
        }
      }
    }
    if (fold) {
      if (c === 92) c = 47;
      else if (c >= 65 && c <= 90) c += 32;
    }
    buf[k++] = c;
  }
  return { len: k, mapped, nul };
}

const HIGH = /[\u00c0-\uffff]/;

function hasHigh(v: string): boolean {
  return HIGH.test(v);
}

/** Decode every encoding a file API might undo; `encoded` tells whether anything changed. */
export function decodePath(value: string): { text: string; encoded: boolean } {
  let v = value;
  if (v.indexOf('%') >= 0) v = percentDecodeDeep(v, 3);
  if (hasHigh(v)) {
    const buf = new Uint16Array(v.length);
    const r = fill(v, buf, false);
    if (r.mapped) v = DEC.decode(buf.subarray(0, r.len));
  }
  return { text: v, encoded: v !== value };
}

export function analysePath(value: string): PathInfo {
  const text = value.indexOf('%') >= 0 ? percentDecodeDeep(value, 3) : value;
  const pctChanged = text !== value;
  // fast path: nothing for the walk to change (no `..`, `./`, `\`, `//`, NUL, non-ASCII look-alikes).
  // A `;` alone changes nothing either: it only cuts a `..;x` segment short, and there is no `..`.
  if (
    text.indexOf('..') < 0 && text.indexOf('./') < 0 && text.indexOf('\\') < 0 && text.indexOf('//') < 0 &&
    text.indexOf('\0') < 0 && !hasHigh(text)
  ) {
    return { norm: lowerOf(text), dotdot: 0, escapes: 0, encoded: pctChanged, nul: false, param: false };
  }
  const buf = new Uint16Array(text.length);
  const { len, mapped, nul } = fill(text, buf, true);
  // walk segments in place (no per-segment strings: long `../../..` runs stay cheap)
  let dotdot = 0;
  let depth = 0;
  let minDepth = 0;
  let segStart = 0;
  let param = false;
  for (let i = 0; i <= len; i++) {
    if (i < len && buf[i] !== 47) continue;
    if (i > segStart) {
      // the segment's core ends at a Tomcat path parameter `;`
      let end = segStart;
      while (end < i && buf[end] !== 59) end++;
      const core = end - segStart;
      if (core >= 2 && buf[segStart] === 46 && buf[segStart + 1] === 46 && onlyDotsOrBlanks(buf, segStart + 2, end)) {
        dotdot++;
        if (end < i) param = true;
        depth--;
        if (depth < minDepth) minDepth = depth;
      } else if (core > 0 && !(core === 1 && buf[segStart] === 46)) {
        depth++;
      }
    }
    segStart = i + 1;
  }
  // normalised text for target matching: `//` and `/./` runs collapsed (in place)
  let w = 0;
  for (let r = 0; r < len; r++) {
    const c = buf[r]!;
    buf[w++] = c;
    if (c !== 47) continue;
    for (;;) {
      if (buf[r + 1] === 47 && r + 1 < len) r++;
      else if (buf[r + 1] === 46 && buf[r + 2] === 47 && r + 2 < len) r += 2;
      else break;
    }
  }
  const norm = DEC.decode(buf.subarray(0, w));
  return { norm, dotdot, escapes: minDepth < 0 ? -minDepth : 0, encoded: pctChanged || mapped, nul, param };
}

/** Only `.` or blanks in [from, to): `..`, and the Windows / filter-bypass spellings `...`, `.. `, `....` */
function onlyDotsOrBlanks(buf: Uint16Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = buf[i];
    if (c !== 46 && c !== 32) return false;
  }
  return true;
}
