// A value that is itself one complete SELECT statement.
//
// Decision: SQL injection is a value breaking out of the string or number it was meant to be, or
// an expression slipped into a position that takes one (a sub-query in parentheses, a sort key). A
// value that *starts* with a bare SELECT has nothing to break out of, and a bare statement is not
// valid in any operand position: it only runs where the application executes whole statements by
// design (a report builder, a SQL console), or it is a statement quoted in a text field (a tutorial,
// a support question), as INSERT/UPDATE/JOIN examples are. So a plain read of application tables
// (`SELECT name, email FROM users WHERE created_at > '2024-01-01' ORDER BY name;`) passes. What is
// dangerous in any SQL still fires, wherever it stands: catalog tables, dangerous or fingerprinting
// functions, @@variables, UNION, stacked statements, INTO OUTFILE, a constant tautology (`WHERE
// 1=1`), a constant select list (`SELECT 1,2,3`: a column-count probe) and a comment cutting the
// rest off. A parenthesised `(SELECT ...)` is a sub-query and keeps firing.
import type { SqlLex, SqlToken } from '../../lexers/sql.js';
import { DANGEROUS_FUNCS, INFO_FUNCS, isTerminatingComment } from './grammar.js';

/** Constant comparisons: `1=1`, `'a'='a'`, `2>1`. */
function constantComparison(toks: SqlToken[], k: number): boolean {
  const a = toks[k]!;
  const op = toks[k + 1];
  const b = toks[k + 2];
  return (a.t === '1' || a.t === 's') && op?.t === 'o' && op.v !== '::' && b !== undefined && (b.t === '1' || b.t === 's');
}

/**
 * For a value whose first token is SELECT: the index where that statement ends (its `;` or the end of
 * the tokens) when it is a plain read with nothing a probe would add, else -1.
 */
export function plainSelectEnd(toks: SqlToken[], lex: SqlLex): number {
  let k = 1;
  while (toks[k]?.t === 'k' && (toks[k]!.v === 'distinct' || toks[k]!.v === 'all' || toks[k]!.v === 'top')) k++;
  const first = toks[k];
  if (first === undefined || first.t === '1' || first.t === 's' || first.t === 'v') return -1;
  let depth = 0;
  for (; k < toks.length; k++) {
    const t = toks[k]!;
    if (t.t === '(') depth++;
    else if (t.t === ')') depth--;
    else if (t.t === ';' && depth <= 0) return k;
    else if (t.t === 'v' || t.t === 'U') return -1;
    else if (t.t === 'f' && (INFO_FUNCS.has(t.v) || DANGEROUS_FUNCS.has(t.v))) return -1;
    else if (constantComparison(toks, k)) return -1;
  }
  return isTerminatingComment(lex.endComment) ? -1 : k;
}
