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
  const e = operandBase(toks, j, depth);
  return e < 0 ? e : postfixEnd(toks, e);
}

function operandBase(toks: SqlToken[], j: number, depth: number): number {
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
      if (t.v === 'case') return caseEnd(toks, j, depth + 1);
      return -1;
    default:
      return -1;
  }
}

/**
 * PostgreSQL postfixes: casts (`'1'::int`, `x::varchar(10)::text`) and subscripts or array
 * constructors (`tags[1]`, `ARRAY['a','b']`). Index after them.
 */
function postfixEnd(toks: SqlToken[], e: number): number {
  for (let n = 0; n < 8; n++) {
    const t = toks[e];
    if (t?.t === 'o' && t.v === '::') {
      const ty = toks[e + 1];
      if (!ty || (ty.t !== 'n' && ty.t !== 'k' && ty.t !== 'f')) return e;
      e = ty.t === 'f' && toks[e + 2]?.t === '(' ? skipGroup(toks, e + 2) : e + 2;
    } else if (t?.t === 'X' && t.v === '[') {
      let k = e + 1;
      const limit = Math.min(toks.length, k + 64);
      while (k < limit && !(toks[k]!.t === 'X' && (toks[k]!.v === ']' || toks[k]!.v === '['))) k++;
      if (toks[k]?.v !== ']') return e;
      e = k + 1;
    } else return e;
  }
  return e;
}

/**
 * Index after the expression starting at j: operands joined by operators, logic and comparison words
 * (`a = 1 AND b IS NOT NULL`), or -1. Bounded in length and depth.
 */
export function exprEnd(toks: SqlToken[], j: number, depth = 0): number {
  let e = operandEnd(toks, j, depth + 1);
  for (let steps = 0; e > 0 && steps < 32; steps++) {
    let t = toks[e];
    if (!t) break;
    let k = e + 1;
    if (t.t === 'k' && t.v === 'not') {
      // NOT IN / NOT LIKE / NOT BETWEEN; any other NOT ends the expression
      const nx = toks[k];
      if (!nx || !(nx.v === 'in' || nx.v === 'between' || nx.t === 'o')) break;
      t = nx;
      k++;
    }
    if (t.t === 'o' || t.t === '&') e = operandEnd(toks, k, depth + 1);
    else if (t.t !== 'k') break;
    else if (t.v === 'is') e = operandEnd(toks, toks[k]?.v === 'not' ? k + 1 : k, depth + 1);
    else if (t.v === 'in') e = toks[k]?.t === '(' ? skipGroup(toks, k) : -1;
    else if (t.v === 'between') {
      const a = operandEnd(toks, k, depth + 1);
      e = a > 0 && toks[a]?.t === '&' ? operandEnd(toks, a + 1, depth + 1) : -1;
    } else break;
  }
  return e;
}

/**
 * Index after the CASE expression at j (`CASE [x] WHEN c THEN r ... [ELSE r] END`), or -1. Prose
 * (`in case when needed then...`) fails on the first word the grammar does not allow.
 */
export function caseEnd(toks: SqlToken[], j: number, depth = 0): number {
  let k = j + 1;
  if (toks[k]?.v !== 'when') {
    k = exprEnd(toks, k, depth);
    if (k < 0) return -1;
  }
  let whens = 0;
  while (toks[k]?.v === 'when' && whens < 64) {
    k = exprEnd(toks, k + 1, depth);
    if (k < 0 || toks[k]?.v !== 'then') return -1;
    k = exprEnd(toks, k + 1, depth);
    if (k < 0) return -1;
    whens++;
  }
  if (whens === 0) return -1;
  if (toks[k]?.v === 'else') {
    k = exprEnd(toks, k + 1, depth);
    if (k < 0) return -1;
  }
  return toks[k]?.v === 'end' ? k + 1 : -1;
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
