// Statement-level SQL recognition for the sqli detector: a statement keyword followed by what only a
// real statement would say (`DROP TABLE x`, `INSERT INTO`, `SELECT a FROM t WHERE`), and UNION SELECT.
import type { SqlLex, SqlToken } from '../../lexers/sql.js';
import { STRUCT_AFTER_DROP, argsWellFormed, isSystemTable, operandEnd, skipGroup } from './grammar.js';

export function isStatementAt(toks: SqlToken[], i: number, lex: SqlLex): string | null {
  const t = toks[i]!;
  const a = toks[i + 1];
  const b = toks[i + 2];
  switch (t.v) {
    case 'select':
      return selectLooksReal(toks, i, lex) ? 'sqli:stacked-query' : null;
    case 'drop':
    case 'create':
    case 'alter':
    case 'truncate':
      return a?.t === 'k' && STRUCT_AFTER_DROP.has(a.v) && b !== undefined && (b.t === 'n' || b.t === 'f' || b.t === 'k') ? 'sqli:stacked-query' : null;
    case 'insert':
      return a?.v === 'into' ? 'sqli:stacked-query' : null;
    case 'delete':
      return a?.v === 'from' ? 'sqli:stacked-query' : null;
    case 'update':
      return a?.t === 'n' && b?.v === 'set' ? 'sqli:stacked-query' : null;
    case 'declare':
    case 'set':
      return a?.t === 'v' ? 'sqli:stacked-query' : null;
    case 'exec':
    case 'execute':
      return a !== undefined && (a.t === 'v' || a.t === '(' || a.t === 's' || a.t === 'f' || (a.t === 'n' && /^(xp_|sp_|master\.|dbo\.|sys\.)/.test(a.v)))
        ? 'sqli:stacked-query'
        : null;
    case 'shutdown':
      return a === undefined || a.t === ';' || a.v === 'with' ? 'sqli:stacked-query' : null;
    case 'waitfor':
      return (a?.v === 'delay' || a?.v === 'time') && b?.t === 's' ? 'sqli:time-delay' : null;
    default:
      return null;
  }
}

/** SELECT followed by something only SQL would say. */
export function selectLooksReal(toks: SqlToken[], i: number, lex: SqlLex): boolean {
  let j = i + 1;
  let a = toks[j];
  if (!a) return false;
  if (a.t === 'k' && (a.v === 'distinct' || a.v === 'all' || a.v === 'top')) {
    j++;
    if (a.v === 'top' && toks[j]?.t === '1') j++;
    a = toks[j];
    if (!a) return false;
  }
  if (a.t === 'f') return argsWellFormed(toks, j + 1);
  if (a.t === 'v') return true;
  if (a.t === '(') {
    const b = toks[j + 1];
    return b !== undefined && (b.t === 'E' || b.t === '1' || b.t === 'f' || b.t === 'v' || b.t === 's' || b.t === '(');
  }
  if (a.t === '1' || a.t === 's') {
    const b = toks[j + 1];
    return b === undefined ? lex.endComment !== null || i === 0 || toks[i - 1]!.t !== 'n' :
      b.t === ',' || b.t === ';' || b.t === ')' || b.t === 'U' || b.v === 'from' || b.v === 'into' || b.v === 'limit';
  }
  if (a.t === 'n' || a.t === 'f' || (a.t === 'o' && a.v === '*')) {
    // select a, b.c from t [where|limit|...]: a column list, FROM, a table, then SQL or the end
    let k = j;
    let items = 0;
    let sqlish = false;
    for (;;) {
      const e = toks[k]?.v === '*' ? k + 1 : operandEnd(toks, k);
      if (e < 0) return false;
      if (toks[k]!.v === '*') sqlish = true;
      if (toks[k]!.t === 'f' || toks[k]!.v.includes('.')) sqlish = true;
      items++;
      k = e;
      if (toks[k]?.t === ',') {
        sqlish = true;
        k++;
        continue;
      }
      break;
    }
    if (toks[k]?.v !== 'from') return false;
    const table = toks[k + 1];
    if (!table || (table.t !== 'n' && table.t !== '(')) return false;
    if (table.t === 'n' && isSystemTable(table.v)) return true;
    const after = toks[table.t === '(' ? skipGroup(toks, k + 1) : k + 2];
    const afterOk = after === undefined ||
      after.t === ';' || after.t === ')' || after.t === 'U' ||
      (after.t === 'k' && ['where', 'limit', 'order', 'group', 'having', 'join', 'inner', 'left', 'into', 'offset'].includes(after.v));
    return afterOk && (sqlish || items > 1 || after !== undefined || lex.endComment !== null || (i > 0 && toks[i - 1]!.t === '('));
  }
  return false;
}

export function unionAt(toks: SqlToken[], i: number): boolean {
  let j = i + 1;
  if (toks[j]?.t === 'k' && (toks[j]!.v === 'all' || toks[j]!.v === 'distinct')) j++;
  while (toks[j]?.t === '(') j++;
  const t = toks[j];
  return t !== undefined && t.t === 'E' && t.v === 'select';
}
