// String literals for the SQL lexer: where a quoted string ends under the two escaping conventions
// (MySQL's backslash escapes, or standard SQL where a backslash is an ordinary character and only a
// doubled quote escapes), and PostgreSQL dollar quoting ($$...$$, $tag$...$tag$).
import { isIdentChar, isIdentStart } from './sql-words.js';

/**
 * End index (exclusive, after the closing quote) of a string starting at `i` (the opening quote `q`),
 * or -1 if unclosed. `ansi`: a backslash does not escape (PostgreSQL, MSSQL, Oracle, SQLite, MySQL
 * with NO_BACKSLASH_ESCAPES), so `\'` closes the string.
 */
export function stringEnd(src: string, i: number, q: number, ansi = false): number {
  const n = src.length;
  let j = i + 1;
  while (j < n) {
    const c = src.charCodeAt(j);
    if (c === 92 /* \ */ && !ansi) {
      j += 2;
      continue;
    }
    if (c === q) {
      if (src.charCodeAt(j + 1) === q) {
        j += 2;
        continue;
      }
      return j + 1;
    }
    j++;
  }
  return -1;
}

/** Longest dollar-quote tag considered: real tags are short names. */
const MAX_TAG = 16;

/**
 * A PostgreSQL dollar-quoted string opening at `i` (a `$`): `$$...$$` or `$tag$...$tag$`. Returns
 * [contentStart, contentEnd, end] or null when `i` opens no tag or the tag is never closed (an unclosed
 * one is not a string in PostgreSQL either, and `$` is an identifier character in MySQL).
 */
export function dollarQuote(src: string, i: number): [number, number, number] | null {
  let j = i + 1;
  if (src.charCodeAt(j) !== 36) {
    if (!isIdentStart(src.charCodeAt(j))) return null;
    while (j < src.length && j - i <= MAX_TAG && isIdentChar(src.charCodeAt(j)) && src.charCodeAt(j) !== 36) j++;
    if (src.charCodeAt(j) !== 36) return null;
  }
  const tag = src.slice(i, j + 1);
  const close = src.indexOf(tag, j + 1);
  if (close < 0) return null;
  return [j + 1, close, close + tag.length];
}
