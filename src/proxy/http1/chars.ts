/** Byte classes as lookup tables, indexed by a byte or a latin1 char code (0..255). */

export const CR = 13;
export const LF = 10;
export const SP = 32;
export const HTAB = 9;
export const COLON = 58;

function table(pred: (c: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = pred(c) ? 1 : 0;
  return t;
}

const isAlpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** RFC 9110 tchar. */
export const TOKEN = table((c) => isAlpha(c) || isDigit(c) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c)));

/**
 * Request methods, as nginx parses them: upper-case letters, '_' and '-'. (Any RFC token would be legal, but nginx
 * rejects lower case; llhttp accepts only its own registry of names.)
 */
export const METHOD = table((c) => (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x2d);

/** Field value / reason phrase bytes: HTAB, SP, VCHAR, obs-text. Excludes every other CTL and DEL. */
export const FIELD_VALUE = table((c) => c === HTAB || (c >= 0x20 && c !== 0x7f));

/** Request-target bytes: VCHAR only (no CTL, SP, DEL or bytes >= 0x80; llhttp refuses those too). */
export const TARGET = table((c) => c > 0x20 && c < 0x7f);

/** quoted-string qdtext (RFC 9110 §5.6.4). */
export const QDTEXT = table((c) => c === HTAB || c === SP || c === 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c !== 0x7f));

/** quoted-pair second byte. */
export const QPAIR = table((c) => c === HTAB || (c >= 0x20 && c !== 0x7f));

/** Hex digit value, or 255. */
export const HEX = (() => {
  const t = new Uint8Array(256).fill(255);
  for (let c = 0; c < 10; c++) t[0x30 + c] = c;
  for (let c = 0; c < 6; c++) {
    t[0x41 + c] = 10 + c;
    t[0x61 + c] = 10 + c;
  }
  return t;
})();

/** Like eqLower, over bytes of a Buffer. */
export function eqLowerBytes(b: Uint8Array, start: number, lower: string): boolean {
  const n = lower.length;
  for (let i = 0; i < n; i++) {
    if (((b[start + i] as number) | 0x20) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Case-insensitive compare of s[start, start+lower.length) with a lower-case literal made of letters and '-'.
 * Safe for token characters: `c | 0x20` maps only 'A'-'Z' onto 'a'-'z' among tchars, and '-' onto itself.
 */
export function eqLower(s: string, start: number, lower: string): boolean {
  const n = lower.length;
  for (let i = 0; i < n; i++) {
    if ((s.charCodeAt(start + i) | 0x20) !== lower.charCodeAt(i)) return false;
  }
  return true;
}
