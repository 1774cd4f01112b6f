// SQL expression grammar for the sqli detector: the function and catalog names that give SQL away,
// and the token-level helpers (parenthesised groups, operands, comparisons, comments) the judgement
// in judge.ts is built from. All bounded so that long or deeply nested token streams stay linear.
import type { SqlToken } from '../../lexers/sql.js';

/** Functions that are attacks by themselves when called with well-formed arguments. */
export const DANGEROUS_FUNCS = new Set([
  'sleep', 'benchmark', 'pg_sleep', 'load_file', 'extractvalue', 'updatexml', 'xp_cmdshell', 'xp_dirtree',
  'xp_fileexist', 'sp_executesql', 'sp_oacreate', 'sp_makewebtask', 'dbms_pipe.receive_message', 'dbms_lock.sleep',
  'utl_http.request', 'utl_inaddr.get_host_address', 'utl_inaddr.get_host_name', 'sys_eval', 'sys_exec',
  'pg_read_file', 'pg_ls_dir', 'lo_import', 'lo_export', 'dblink', 'dblink_exec', 'openrowset', 'opendatasource',
  'randomblob', 'get_lock', 'master.dbo.xp_cmdshell', 'master..xp_cmdshell', 'ctxsys.drithsx.sn',
  'dbms_xmlgen.getxml', 'json_keys', 'gtid_subset', 'exp', 'geometrycollection', 'polygon', 'multipoint',
]);
/** Functions that read the DB fingerprint, typical as operands right after a break-out. */
export const INFO_FUNCS = new Set([
  'version', 'database', 'user', 'current_user', 'system_user', 'session_user', 'schema', 'db_name',
  'user_name', 'host_name', 'suser_name', 'connection_id', 'last_insert_id', 'current_database',
]);
/** Catalog / system tables that give a probe away when selected from. */
export const SYSTEM_TABLES = [
  'information_schema', 'mysql.user', 'mysql.db', 'sysobjects', 'syscolumns', 'sys.', 'master.', 'pg_catalog',
  'pg_shadow', 'pg_user', 'pg_tables', 'sqlite_master', 'sqlite_schema', 'all_tables', 'all_users', 'user_tables',
  'dba_users', 'v$version', 'msysobjects', 'dual',
];
export const STRUCT_AFTER_DROP = new Set(['table', 'database', 'schema', 'user', 'procedure', 'view', 'index', 'trigger', 'function', 'login']);

export function isSystemTable(name: string): boolean {
  for (const t of SYSTEM_TABLES) if (name === t || name.startsWith(t)) return true;
  return false;
}

/** Index just past the parenthesised group that opens at `j` (toks[j].t === '('), or toks.length if unclosed. */
export function skipGroup(toks: SqlToken[], j: number): number {
  let depth = 0;
  // bounded so that `sleep(sleep(sleep(...` stays linear
  const limit = Math.min(toks.length, j + 512);
  for (let k = j; k < limit; k++) {
    const t = toks[k]!.t;
    if (t === '(') depth++;
    else if (t === ')') {
      depth--;
      if (depth === 0) return k + 1;
    }
  }
  return limit;
}

/** Does the group opening at `j` contain a SELECT (sub-query)? */
export function groupHasSelect(toks: SqlToken[], j: number): boolean {
  const end = skipGroup(toks, j);
  for (let k = j + 1; k < end; k++) if (toks[k]!.t === 'E' && toks[k]!.v === 'select') return true;
  return false;
}

/**
 * Are the arguments of the call whose `(` is at `j` well formed: no two operands side by side at the
 * top level (`sleep(8 hours)` is prose, `sleep(5)` is SQL)?
 */
export function argsWellFormed(toks: SqlToken[], j: number): boolean {
  const end = skipGroup(toks, j);
  let prevOperand = false;
  let depth = 0;
  for (let k = j + 1; k < end - 1; k++) {
    const t = toks[k]!.t;
    if (t === '(') {
      depth++;
      prevOperand = false;
      continue;
    }
    if (t === ')') {
      depth--;
      prevOperand = true;
      continue;
    }
    if (depth > 0) continue;
    const operand = t === '1' || t === 's' || t === 'v' || t === 'n' || t === 'f';
    if (operand && prevOperand) return false;
    if (t === 'X') return false;
    prevOperand = operand && t !== 'f';
  }
  return true;
}

/** Index after the operand starting at j, or -1 when toks[j] does not start an operand. */
export function operandEnd(toks: SqlToken[], j: number, depth = 0): number {
  const t = toks[j];
  if (!t || depth > 4) return -1;
  switch (t.t) {
    case '1':
    case 's':
    case 'v':
    case 'n':
      return j + 1;
    case 'f':
      return toks[j + 1]?.t === '(' ? skipGroup(toks, j + 1) : j + 1;
    case '(':
      return skipGroup(toks, j);
    case 'o':
      if (t.v === '-' || t.v === '+' || t.v === '~' || t.v === '!') return operandEnd(toks, j + 1, depth + 1);
      return -1;
    case 'k':
      if (t.v === 'not' || t.v === 'binary') return operandEnd(toks, j + 1, depth + 1);
      if (t.v === 'exists' && toks[j + 1]?.t === '(') return skipGroup(toks, j + 1);
      if (t.v === 'char' || t.v === 'cast' || t.v === 'convert') return toks[j + 1]?.t === '(' ? skipGroup(toks, j + 1) : -1;
      return -1;
    default:
      return -1;
  }
}

export const COMPARE_OPS = new Set(['=', '==', '<>', '!=', '<', '>', '<=', '>=', '<=>', 'like', 'rlike', 'regexp', 'glob', 'ilike']);
export const COMPARE_WORDS = new Set(['is', 'in', 'between', 'sounds', 'not']);
export function isComparison(t: SqlToken | undefined): boolean {
  if (!t) return false;
  if (t.t === 'o') return true;
  return t.t === 'k' && COMPARE_WORDS.has(t.v);
}

/** A comment that swallows the rest of the query (`--`, `-- -`, `#`, `/*`), not a prose dash. */
export function isTerminatingComment(c: string | null, quote = 0): boolean {
  if (c === null) return false;
  // `'#ff0000'`, `'--'`: the "comment" holds the closing quote, so it is the string's content
  if (quote && c.indexOf(String.fromCharCode(quote)) >= 0) return false;
  if (c[0] === '#' || c[0] === '/') return true;
  // `--` followed by at most a few non-letters: `--`, `-- -`, `--+`
  const rest = c.slice(2);
  return rest.length <= 4 && !/[a-z0-9]/i.test(rest);
}
