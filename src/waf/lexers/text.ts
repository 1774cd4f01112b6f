// Shared text helpers for the detectors: the character-class summary and memoised lower-case form
// (charclass.ts), the light decoders (decode.ts), bounded excerpts, and the parameter name of a point.
export { F, charFlags, lowerOf, isAlpha, isDigit, isAlnum, isSpace, isHex } from './charclass.js';
export { decodeEntities, decodeJsEscapes, percentDecode, percentDecodeDeep } from './decode.js';

const MAX_EXCERPT = 120;

/** `Name: value` at the start of a line: a header (HTTP, mail, iCalendar...). */
export const HEADER_LINE = /^[A-Za-z][A-Za-z0-9-]{0,40}[ \t]*:/;

/** The part [start, end) of `s` with a little context, at most ~120 characters. */
export function excerpt(s: string, start: number, end: number = start): string {
  if (start < 0) start = 0;
  if (end > s.length) end = s.length;
  if (end < start) end = start;
  let a = Math.max(0, start - 16);
  let b = Math.min(s.length, Math.max(end, start) + 16);
  if (b - a > MAX_EXCERPT) {
    a = Math.max(0, start - 8);
    b = Math.min(s.length, a + MAX_EXCERPT);
  }
  return s.slice(a, b);
}

/** Last key of a point (the parameter name a value sits under), lower-cased, or ''. */
export function paramName(point: ReadonlyArray<ReadonlyArray<string | number>>): string {
  for (let i = point.length - 1; i >= 0; i--) {
    const part = point[i]!;
    if (part.length > 1 && typeof part[1] === 'string') return part[1].toLowerCase();
  }
  return '';
}
