// Path normalisation for traversal detection. Undoes what servers and file APIs undo: repeated
// percent-encoding, IIS `%uXXXX`, overlong UTF-8 dots and slashes (`%c0%ae`, `%e0%80%af`), fullwidth
// and look-alike Unicode dots/slashes (best-fit mapping), backslashes, NUL bytes, Tomcat path
// parameters (`..;x=y`), Windows trailing dots/spaces (`.. ` `...`), filter-bypass doubling (`....//`).
// Then walks the segments to count `..` and how far the path climbs above where it started.

import { percentDecodeDeep } from './text.js';

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
}

const LOOKALIKE: Record<string, string> = {
  '\uff0e': '.', '\u2024': '.', '\ufe52': '.', '\u3002': '.', '\uff61': '.',
  '\uff0f': '/', '\u2215': '/', '\u2044': '/', '\u29f8': '/', '\ufe68': '\\', '\uff3c': '\\', '\u2216': '\\', '\u29f9': '\\',
};
const LOOKALIKE_RE = /[\uff0e\u2024\ufe52\u3002\uff61\uff0f\u2215\u2044\u29f8\ufe68\uff3c\u2216\u29f9]/g;
// overlong UTF-8 forms left as Latin-1 pairs/triples by a lenient percent-decoder
const OVERLONG_RE = /\u00c0\u00ae|\u00e0\u0080\u00ae|\u00c0\u00af|\u00e0\u0080\u00af|\u00c1\u009c|\u00c1\u00bf|\u00c0\u00dc|\u00c1\u0081/g;
const OVERLONG: Record<string, string> = {
  '\u00c0\u00ae': '.', '\u00e0\u0080\u00ae': '.', '\u00c0\u00af': '/', '\u00e0\u0080\u00af': '/',
  '\u00c1\u009c': '\\', '\u00c1\u00bf': '/', '\u00c0\u00dc': '\\', '\u00c1\u0081': '\\',
};

/** Decode every encoding a file API might undo; `encoded` tells whether anything changed. */
export function decodePath(value: string): { text: string; encoded: boolean } {
  let v = value;
  if (v.indexOf('%') >= 0) v = percentDecodeDeep(v, 3);
  let hi = false;
  for (let i = 0; i < v.length; i++) {
    if (v.charCodeAt(i) >= 0xc0) {
      hi = true;
      break;
    }
  }
  if (hi) {
    v = v.replace(OVERLONG_RE, (m) => OVERLONG[m] ?? m).replace(LOOKALIKE_RE, (m) => LOOKALIKE[m] ?? m);
  }
  return { text: v, encoded: v !== value };
}

export function analysePath(value: string): PathInfo {
  const { text, encoded } = decodePath(value);
  const nul = text.indexOf('\0') >= 0;
  let v = nul ? text.replace(/\0/g, '') : text;
  v = v.toLowerCase();
  // walk segments
  let dotdot = 0;
  let depth = 0;
  let minDepth = 0;
  const segs: string[] = [];
  let segStart = 0;
  const n = v.length;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? v.charCodeAt(i) : 47;
    if (c !== 47 && c !== 92) continue;
    const seg = v.slice(segStart, i);
    segStart = i + 1;
    // Tomcat path parameters: `..;jsessionid=x`
    const semi = seg.indexOf(';');
    const core = semi >= 0 ? seg.slice(0, semi) : seg;
    if (isDotDot(core)) {
      dotdot++;
      depth--;
      if (depth < minDepth) minDepth = depth;
      segs.push('..');
    } else if (core !== '.' && core !== '') {
      depth++;
      segs.push(seg);
    }
  }
  const lead = v.charCodeAt(0) === 47 || v.charCodeAt(0) === 92 ? '/' : '';
  const norm = lead + segs.join('/');
  return { norm, dotdot, escapes: -minDepth, encoded, nul };
}

/** `..`, and the Windows / filter-bypass spellings `...`, `.. `, `....` */
function isDotDot(seg: string): boolean {
  if (seg.length < 2 || seg.charCodeAt(0) !== 46 || seg.charCodeAt(1) !== 46) return false;
  for (let i = 2; i < seg.length; i++) {
    const c = seg.charCodeAt(i);
    if (c !== 46 && c !== 32) return false;
  }
  return true;
}
