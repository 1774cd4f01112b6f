/**
 * SQL injection, judged on token sequences (libinjection / libdetection approach).
 *
 * The value is tokenized with the SQL lexer in three contexts: as-is (the value sits in a numeric
 * or unquoted position), after a single quote and after a double quote (the value sits inside a
 * string literal). In a quoted context the value is only suspicious if it closes the string; what
 * follows the break point must then continue a valid SQL expression or statement: a logic
 * operator with an operand and comparison (`' OR 'a'='a`, `1) AND 12=12`), a comment swallowing
 * the rest (`admin'--`), UNION SELECT, a stacked statement (`; DROP TABLE`), a function call, ORDER
 * BY / HAVING / INTO OUTFILE... A bareword right after the break (`O'Brien`, `D'or 1st`) is not
 * valid SQL and ends the analysis. Independently of context, a few constructs are SQL by themselves:
 * UNION [ALL] SELECT, sub-selects with SQL structure, MySQL executable comments, time / file /
 * out-of-band functions with well-formed arguments, WAITFOR DELAY, INTO OUTFILE, schema probes.
 * A value that is entirely a sort specification is judged as an ORDER BY expression (./sqli/clauses.ts).
 * Quote contexts are lexed a second time with standard-SQL strings when the value has `\'` or `\"`:
 * a backslash does not escape in most databases, and addslashes turns `\'` into `\\'`, so the quote
 * closes either way. A value with `+` and no space is also read with `+` as a space (form encoding
 * that the application decodes once more: `1'+UNION+ALL+SELECT+...`).
 * The grammar lives in ./sqli/; ./sqli/prefilter.ts keeps ordinary text from being tokenized in full.
 */
import type { Detector, DetectorMatch, DetectContext } from '../types.js';
import { lexSql, type SqlToken } from '../lexers/sql.js';
import { F, charFlags, decodeEntities, decodeJsEscapes, excerpt, lowerOf } from '../lexers/text.js';
import { judgeTail, strongScan, type SqlFinding } from './sqli/judge.js';
import { sortInjection } from './sqli/clauses.js';
import { asIsEntry, asIsMayOpen, quoteTailMayFire, sortPossible, strongPossible, tailCanFire } from './sqli/prefilter.js';

const AS_IS_START = /^\s*(?:[-+]?\.?\d|\)|\|\||&&|(?:and|or|xor|union|div|rlike|regexp|like|having|order|group|limit|procedure|into)\b)/i;
const SQL_WORDS =
  /union|select|waitfor|declare|exec|shutdown|xp_|into\s+(?:out|dump)file|\/\*!|information_schema|sysobjects|sleep|benchmark|load_file|extractvalue|updatexml|dbms_|utl_|sys_e|randomblob|get_lock|openrowset|opendatasource|dblink|lo_(?:import|export)|pg_|json_keys|gtid_subset|exp\s*\(|geometrycollection|polygon|multipoint/i;

/** Tokens lexed first: enough for the prefilters to see where judgeTail would look. */
const HEAD = 8;

/**
 * `breakOutOnly`: judge only break-outs (a quote or number context continued as SQL), not constructs
 * that are SQL wherever they stand; for the `+`-as-space reading, where `search?q=union+select` is a
 * URL in a value, not a statement.
 */
function analyse(v: string, breakOutOnly: boolean): { stamp: string; s: number; e: number } | null {
  const flags = charFlags(v);
  // computed when first needed: most values are settled by the head of their token stream
  let strongMemo = breakOutOnly ? 0 : -1;
  const strong = (): boolean => (strongMemo < 0 ? (strongMemo = strongPossible(lowerOf(v), flags) ? 1 : 0) : strongMemo) === 1;
  // as-is context: only worth lexing when the value opens on an operand / operator (it may continue
  // a numeric context) or names something only SQL says
  if ((flags & F.SEMI || AS_IS_START.test(v) || SQL_WORDS.test(v)) && (asIsMayOpen(v) || strong())) {
    const head = lexSql(v, 0, HEAD)!;
    const complete = head.tokens.length < HEAD;
    const entry = asIsEntry(head.tokens);
    if ((entry !== null && tailCanFire(head.tokens, entry)) || strong()) {
      const lex = complete ? head : lexSql(v, 0)!;
      const toks = lex.tokens;
      let r = strong() ? strongScan(toks, 0, lex) : null;
      if (!r && entry !== null) r = judgeTail(toks, entry, lex, true);
      if (r) return hit(toks, r);
    }
  }
  for (const q of [39, 34]) {
    if (!(flags & (q === 39 ? F.SQUOTE : F.DQUOTE))) continue;
    const r = inQuote(v, q, false, strong);
    if (r) return r;
    if (flags & F.BSLASH && v.includes(q === 39 ? "\\'" : '\\"')) {
      const a = inQuote(v, q, true, strong);
      if (a) return a;
    }
  }
  if (!breakOutOnly && sortPossible(v)) {
    const lex = lexSql(v, 0)!;
    const r = sortInjection(lex.tokens, lex);
    if (r) return hit(lex.tokens, r);
  }
  return null;
}

/** The value spliced inside a string opened by quote `q` (`ansi`: backslashes do not escape). */
function inQuote(v: string, q: number, ansi: boolean, strong: () => boolean): { stamp: string; s: number; e: number } | null {
  const may = quoteTailMayFire(v, q, ansi);
  if (may === null || (!may && !strong())) return null;
  const head = lexSql(v, q, HEAD, ansi);
  if (!head) return null;
  const complete = head.tokens.length < HEAD;
  if (!tailCanFire(head.tokens, 0) && !strong()) return null;
  const lex = complete ? head : lexSql(v, q, 2048, ansi)!;
  const r = judgeTail(lex.tokens, 0, lex, false) ?? (strong() ? strongScan(lex.tokens, 1, lex) : null);
  return r ? hit(lex.tokens, r) : null;
}

function hit(toks: SqlToken[], r: SqlFinding): { stamp: string; s: number; e: number } {
  const t = toks[Math.max(0, r.at)]!;
  const last = toks[Math.min(toks.length - 1, Math.max(0, r.at) + 6)]!;
  return { stamp: r.stamp, s: t.s, e: last.e };
}

/** Words that can still make SQL of a value without operators, quotes, comments or parens. */
const NO_PUNCT_SQL = /union|select|asc|desc|case/i;
/** `+` joining words: a form-encoded space (`1'+OR+1=1--+`). */
const PLUS_WORD = /\+[a-z]/i;

const SQL_CHARS = F.SQUOTE | F.DQUOTE | F.LPAREN | F.SEMI | F.HASH | F.EQ | F.PIPE | F.AMP | F.STAR | F.BACKTICK | F.AT | F.LT | F.GT;

export const sqli: Detector = {
  type: 'sqli',
  description: 'SQL injection: tokenizes the value as-is and inside quote contexts, flags break-outs into SQL syntax',
  detect(value: string, _ctx: DetectContext): DetectorMatch | null {
    if (value.length < 4) return null;
    const flags = charFlags(value);
    if (!(flags & SQL_CHARS) && !(flags & F.SLASH && value.includes('/*')) && !(flags & F.DASH && value.includes('--'))) {
      // no operator, quote, comment or paren: only UNION, a whole SELECT (`select x from
      // information_schema.tables`) or a sort clause (asc, desc, case) can still be SQL
      if (!NO_PUNCT_SQL.test(value)) return null;
    }
    const variants = [value];
    if (flags & F.BSLASH && /\\(u00|x[0-9a-f]{2})/i.test(value)) variants.push(decodeJsEscapes(value));
    if (flags & F.AMP && value.includes('&#')) variants.push(decodeEntities(value));
    for (const v of variants) {
      const r = analyse(v, false);
      if (r) return { stamp: r.stamp, payload: excerpt(v, r.s, r.e) };
    }
    // only a quote or an as-is opener can break out (`https://x/?q=a+b` cannot)
    if (flags & F.SPACE && (flags & (F.SQUOTE | F.DQUOTE) || asIsMayOpen(value)) && PLUS_WORD.test(value) && value.indexOf(' ') < 0) {
      const v = value.replace(/\+/g, ' ');
      const r = analyse(v, true);
      if (r) return { stamp: r.stamp, payload: excerpt(v, r.s, r.e) };
    }
    return null;
  },
};
