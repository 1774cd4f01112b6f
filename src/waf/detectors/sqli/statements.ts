// Statement-level SQL recognition for the sqli detector: a statement keyword followed by what only a
// real statement would say (`DROP TABLE x`, `INSERT INTO`, `PRAGMA x=1`, `EXECUTE IMMEDIATE '...'`,
// `SELECT a FROM t WHERE`), and UNION SELECT. Statement keywords are common English words, so each
// needs the shape of its statement, and most count only stacked after a `;`.
import type { SqlLex, SqlToken } from '../../lexers/sql.js';
import { STRUCT_AFTER_DROP, argsWellFormed, isSystemTable, operandEnd, skipGroup } from './grammar.js';

const STACKED = 'sqli:stacked-query';
/** What GRANT / REVOKE hand out: privileges and the classic roles. */
const PRIVILEGES = new Set([
  'all', 'select', 'insert', 'update', 'delete', 'execute', 'exec', 'dba', 'sysdba', 'create', 'alter', 'drop', 'file',
  'super', 'usage', 'connect', 'resource', 'references', 'trigger', 'index', 'proxy', 'sysadmin',
]);
const SHOWN = new Set(['tables', 'databases', 'schemas', 'grants', 'variables', 'columns', 'processlist', 'create', 'full', 'privileges', 'users']);

export function isStatementAt(toks: SqlToken[], i: number, lex: SqlLex, nested = false): string | null {
  const t = toks[i]!;
  const a = toks[i + 1];
  const b = toks[i + 2];
  switch (t.v) {
    case 'select':
      return selectLooksReal(toks, i, lex) ? STACKED : null;
    case 'drop':
    case 'create':
    case 'alter':
    case 'truncate':
      return a?.t === 'k' && STRUCT_AFTER_DROP.has(a.v) && b !== undefined && (b.t === 'n' || b.t === 'f' || b.t === 'k') ? STACKED : null;
    case 'insert':
    case 'replace':
    case 'merge':
      return a?.v === 'into' ? STACKED : null;
    case 'delete':
      return a?.v === 'from' ? STACKED : null;
    case 'update':
      return a?.t === 'n' && b?.v === 'set' ? STACKED : null;
    case 'declare':
      return a?.t === 'v' ? STACKED : null;
    case 'set':
      // SET @x = ..., SET GLOBAL general_log = 'ON'
      return a?.t === 'v' || ((a?.v === 'global' || a?.v === 'session') && b?.t === 'n') ? STACKED : null;
    case 'exec':
    case 'execute':
      if (a?.v === 'immediate') return b !== undefined && (b.t === 's' || b.t === 'v' || b.t === 'n' || b.t === '(') ? STACKED : null; // Oracle dynamic SQL
      // EXEC('SEL'+'ECT 1'), EXEC(@q); not a method signature `execute(buf: Buffer)`
      return a !== undefined && (a.t === 'v' || (a.t === '(' && argsWellFormed(toks, i + 1)) || a.t === 's' || a.t === 'f' || (a.t === 'n' && /^(xp_|sp_|master\.|dbo\.|sys\.)/.test(a.v)))
        ? STACKED
        : null;
    case 'pragma':
      // SQLite: PRAGMA name, PRAGMA name = value, PRAGMA name(value)
      return a !== undefined && (a.t === 'n' || a.t === 'f' || a.t === 'k') && (b === undefined || b.t === ';' || b.v === '=' || b.t === '(') ? STACKED : null;
    case 'attach': {
      // SQLite: ATTACH [DATABASE] 'file' AS name (writes a file where the attacker says)
      const k = a?.v === 'database' ? i + 2 : i + 1;
      return toks[k]?.t === 's' && toks[k + 1]?.v === 'as' ? STACKED : null;
    }
    case 'copy': {
      // PostgreSQL: COPY table|(query) TO|FROM [PROGRAM] 'file'|STDOUT
      let k = a?.t === '(' ? skipGroup(toks, i + 1) : a?.t === 'f' ? skipGroup(toks, i + 2) : a?.t === 'n' ? i + 2 : -1;
      if (k < 0 || (toks[k]?.v !== 'to' && toks[k]?.v !== 'from')) return null;
      k++;
      if (toks[k]?.v === 'program') k++;
      const target = toks[k];
      return target !== undefined && (target.t === 's' || target.v === 'stdout' || target.v === 'stdin') ? STACKED : null;
    }
    case 'grant':
    case 'revoke': {
      if (a === undefined || !PRIVILEGES.has(a.v)) return null;
      const to = t.v === 'grant' ? 'to' : 'from';
      for (let k = i + 2; k < Math.min(toks.length, i + 24); k++) if (toks[k]!.v === to) return STACKED;
      return null;
    }
    case 'call':
      return a?.t === 'f' && argsWellFormed(toks, i + 2) ? STACKED : null;
    case 'load':
      return a?.v === 'data' && (b?.v === 'infile' || b?.v === 'local') ? STACKED : null;
    case 'rename':
      return a?.v === 'table' || a?.v === 'user' ? STACKED : null;
    case 'show':
      return a !== undefined && SHOWN.has(a.v) && (b === undefined || b.t === ';' || b.t === 'n' || b.t === 'k' || b.t === 'o') ? STACKED : null;
    case 'prepare':
      return a?.t === 'n' && b?.v === 'from' ? STACKED : null;
    case 'do': {
      // PostgreSQL runs the string as a code block: DO [LANGUAGE x] $$...$$; MySQL evaluates: DO SLEEP(5)
      const k = a?.v === 'language' ? i + 3 : i + 1;
      const body = toks[k];
      if (body?.t === 'f') return argsWellFormed(toks, k + 1) ? STACKED : null;
      return body?.t === 's' && (toks[k + 1] === undefined || toks[k + 1]!.t === ';' || toks[k + 1]!.v === 'language') ? STACKED : null;
    }
    case 'begin':
      // PL/SQL and T-SQL blocks: BEGIN <statement>
      return !nested && a?.t === 'E' ? isStatementAt(toks, i + 1, lex, true) : null;
    case 'shutdown':
      return a === undefined || a.t === ';' || a.v === 'with' ? STACKED : null;
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
