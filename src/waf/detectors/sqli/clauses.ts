// Clause-level grammar for the sqli detector: what may follow a break-out besides an expression —
// a T-SQL IF statement (`' IF (1=1) WAITFOR DELAY '0:0:5'--`), LIMIT with what can close a query
// after it (`1' LIMIT 1 INTO @,@,@-- -`), SELECT ... INTO variables — and the ORDER BY position,
// where the value is a sort expression rather than a string or number to break out of.
import type { SqlLex, SqlToken } from '../../lexers/sql.js';
import { caseEnd, exprEnd, operandEnd } from './grammar.js';
import { isStatementAt, unionAt } from './statements.js';
import type { SqlFinding } from './judge.js';

/**
 * `IF <condition> <statement>` at j (T-SQL; MySQL's IF() function is an operand, judged elsewhere):
 * the condition is a parenthesised group or an expression, and a real statement must follow it.
 */
export function conditionalAt(toks: SqlToken[], j: number, lex: SqlLex): SqlFinding | null {
  const t = toks[j];
  if (t === undefined || t.v !== 'if' || (t.t !== 'f' && t.t !== 'k')) return null;
  let k = j + 1;
  if (toks[k]?.v === 'not') k++;
  const e = exprEnd(toks, k);
  if (e < 0 || toks[e]?.t !== 'E') return null;
  const s = isStatementAt(toks, e, lex);
  return s ? { stamp: s === 'sqli:time-delay' ? s : 'sqli:conditional', at: j } : null;
}

/** A query may end right here: the value ends (after a comment, when `needComment`), or `;` / UNION follows. */
function queryCanEnd(toks: SqlToken[], k: number, lex: SqlLex, needComment: boolean): boolean {
  const t = toks[k];
  if (t === undefined) return !needComment || lex.endComment !== null;
  return t.t === ';' || (t.t === 'U' && unionAt(toks, k));
}

/**
 * SELECT ... INTO targets at k (toks[k-1] is INTO): `OUTFILE|DUMPFILE 'file'`, or a list of user
 * variables (`@a, @b`, or bare `@` as column-count probes write it) ending the query.
 */
export function intoTargetEnd(toks: SqlToken[], k: number, lex: SqlLex): number {
  const t = toks[k];
  if (t === undefined) return -1;
  if (t.v === 'outfile' || t.v === 'dumpfile') return toks[k + 1]?.t === 's' ? k + 2 : -1;
  let vars = 0;
  while (toks[k]?.t === 'v' || (toks[k]?.t === 'X' && toks[k]!.v === '@')) {
    vars++;
    k++;
    if (toks[k]?.t !== ',') break;
    k++;
  }
  // a single `INTO @x` at the very end could be prose (`it' into @team`): demand a list or an ending
  if (vars === 0 || !queryCanEnd(toks, k, lex, vars === 1)) return -1;
  return k;
}

/**
 * `LIMIT n[, m | OFFSET m]` at j followed by what can close the query: the end (after a comment),
 * `;`, UNION, INTO variables or a file, PROCEDURE ANALYSE. Plain `limit 5` in prose stops at the number.
 */
export function limitTail(toks: SqlToken[], j: number, lex: SqlLex): SqlFinding | null {
  let k = j + 1;
  if (toks[k]?.t !== '1') return null;
  k++;
  if (toks[k]?.t === ',') {
    // `LIMIT 1,` is already a column-count probe shape
    if (toks[k + 1]?.t !== '1') return { stamp: 'sqli:limit', at: j };
    k += 2;
  } else if (toks[k]?.v === 'offset' && toks[k + 1]?.t === '1') {
    k += 2;
  }
  const t = toks[k];
  if (t === undefined) return lex.endComment !== null ? { stamp: 'sqli:limit', at: j } : null;
  if (queryCanEnd(toks, k, lex, true)) return { stamp: 'sqli:limit', at: j };
  if (t.v === 'into' && intoTargetEnd(toks, k + 1, lex) > 0) return { stamp: 'sqli:limit', at: j };
  if (t.v === 'procedure' && toks[k + 1]?.t === 'f') return { stamp: 'sqli:limit', at: j };
  return null;
}

/** Does a CASE expression at j test a condition (a comparison, a group, a call), not a lone word? */
function caseTestsCondition(toks: SqlToken[], j: number): boolean {
  const end = caseEnd(toks, j);
  if (end < 0) return false;
  for (let k = j + 1; k < end; k++) {
    if (toks[k]!.v !== 'when') continue;
    const c = toks[k + 1];
    const ce = exprEnd(toks, k + 1);
    if (c !== undefined && (ce > k + 2 || c.t === '(' || c.t === 'f' || c.t === '1' || c.t === 's')) return true;
  }
  return false;
}

const SORT_DIR = new Set(['asc', 'desc']);

/**
 * ORDER BY injection, for a value that is entirely a sort specification (as-is context): the sort
 * position takes an expression, so an attacker sends a conditional one (`(CASE WHEN (1=1) THEN name
 * ELSE price END)`, after optional columns) or extends the clause past the direction (`name ASC LIMIT
 * 1`, `price DESC; DROP ...`). MySQL's IF() is left out: `IF(A1>0,"y","n")` is a spreadsheet formula.
 */
export function sortInjection(toks: SqlToken[], lex: SqlLex): SqlFinding | null {
  let k = 0;
  // leading columns: `name, (CASE ...)`
  for (let n = 0; n < 8; n++) {
    const t = toks[k];
    if (t === undefined || (t.t !== 'n' && t.t !== '1')) break;
    const nx = toks[k + 1];
    if (nx?.t === ',') k += 2;
    else if (nx !== undefined && SORT_DIR.has(nx.v) && toks[k + 2]?.t === ',') k += 3;
    else break;
  }
  let open = 0;
  while (toks[k]?.t === '(') {
    k++;
    open++;
  }
  const t = toks[k];
  if (t === undefined) return null;
  if (t.v === 'case') {
    if (!caseTestsCondition(toks, k)) return null;
    let e = caseEnd(toks, k);
    while (open > 0 && toks[e]?.t === ')') {
      e++;
      open--;
    }
    if (open > 0) return null;
    const after = toks[e];
    if (after === undefined || after.t === ',' || after.t === ';' || SORT_DIR.has(after.v)) return { stamp: 'sqli:order-by', at: k };
    return null;
  }
  if (open > 0 || (t.t !== 'n' && t.t !== '1')) return null;
  const dir = toks[k + 1];
  if (dir === undefined || !SORT_DIR.has(dir.v)) return null;
  const nx = toks[k + 2];
  if (nx === undefined) return null;
  if (nx.v === 'limit') return toks[k + 3]?.t === '1' ? { stamp: 'sqli:order-by', at: k } : null;
  if (nx.t === ';' && toks[k + 3]?.t === 'E' && isStatementAt(toks, k + 3, lex)) return { stamp: 'sqli:stacked-query', at: k + 2 };
  if (nx.t === 'U' && unionAt(toks, k + 2)) return { stamp: 'sqli:union', at: k + 2 };
  if (nx.v === 'procedure' && toks[k + 3]?.t === 'f') return { stamp: 'sqli:procedure', at: k + 2 };
  if (nx.v === 'into' && intoTargetEnd(toks, k + 3, lex) > 0) return { stamp: 'sqli:into-outfile', at: k + 2 };
  return null;
}

/** `ORDER BY|GROUP BY <expr>` at j after a break-out: a number, a column or a conditional expression, then the end of a clause. */
export function orderByTail(toks: SqlToken[], j: number, lex: SqlLex): SqlFinding | null {
  if (toks[j + 1]?.v !== 'by') return null;
  const first = toks[j + 2];
  if (first === undefined) return null;
  const e = first.t === '1' || first.t === 'n' ? j + 3 : first.t === '(' || first.v === 'case' ? operandEnd(toks, j + 2) : -1;
  if (e < 0) return null;
  const after = toks[e];
  const closes = after === undefined || after.t === ';' || after.t === ',' || after.t === 'U' || SORT_DIR.has(after.v) || after.v === 'having' || after.v === 'limit';
  if (!closes) return null;
  // `order by name` ending a value is prose-like; a number, an expression, a comment or more clauses are not
  if (after !== undefined || lex.endComment !== null || first.t === '1' || first.t === '(' || first.v === 'case') return { stamp: 'sqli:order-by', at: j };
  return null;
}
