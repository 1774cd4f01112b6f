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
 */
import type { Detector, DetectorMatch, DetectContext } from '../types.js';
import { lexSql, type SqlLex, type SqlToken } from '../lexers/sql.js';
import { F, charFlags, decodeEntities, decodeJsEscapes, excerpt } from '../lexers/text.js';

/** Functions that are attacks by themselves when called with well-formed arguments. */
const DANGEROUS_FUNCS = new Set([
  'sleep', 'benchmark', 'pg_sleep', 'load_file', 'extractvalue', 'updatexml', 'xp_cmdshell', 'xp_dirtree',
  'xp_fileexist', 'sp_executesql', 'sp_oacreate', 'sp_makewebtask', 'dbms_pipe.receive_message', 'dbms_lock.sleep',
  'utl_http.request', 'utl_inaddr.get_host_address', 'utl_inaddr.get_host_name', 'sys_eval', 'sys_exec',
  'pg_read_file', 'pg_ls_dir', 'lo_import', 'lo_export', 'dblink', 'dblink_exec', 'openrowset', 'opendatasource',
  'randomblob', 'get_lock', 'master.dbo.xp_cmdshell', 'master..xp_cmdshell', 'ctxsys.drithsx.sn',
  'dbms_xmlgen.getxml', 'json_keys', 'gtid_subset', 'exp', 'geometrycollection', 'polygon', 'multipoint',
]);
/** Functions that read the DB fingerprint, typical as operands right after a break-out. */
const INFO_FUNCS = new Set([
  'version', 'database', 'user', 'current_user', 'system_user', 'session_user', 'schema', 'db_name',
  'user_name', 'host_name', 'suser_name', 'connection_id', 'last_insert_id', 'current_database',
]);
/** Catalog / system tables that give a probe away when selected from. */
const SYSTEM_TABLES = [
  'information_schema', 'mysql.user', 'mysql.db', 'sysobjects', 'syscolumns', 'sys.', 'master.', 'pg_catalog',
  'pg_shadow', 'pg_user', 'pg_tables', 'sqlite_master', 'sqlite_schema', 'all_tables', 'all_users', 'user_tables',
  'dba_users', 'v$version', 'msysobjects', 'dual',
];
const STRUCT_AFTER_DROP = new Set(['table', 'database', 'schema', 'user', 'procedure', 'view', 'index', 'trigger', 'function', 'login']);

function isSystemTable(name: string): boolean {
  for (const t of SYSTEM_TABLES) if (name === t || name.startsWith(t)) return true;
  return false;
}

/** Index just past the parenthesised group that opens at `j` (toks[j].t === '('), or toks.length if unclosed. */
function skipGroup(toks: SqlToken[], j: number): number {
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
function groupHasSelect(toks: SqlToken[], j: number): boolean {
  const end = skipGroup(toks, j);
  for (let k = j + 1; k < end; k++) if (toks[k]!.t === 'E' && toks[k]!.v === 'select') return true;
  return false;
}

/**
 * Are the arguments of the call whose `(` is at `j` well formed: no two operands side by side at the
 * top level (`sleep(8 hours)` is prose, `sleep(5)` is SQL)?
 */
function argsWellFormed(toks: SqlToken[], j: number): boolean {
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
function operandEnd(toks: SqlToken[], j: number, depth = 0): number {
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

const COMPARE_OPS = new Set(['=', '==', '<>', '!=', '<', '>', '<=', '>=', '<=>', 'like', 'rlike', 'regexp', 'glob', 'ilike']);
const COMPARE_WORDS = new Set(['is', 'in', 'between', 'sounds', 'not']);
function isComparison(t: SqlToken | undefined): boolean {
  if (!t) return false;
  if (t.t === 'o') return true;
  return t.t === 'k' && COMPARE_WORDS.has(t.v);
}

/** A comment that swallows the rest of the query (`--`, `-- -`, `#`, `/*`), not a prose dash. */
function isTerminatingComment(c: string | null, quote = 0): boolean {
  if (c === null) return false;
  // `'#ff0000'`, `'--'`: the "comment" holds the closing quote, so it is the string's content
  if (quote && c.indexOf(String.fromCharCode(quote)) >= 0) return false;
  if (c[0] === '#' || c[0] === '/') return true;
  // `--` followed by at most a few non-letters: `--`, `-- -`, `--+`
  const rest = c.slice(2);
  return rest.length <= 4 && !/[a-z0-9]/i.test(rest);
}

function isStatementAt(toks: SqlToken[], i: number, lex: SqlLex): string | null {
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
function selectLooksReal(toks: SqlToken[], i: number, lex: SqlLex): boolean {
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

function unionAt(toks: SqlToken[], i: number): boolean {
  let j = i + 1;
  if (toks[j]?.t === 'k' && (toks[j]!.v === 'all' || toks[j]!.v === 'distinct')) j++;
  while (toks[j]?.t === '(') j++;
  const t = toks[j];
  return t !== undefined && t.t === 'E' && t.v === 'select';
}

/** Constructs that are SQL wherever they appear in the token stream (from index `from`). */
function strongScan(toks: SqlToken[], from: number, lex: SqlLex): { stamp: string; at: number } | null {
  for (let i = from; i < toks.length; i++) {
    const t = toks[i]!;
    switch (t.t) {
      case 'U':
        if (unionAt(toks, i)) return { stamp: 'sqli:union', at: i };
        break;
      case 'E': {
        // a statement straight after the break-out string (`'x' SELECT`) is not valid SQL
        const prev = i > 0 ? toks[i - 1] : undefined;
        if (prev !== undefined && i === from) break;
        if (t.v === 'select') {
          if ((prev === undefined || prev.t === '(' || prev.t === ';' || prev.t === '&' || prev.t === 'o' || prev.t === ',') && selectLooksReal(toks, i, lex)) {
            return { stamp: 'sqli:select', at: i };
          }
        } else if (prev?.t === ';' || ((prev === undefined || prev.t === '(') && (t.v === 'waitfor' || t.v === 'declare' || t.v === 'exec' || t.v === 'execute'))) {
          const s = isStatementAt(toks, i, lex);
          if (s) return { stamp: s, at: i };
        }
        break;
      }
      case 'f':
        if ((DANGEROUS_FUNCS.has(t.v) || t.v.endsWith('xp_cmdshell')) && toks[i + 1]?.t === '(' && argsWellFormed(toks, i + 1)) {
          return { stamp: 'sqli:function', at: i };
        }
        break;
      case 'n':
        if (t.v.endsWith('xp_cmdshell')) return { stamp: 'sqli:function', at: i };
        if (i > 0 && toks[i - 1]!.v === 'from' && isSystemTable(t.v) && t.v !== 'dual') return { stamp: 'sqli:schema-probe', at: i };
        break;
      case 'k':
        if (t.v === 'into' && (toks[i + 1]?.v === 'outfile' || toks[i + 1]?.v === 'dumpfile') && toks[i + 2]?.t === 's') {
          return { stamp: 'sqli:into-outfile', at: i };
        }
        break;
      default:
        break;
    }
  }
  for (const at of lex.execAt) {
    const t = toks[at];
    if (t && (t.t === 'E' || t.t === 'U' || t.t === '&' || t.t === 'k' || t.t === 'f' || t.t === 'o')) return { stamp: 'sqli:mysql-comment', at };
  }
  return null;
}

/**
 * Judge what follows the break-out operand at index b (b = -1: the value itself starts after an
 * operand, e.g. is appended to a number). `strict` is the as-is context, where arithmetic between
 * numbers (`10-20`) is ordinary data.
 */
function judgeTail(toks: SqlToken[], b: number, lex: SqlLex, strict: boolean): { stamp: string; at: number } | null {
  let j = b + 1;
  let parens = 0;
  while (toks[j]?.t === ')') {
    j++;
    parens++;
  }
  const t = toks[j];
  if (!t) {
    if (!strict && b >= 0 && isTerminatingComment(lex.endComment, lex.quote)) return { stamp: 'sqli:comment', at: b };
    return null;
  }
  switch (t.t) {
    case 'U':
      return unionAt(toks, j) ? { stamp: 'sqli:union', at: j } : null;
    case ';': {
      const nx = toks[j + 1];
      if (!nx) return !strict && isTerminatingComment(lex.endComment, lex.quote) ? { stamp: 'sqli:comment', at: j } : null;
      if (nx.t === 'E') {
        const s = isStatementAt(toks, j + 1, lex);
        return s ? { stamp: s, at: j } : null;
      }
      return null;
    }
    case '&': {
      const k = j + 1;
      const e1 = operandEnd(toks, k);
      if (e1 < 0) return null;
      let first = toks[k]!;
      let fk = k;
      while ((first.t === 'o' || first.t === 'k') && toks[fk + 1] && (first.v === 'not' || first.v === '-' || first.v === '+' || first.v === '!' || first.v === '~')) {
        first = toks[++fk]!;
      }
      if (first.t === 'f') {
        // `OR sleep(5)`, `' AND extractvalue(1,x)`; prose `OR TORT (INCLUDING NEGLIGENCE)` has no argument list
        if (toks[fk + 1]?.t === '(' && !argsWellFormed(toks, fk + 1)) return null;
        return { stamp: 'sqli:boolean-function', at: j };
      }
      if (first.t === '(') {
        if (groupHasSelect(toks, fk)) return { stamp: 'sqli:subquery', at: j };
        // `or (8=8`, `OR (('z'='z`: judge the expression inside the parentheses
        let inner = fk;
        while (toks[inner]?.t === '(') inner++;
        const ie = operandEnd(toks, inner);
        if (ie > 0 && toks[inner]!.t !== '(') return operandLikeTail(toks, ie, lex, strict, j, toks[inner]!);
        return operandLikeTail(toks, e1, lex, strict, j, first);
      }
      if (first.t === 'k' && first.v === 'exists') return { stamp: 'sqli:subquery', at: j };
      return operandLikeTail(toks, e1, lex, strict, j, first);
    }
    case 'o': {
      if (t.v === '*' || t.v === '/' || t.v === '%') {
        // `'*'` `/` `%` glued to words are common in data; demand a sub-query or function next
      }
      const k = j + 1;
      const nx = toks[k];
      if (!nx) return null;
      if (nx.t === '(' && groupHasSelect(toks, k)) return { stamp: 'sqli:subquery', at: j };
      if (nx.t === 'f' && (DANGEROUS_FUNCS.has(nx.v) || INFO_FUNCS.has(nx.v))) return { stamp: 'sqli:operator-function', at: j };
      if (strict) return null;
      if (nx.t === 'f' && (t.v === '+' || t.v === '=' || t.v === '|')) return { stamp: 'sqli:operator-function', at: j };
      const e1 = operandEnd(toks, k);
      if (e1 < 0) return null;
      if (nx.t !== 's' && nx.t !== '1' && nx.t !== 'v') return null;
      const after = toks[e1];
      // `'='`, `' = 'x`, `'<>'`: a comparison that ends the value (arithmetic `'*'` is data)
      if (after === undefined) return COMPARE_OPS.has(t.v) ? { stamp: 'sqli:tautology', at: j } : null;
      if (after.t === '&' || after.t === ';' || after.t === ')' || after.t === 'U') return { stamp: 'sqli:operator', at: j };
      return null;
    }
    case 'k': {
      const nx = toks[j + 1];
      switch (t.v) {
        case 'order':
        case 'group':
          if (nx?.v === 'by' && toks[j + 2] !== undefined && (toks[j + 2]!.t === '1' || toks[j + 2]!.t === 'n')) {
            const after = toks[j + 3];
            if (after === undefined || after.t === ';' || after.t === ',' || after.t === 'U' || after.v === 'desc' || after.v === 'asc' || after.v === 'having') {
              if (after !== undefined || lex.endComment !== null || toks[j + 2]!.t === '1') return { stamp: 'sqli:order-by', at: j };
            }
          }
          return null;
        case 'having':
        case 'where': {
          const e1 = operandEnd(toks, j + 1);
          return e1 > 0 && isComparison(toks[e1]) && operandEnd(toks, e1 + 1) > 0 ? { stamp: 'sqli:tautology', at: j } : null;
        }
        case 'into':
          return nx?.v === 'outfile' || nx?.v === 'dumpfile' ? { stamp: 'sqli:into-outfile', at: j } : null;
        case 'limit':
          return nx?.t === '1' && (toks[j + 2] === undefined ? lex.endComment !== null : toks[j + 2]!.t === ',' || toks[j + 2]!.t === 'U')
            ? { stamp: 'sqli:limit', at: j }
            : null;
        case 'procedure':
          return nx?.t === 'f' ? { stamp: 'sqli:procedure', at: j } : null;
        case 'is':
          return nx !== undefined && (nx.t === '1' || nx.v === 'not') && !strict ? { stamp: 'sqli:tautology', at: j } : null;
        case 'in':
          return !strict && nx?.t === '(' && (groupHasSelect(toks, j + 1) || toks[skipGroup(toks, j + 1)] === undefined || ['&', ';', ')'].includes(toks[skipGroup(toks, j + 1)]!.t))
            ? { stamp: 'sqli:in-list', at: j }
            : null;
        case 'between': {
          const e1 = operandEnd(toks, j + 1);
          return !strict && e1 > 0 && toks[e1]?.t === '&' && operandEnd(toks, e1 + 1) > 0 ? { stamp: 'sqli:between', at: j } : null;
        }
        default:
          return null;
      }
    }
    case 'E':
      if (t.v === 'waitfor') {
        const s = isStatementAt(toks, j, lex);
        return s ? { stamp: s, at: j } : null;
      }
      return null;
    default:
      void parens;
      return null;
  }
}

/** After `<break> AND|OR <operand>`: judge what follows the operand. */
function operandLikeTail(
  toks: SqlToken[],
  e1: number,
  lex: SqlLex,
  strict: boolean,
  at: number,
  first: SqlToken,
): { stamp: string; at: number } | null {
  const after = toks[e1];
  const literal = first.t === 's' || first.t === '1' || first.t === 'v' || first.t === '(';
  if (after === undefined) {
    if (isTerminatingComment(lex.endComment, lex.quote) && (literal || first.t === 'n')) return { stamp: 'sqli:tautology', at };
    // `' OR 1`, `' or '1` are true; `x" or "Screenplay` (a quotation in prose) is not
    if (!strict && (first.t === '1' || (first.t === 's' && /^\s*\d|^$/.test(first.v)))) return { stamp: 'sqli:tautology', at };
    return null;
  }
  if (isComparison(after)) {
    let k = e1 + 1;
    if (toks[k]?.v === 'not') k++;
    if (toks[k]?.t === 'o' && toks[k]!.v === '=') k++; // `==`-ish typos, `<=>`
    const e2 = operandEnd(toks, k);
    if (e2 < 0) return null;
    // the comparison must end the expression or continue as SQL, not run into prose
    const nx = toks[e2];
    if (nx === undefined || nx.t === '&' || nx.t === ')' || nx.t === ';' || nx.t === 'U' || nx.t === 'o' || nx.t === ',' || nx.t === 'k') {
      if (strict && first.t === 'n' && toks[k]!.t === 'n') return null;
      return { stamp: 'sqli:tautology', at };
    }
    return null;
  }
  if ((after.t === '&' || after.t === ';') && literal) return { stamp: 'sqli:tautology', at };
  if (after.t === 'U' && unionAt(toks, e1)) return { stamp: 'sqli:union', at: e1 };
  return null;
}

const AS_IS_START = /^\s*(?:[-+]?\.?\d|\)|\|\||&&|(?:and|or|xor|union|div|rlike|regexp|like|having|order|group|limit|procedure|into)\b)/i;
const SQL_WORDS =
  /union|select|waitfor|declare|exec|shutdown|xp_|into\s+(?:out|dump)file|\/\*!|information_schema|sysobjects|sleep|benchmark|load_file|extractvalue|updatexml|dbms_|utl_|sys_e|randomblob|get_lock|openrowset|opendatasource|dblink|lo_(?:import|export)|pg_|json_keys|gtid_subset|exp\s*\(|geometrycollection|polygon|multipoint/i;

function analyse(v: string): { stamp: string; s: number; e: number } | null {
  const flags = charFlags(v);
  // as-is context: only worth lexing when the value opens on an operand / operator (it may continue
  // a numeric context) or names something only SQL says
  const raw = flags & F.SEMI || AS_IS_START.test(v) || SQL_WORDS.test(v) ? lexSql(v, 0) : null;
  if (raw) {
    const toks = raw.tokens;
    let r = strongScan(toks, 0, raw);
    if (!r && toks.length > 1) {
      const t0 = toks[0]!;
      if (t0.t === '1') r = judgeTail(toks, 0, raw, true);
      else if (t0.t === 'o' && (t0.v === '-' || t0.v === '+') && toks[1]!.t === '1') r = judgeTail(toks, 1, raw, true);
      else if (t0.t === '&' || t0.t === 'U' || t0.t === ')' || t0.t === ';') r = judgeTail(toks, -1, raw, true);
    }
    if (r) return hit(toks, r);
  }
  for (const q of [39, 34]) {
    if (!(flags & (q === 39 ? F.SQUOTE : F.DQUOTE))) continue;
    const lex = lexSql(v, q);
    if (!lex) continue;
    const r = judgeTail(lex.tokens, 0, lex, false) ?? strongScan(lex.tokens, 1, lex);
    if (r) return hit(lex.tokens, r);
  }
  return null;
}

function hit(toks: SqlToken[], r: { stamp: string; at: number }): { stamp: string; s: number; e: number } {
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
