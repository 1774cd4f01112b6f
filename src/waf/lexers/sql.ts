// A small SQL tokenizer in the libinjection spirit. It folds a value into typed tokens (one-letter
// types, libinjection-style) so a detector can judge token sequences instead of raw text:
//
//   s string   1 number/literal   v @variable   n bareword   k keyword   E statement keyword
//   U UNION    & logic (AND OR XOR && ||)        o operator   f function (word followed by `(`)
//   ( ) , ;    X anything else
//
// Comments are dropped from the stream (a token records whether one preceded it) except that a
// comment ending the value is remembered. MySQL executable comments `/*!50000 ... */` are lexed as
// code, as MySQL does. `lexSql(value, quote)` can start inside a string context: the value is
// assumed to be spliced after an opening `'` or `"`, so the first token is the rest of that string
// (null when the value never closes it, i.e. it cannot break out). String rules live in
// sql-strings.ts, operators in sql-punct.ts, the vocabulary in sql-words.ts.

export interface SqlToken {
  /** One-letter token type (see above). */
  t: string;
  /** Lower-cased text for words; raw text otherwise. */
  v: string;
  s: number;
  e: number;
  /** String token never closed. */
  open?: boolean;
  /** A comment preceded this token. */
  cb?: boolean;
}

export interface SqlLex {
  tokens: SqlToken[];
  /** Text of a comment that ends the value (no token after it), else null. */
  endComment: string | null;
  /** The quote context the value was lexed in (0: as-is). */
  quote: number;
  /** Index of the first token lexed inside each MySQL executable comment (slash-star-bang). */
  execAt: number[];
}

import { KEEP_BEFORE_PAREN, WORDTYPE, isDig, isHexC, isIdentChar, isIdentStart, isWs } from './sql-words.js';
import { dollarQuote, stringEnd } from './sql-strings.js';
import { punctAt } from './sql-punct.js';

export { stringEnd } from './sql-strings.js';

/**
 * PostgreSQL's `#>` / `#>>` (JSON path) rather than a MySQL `#` comment: only when the path literal
 * follows (`data#>>'{a,b}'`), the one way PostgreSQL uses them.
 */
function pathOperator(src: string, i: number): boolean {
  if (src.charCodeAt(i + 1) !== 62) return false;
  let j = i + 2;
  if (src.charCodeAt(j) === 62) j++;
  while (j < src.length && isWs(src.charCodeAt(j))) j++;
  return src.charCodeAt(j) === 39;
}

/** Unclosed dollar-quote tags tried before giving up on them (each costs a scan of the rest). */
const MAX_DOLLAR_MISSES = 4;

/**
 * Tokenize `src`. With `quote` (39 `'` or 34 `"`) the value is assumed to start inside a string:
 * returns null if it never leaves that string. `ansi`: strings follow standard SQL, where a backslash
 * does not escape the quote after it (see stringEnd).
 */
export function lexSql(src: string, quote = 0, maxTokens = 2048, ansi = false): SqlLex | null {
  const tokens: SqlToken[] = [];
  const n = src.length;
  let i = 0;
  let endComment: string | null = null;
  const execAt: number[] = [];
  let inExec = 0;
  let cb = false;
  let dollarMisses = 0;

  const push = (t: string, v: string, s: number, e: number, open?: boolean): void => {
    const tok: SqlToken = { t, v, s, e };
    if (open) tok.open = true;
    if (cb) tok.cb = true;
    cb = false;
    endComment = null;
    tokens.push(tok);
  };

  if (quote) {
    const end = stringEnd(src, -1, quote, ansi);
    if (end < 0) return null;
    push('s', src.slice(0, end - 1), 0, end);
    i = end;
  }

  while (i < n && tokens.length < maxTokens) {
    const c = src.charCodeAt(i);
    if (isWs(c)) {
      i++;
      continue;
    }
    // strings
    if (c === 39 || c === 34) {
      const end = stringEnd(src, i, c, ansi);
      if (end < 0) {
        push('s', src.slice(i + 1), i, n, true);
        i = n;
      } else {
        push('s', src.slice(i + 1, end - 1), i, end);
        i = end;
      }
      continue;
    }
    if (c === 96 /* ` */) {
      const end = src.indexOf('`', i + 1);
      const e = end < 0 ? n : end + 1;
      push('n', src.slice(i + 1, end < 0 ? n : end).toLowerCase(), i, e);
      i = e;
      continue;
    }
    // comments
    if (c === 45 /* - */ && src.charCodeAt(i + 1) === 45) {
      let e = i + 2;
      while (e < n && src.charCodeAt(e) !== 10 && src.charCodeAt(e) !== 13) e++;
      cb = true;
      endComment = src.slice(i, e);
      i = e;
      continue;
    }
    if (c === 35 /* # */ && !pathOperator(src, i)) {
      let e = i + 1;
      while (e < n && src.charCodeAt(e) !== 10 && src.charCodeAt(e) !== 13) e++;
      cb = true;
      endComment = src.slice(i, e);
      i = e;
      continue;
    }
    if (c === 47 /* / */ && src.charCodeAt(i + 1) === 42 /* * */) {
      if (src.charCodeAt(i + 2) === 33 /* ! */) {
        execAt.push(tokens.length);
        inExec++;
        i += 3;
        while (i < n && isDig(src.charCodeAt(i))) i++;
        continue;
      }
      const close = src.indexOf('*/', i + 2);
      const e = close < 0 ? n : close + 2;
      cb = true;
      endComment = src.slice(i, e);
      i = e;
      continue;
    }
    if (c === 42 && src.charCodeAt(i + 1) === 47 && inExec > 0) {
      inExec--;
      i += 2;
      continue;
    }
    // numbers
    if (isDig(c) || (c === 46 && isDig(src.charCodeAt(i + 1)))) {
      let e = i;
      let decimal = false;
      if (c === 48 && (src.charCodeAt(i + 1) | 32) === 120 /* 0x */) {
        e = i + 2;
        while (e < n && isHexC(src.charCodeAt(e))) e++;
      } else if (c === 48 && (src.charCodeAt(i + 1) | 32) === 98 && (src[i + 2] === '0' || src[i + 2] === '1')) {
        e = i + 2;
        while (e < n && (src[e] === '0' || src[e] === '1')) e++;
      } else {
        while (e < n && isDig(src.charCodeAt(e))) e++;
        if (src.charCodeAt(e) === 46) {
          decimal = true;
          e++;
          while (e < n && isDig(src.charCodeAt(e))) e++;
        }
        if ((src.charCodeAt(e) | 32) === 101 /* e */) {
          let k = e + 1;
          if (src[k] === '+' || src[k] === '-') k++;
          if (isDig(src.charCodeAt(k))) {
            decimal = true;
            e = k;
            while (e < n && isDig(src.charCodeAt(e))) e++;
          }
        }
      }
      // `1st`, `3rd`, `9abc`: MySQL reads these as identifiers; a decimal or exponent number ends
      // where the letters start (`1.0UNION`, `1e0UNION` are a number then UNION)
      if (e < n && isIdentChar(src.charCodeAt(e)) && !decimal) {
        while (e < n && isIdentChar(src.charCodeAt(e))) e++;
        push('n', src.slice(i, e).toLowerCase(), i, e);
      } else {
        push('1', src.slice(i, e), i, e);
      }
      i = e;
      continue;
    }
    // PostgreSQL dollar-quoted strings
    if (c === 36 /* $ */ && dollarMisses < MAX_DOLLAR_MISSES) {
      const dq = dollarQuote(src, i);
      if (dq !== null) {
        push('s', src.slice(dq[0], dq[1]), i, dq[2]);
        i = dq[2];
        continue;
      }
      if (src.charCodeAt(i + 1) === 36 || isIdentStart(src.charCodeAt(i + 1))) dollarMisses++;
    }
    // variables (`@>` is an operator)
    if (c === 64 /* @ */ && src.charCodeAt(i + 1) !== 62) {
      let e = i + 1;
      if (src.charCodeAt(e) === 64) e++;
      const st = e;
      while (e < n && (isIdentChar(src.charCodeAt(e)) || src.charCodeAt(e) === 46)) e++;
      if (e > st) {
        push('v', src.slice(i, e).toLowerCase(), i, e);
      } else if (src.charCodeAt(e) === 39 || src.charCodeAt(e) === 34 || src.charCodeAt(e) === 96) {
        push('v', '@', i, e);
      } else {
        push('X', '@', i, e);
      }
      i = e;
      continue;
    }
    // words
    if (isIdentStart(c)) {
      let e = i + 1;
      for (;;) {
        while (e < n && isIdentChar(src.charCodeAt(e))) e++;
        // schema.table, master..xp_cmdshell
        if (src.charCodeAt(e) === 46) {
          let k = e + 1;
          if (src.charCodeAt(k) === 46) k++;
          if (k < n && isIdentStart(src.charCodeAt(k))) {
            e = k;
            continue;
          }
        }
        break;
      }
      // no keyword or function name is long: do not copy / hash megabyte-long words
      const word = e - i > 64 ? src.slice(i, i + 64).toLowerCase() + '\u2026' : src.slice(i, e).toLowerCase();
      // prefixed string literals: N'..', X'..', B'..', _latin1'..'
      const nc = src.charCodeAt(e);
      if ((nc === 39 || nc === 34) && (word === 'n' || word === 'x' || word === 'b' || word === 'e' || word[0] === '_')) {
        const end = stringEnd(src, e, nc, ansi);
        const fe = end < 0 ? n : end;
        push('s', src.slice(e + 1, end < 0 ? n : end - 1), i, fe, end < 0);
        i = fe;
        continue;
      }
      let type = WORDTYPE.get(word) ?? 'n';
      // function call: word followed (after blanks/comments) by `(`
      let k = e;
      for (;;) {
        while (k < n && isWs(src.charCodeAt(k))) k++;
        if (src.charCodeAt(k) === 47 && src.charCodeAt(k + 1) === 42 && src.charCodeAt(k + 2) !== 33) {
          const close = src.indexOf('*/', k + 2);
          if (close < 0) break;
          k = close + 2;
          continue;
        }
        break;
      }
      if (src.charCodeAt(k) === 40 && !KEEP_BEFORE_PAREN.has(word)) type = 'f';
      push(type, word, i, e);
      i = e;
      continue;
    }
    // operators and punctuation
    const p = punctAt(src, i);
    push(p.t, src.slice(i, i + p.len), i, i + p.len);
    i += p.len;
  }
  return { tokens, endComment, execAt, quote };
}
