// Cheap tests that tell the sqli detector when lexing a value cannot produce a finding, so ordinary
// text with a `;`, a paren or an apostrophe is not tokenized in full. They are exact, not heuristic:
// - strongScan fires only on tokens spelled with one of a fixed set of words (SELECT, a statement
//   after `;`, a dangerous function followed by `(`, a catalog table after FROM, INTO OUTFILE, `/*!`);
//   `strongPossible` is a substring test for those words on the lower-cased value (the lexer
//   lower-cases with the same toLowerCase), so it can only say yes more often than strongScan;
// - judgeTail reads the tokens right after the break-out point first, and returns nothing unless that
//   token has one of a few types (`tailCanFire`); a handful of leading tokens decides it.
import { stringEnd, type SqlToken } from '../../lexers/sql.js';
import { isIdentChar, isIdentStart, isWs } from '../../lexers/sql-words.js';
import { F, lowerOf } from '../../lexers/text.js';
import { DANGEROUS_FUNCS, SYSTEM_TABLES } from './grammar.js';

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Words that make strongScan fire wherever they stand. */
const STRONG_WORDS = /select|waitfor|declare|exec|xp_cmdshell|outfile|dumpfile|\/\*!/;
/** Dangerous functions: the lexer types a word as a call only when a `(` follows (after blanks or comments). */
const STRONG_CALLS = new RegExp(`(?:${[...DANGEROUS_FUNCS].map(esc).join('|')})[\\s\\0]*(?:\\(|/\\*)`);
/** Statements that count only after a `;` (stacked queries: isStatementAt's cases), read in place (sticky). */
const AFTER_SEMI =
  /(?:drop|create|alter|truncate|insert|replace|merge|delete|update|declare|set|exec|execute|shutdown|pragma|attach|copy|grant|revoke|call|load|rename|show|prepare|do|begin)(?![\w$\u0080-\uffff])/y;

/**
 * Does a `;` stand right before one of AFTER_SEMI (blanks, comments and a `/*!` opener between, as the
 * lexer skips them)? Linear: scanning resumes where the last skip ended.
 */
function statementAfterSemi(lower: string): boolean {
  const n = lower.length;
  let i = lower.indexOf(';');
  while (i >= 0) {
    let j = i + 1;
    for (;;) {
      while (j < n && isWs(lower.charCodeAt(j))) j++;
      const c = lower.charCodeAt(j);
      if (c === 47 && lower.charCodeAt(j + 1) === 42) {
        if (lower.charCodeAt(j + 2) === 33) {
          j += 3;
          while (j < n && lower.charCodeAt(j) >= 48 && lower.charCodeAt(j) <= 57) j++;
          continue;
        }
        const e = lower.indexOf('*/', j + 2);
        j = e < 0 ? n : e + 2;
      } else if ((c === 45 && lower.charCodeAt(j + 1) === 45) || c === 35) {
        const e = lower.indexOf('\n', j);
        j = e < 0 ? n : e + 1;
      } else break;
    }
    if (j < n && isIdentStart(lower.charCodeAt(j))) {
      AFTER_SEMI.lastIndex = j;
      if (AFTER_SEMI.test(lower)) return true;
    }
    i = lower.indexOf(';', j);
  }
  return false;
}
/** Catalog tables that count after FROM (dual included: `dualx` is a prefix match there). */
const TABLES = new RegExp(SYSTEM_TABLES.map(esc).join('|'));

/** Can strongScan find anything in a value whose lower-cased form is `lower`? */
export function strongPossible(lower: string, flags: number): boolean {
  if (STRONG_WORDS.test(lower)) return true;
  if (flags & F.LPAREN && STRONG_CALLS.test(lower)) return true;
  if (flags & F.SEMI && statementAfterSemi(lower)) return true;
  return lower.indexOf('from') >= 0 && TABLES.test(lower);
}

/**
 * Can sortInjection find anything: a CASE expression (CASE, WHEN and THEN all present), or a sort
 * direction followed by another clause (`asc limit`, `desc;`, comments between)?
 */
export function sortPossible(v: string): boolean {
  if (!SORT_HINT.test(v)) return false;
  const lower = lowerOf(v);
  if (lower.indexOf('case') >= 0 && lower.indexOf('when') >= 0 && lower.indexOf('then') >= 0) return true;
  return SORT_MORE.test(lower);
}
const SORT_HINT = /asc|desc|case/i;
const SORT_MORE = /\b(?:asc|desc)[\s/*]+(?:limit|procedure|into|union|;)/;

/** Keywords with which judgeTail can continue after a break-out (its 'k' cases). */
const TAIL_KEYWORDS = new Set(['order', 'group', 'having', 'where', 'into', 'limit', 'procedure', 'is', 'in', 'between', 'if']);

/**
 * Could judgeTail(toks, b, ...) return a finding? It skips `)` tokens after b and switches on the
 * next token. `toks` may be the head of the stream only: running out of tokens counts as yes.
 */
export function tailCanFire(toks: SqlToken[], b: number): boolean {
  let j = b + 1;
  while (j < toks.length && toks[j]!.t === ')') j++;
  const t = toks[j];
  if (!t) return true; // the end of the value (a trailing comment may count), or not lexed that far
  switch (t.t) {
    case 'U':
    case ';':
    case '&':
    case 'o':
      return true;
    case 'k':
      return TAIL_KEYWORDS.has(t.v);
    case 'E':
      return t.v === 'waitfor';
    case 'f':
      return t.v === 'if';
    default:
      return false;
  }
}

/** Does the as-is token stream open the way judgeTail's as-is entry points require (a number, a logic operator, UNION, `)`, `;`)? */
export function asIsEntry(toks: SqlToken[]): number | null {
  if (toks.length < 2) return null;
  const t0 = toks[0]!;
  if (t0.t === '1') return 0;
  if (t0.t === 'o' && (t0.v === '-' || t0.v === '+') && toks[1]!.t === '1') return 1;
  if (t0.t === '&' || t0.t === 'U' || t0.t === ')' || t0.t === ';') return -1;
  return null;
}

/** Words that give the first token a type asIsEntry accepts: logic, UNION-like, literals. */
const ENTRY_WORDS = new Set(['and', 'or', 'xor', 'union', 'intersect', 'except', 'minus', 'null', 'true', 'false', 'unknown']);
/** Words after a break-out with which tailCanFire says yes (logic, UNION-like, operator words, its keywords, WAITFOR). */
const TAIL_WORDS = new Set([
  'and', 'or', 'xor', 'union', 'intersect', 'except', 'minus', 'like', 'rlike', 'regexp', 'div', 'mod', 'glob', 'match', 'ilike',
  'waitfor', ...TAIL_KEYWORDS,
]);

/**
 * The word starting at `i` when it decides the token type alone: lower-cased ASCII letters, digits
 * and `_`; null when the lexer might read it otherwise (non-ASCII, or joined to more by a dot).
 */
function plainWord(v: string, i: number): string | null {
  let j = i;
  while (j < v.length && isIdentChar(v.charCodeAt(j))) {
    if (v.charCodeAt(j) >= 0x80) return null;
    j++;
  }
  if (v.charCodeAt(j) === 46) return null;
  return v.slice(i, j).toLowerCase();
}

/**
 * Can the as-is token stream open with a token asIsEntry accepts? Read off the first character after
 * blanks: a digit, `.`, an operator or comment start, `)`, `;`, or one of ENTRY_WORDS; anything
 * unusual (non-ASCII) says yes.
 */
export function asIsMayOpen(v: string): boolean {
  let i = 0;
  while (i < v.length && isWs(v.charCodeAt(i))) i++;
  if (i >= v.length) return false;
  const c = v.charCodeAt(i);
  if (c >= 0x80) return true;
  if (c >= 48 && c <= 57) return true;
  // . - + ) ; | & / #
  if (c === 46 || c === 45 || c === 43 || c === 41 || c === 59 || c === 124 || c === 38 || c === 47 || c === 35) return true;
  if (!isIdentStart(c)) return false; // a quote, `(`, `,`, `@`, a backtick, `=`...: a token asIsEntry refuses
  const w = plainWord(v, i);
  return w === null || ENTRY_WORDS.has(w);
}

/**
 * Inside quote `q`: can judgeTail fire after the break-out? Finds where the first string closes, then
 * reads the first character after blanks and `)`: the end of the value, an operator or comment start,
 * or one of TAIL_WORDS says yes. null: the value never leaves the string.
 */
export function quoteTailMayFire(v: string, q: number, ansi = false): boolean | null {
  const end = stringEnd(v, -1, q, ansi);
  if (end < 0) return null;
  let i = end;
  while (i < v.length) {
    const c = v.charCodeAt(i);
    if (isWs(c) || c === 41) i++;
    else break;
  }
  if (i >= v.length) return true;
  const c = v.charCodeAt(i);
  if (c >= 0x80) return true;
  // operators, logic, `;`, comment starts
  if (c === 61 || c === 60 || c === 62 || c === 33 || c === 124 || c === 38 || c === 43 || c === 45 || c === 42 || c === 47 || c === 37 || c === 94 || c === 126 || c === 59 || c === 35 || c === 63) return true;
  // PostgreSQL `::` casts and `@>` containment
  if ((c === 58 && v.charCodeAt(i + 1) === 58) || (c === 64 && v.charCodeAt(i + 1) === 62)) return true;
  if (!isIdentStart(c)) return false; // a number, a string, `(`, `,`, `@`, a backtick, `:`...
  // N'..' / X'..' / _latin1'..' are strings
  const w = plainWord(v, i);
  return w === null || TAIL_WORDS.has(w);
}
