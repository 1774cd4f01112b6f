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
 * The grammar lives in ./sqli/; ./sqli/prefilter.ts keeps ordinary text from being tokenized in full.
 */
import type { Detector, DetectorMatch, DetectContext } from '../types.js';
import { lexSql, type SqlToken } from '../lexers/sql.js';
import { F, charFlags, decodeEntities, decodeJsEscapes, excerpt, lowerOf } from '../lexers/text.js';
import { judgeTail, strongScan, type SqlFinding } from './sqli/judge.js';
import { asIsEntry, asIsMayOpen, quoteTailMayFire, strongPossible, tailCanFire } from './sqli/prefilter.js';

const AS_IS_START = /^\s*(?:[-+]?\.?\d|\)|\|\||&&|(?:and|or|xor|union|div|rlike|regexp|like|having|order|group|limit|procedure|into)\b)/i;
const SQL_WORDS =
  /union|select|waitfor|declare|exec|shutdown|xp_|into\s+(?:out|dump)file|\/\*!|information_schema|sysobjects|sleep|benchmark|load_file|extractvalue|updatexml|dbms_|utl_|sys_e|randomblob|get_lock|openrowset|opendatasource|dblink|lo_(?:import|export)|pg_|json_keys|gtid_subset|exp\s*\(|geometrycollection|polygon|multipoint/i;

/** Tokens lexed first: enough for the prefilters to see where judgeTail would look. */
const HEAD = 8;

function analyse(v: string): { stamp: string; s: number; e: number } | null {
  const flags = charFlags(v);
  // computed when first needed: most values are settled by the head of their token stream
  let strongMemo = -1;
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
    const may = quoteTailMayFire(v, q);
    if (may === null || (!may && !strong())) continue;
    const head = lexSql(v, q, HEAD);
    if (!head) continue;
    const complete = head.tokens.length < HEAD;
    if (!tailCanFire(head.tokens, 0) && !strong()) continue;
    const lex = complete ? head : lexSql(v, q)!;
    const r = judgeTail(lex.tokens, 0, lex, false) ?? (strong() ? strongScan(lex.tokens, 1, lex) : null);
    if (r) return hit(lex.tokens, r);
  }
  return null;
}

function hit(toks: SqlToken[], r: SqlFinding): { stamp: string; s: number; e: number } {
  const t = toks[Math.max(0, r.at)]!;
  const last = toks[Math.min(toks.length - 1, Math.max(0, r.at) + 6)]!;
  return { stamp: r.stamp, s: t.s, e: last.e };
}

const SQL_CHARS = F.SQUOTE | F.DQUOTE | F.LPAREN | F.SEMI | F.HASH | F.EQ | F.PIPE | F.AMP | F.STAR | F.BACKTICK | F.AT | F.LT | F.GT;

export const sqli: Detector = {
  type: 'sqli',
  description: 'SQL injection: tokenizes the value as-is and inside quote contexts, flags break-outs into SQL syntax',
  detect(value: string, _ctx: DetectContext): DetectorMatch | null {
    if (value.length < 4) return null;
    const flags = charFlags(value);
    if (!(flags & SQL_CHARS) && !(flags & F.SLASH && value.includes('/*')) && !(flags & F.DASH && value.includes('--'))) {
      // no operator, quote, comment or paren: only `... union select ...` can still be SQL
      if (!/union/i.test(value)) return null;
    }
    const variants = [value];
    if (flags & F.BSLASH && /\\(u00|x[0-9a-f]{2})/i.test(value)) variants.push(decodeJsEscapes(value));
    if (flags & F.AMP && value.includes('&#')) variants.push(decodeEntities(value));
    for (const v of variants) {
      const r = analyse(v);
      if (r) return { stamp: r.stamp, payload: excerpt(v, r.s, r.e) };
    }
    return null;
  },
};
