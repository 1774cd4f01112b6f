// The sqli judgement over a token stream: does what follows a break-out point continue a valid SQL
// expression or statement (judgeTail), and does the stream hold constructs that are SQL wherever they
// appear (strongScan)? See ../sqli.ts for the approach.
import type { SqlLex, SqlToken } from '../../lexers/sql.js';
import {
  DANGEROUS_FUNCS, INFO_FUNCS, COMPARE_OPS, argsWellFormed, groupHasSelect, isComparison, isSystemTable,
  isTerminatingComment, operandEnd, skipGroup,
} from './grammar.js';
import { isStatementAt, selectLooksReal, unionAt } from './statements.js';
import { conditionalAt, intoTargetEnd, limitTail, orderByTail } from './clauses.js';
import { plainSelectEnd } from './select.js';

/** A string that is one short plain token (`'x`, `'1`, `'`, `'a@b.c`), not the rest of a sentence or of code. */
const SHORT_TOKEN = /^[\w.@%*+-]{0,32}\s*$/;

export interface SqlFinding {
  stamp: string;
  /** Token index the finding starts at. */
  at: number;
}

/** Constructs that are SQL wherever they appear in the token stream (from index `from`). */
export function strongScan(toks: SqlToken[], from: number, lex: SqlLex): SqlFinding | null {
  // a value that is one plain SELECT statement, sub-selects included, is not flagged for being one (select.ts)
  let plainUntil = -1;
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
            if (i === 0) plainUntil = plainSelectEnd(toks, lex);
            if (i >= plainUntil) return { stamp: 'sqli:select', at: i };
          }
        } else if (t.v === 'waitfor') {
          // WAITFOR DELAY '0:0:5' is T-SQL wherever it stands (after `;`, IF (...), BEGIN)
          const s = isStatementAt(toks, i, lex);
          if (s) return { stamp: s, at: i };
        } else if (prev?.t === ';' || ((prev === undefined || prev.t === '(') && (t.v === 'declare' || t.v === 'exec' || t.v === 'execute'))) {
          const s = isStatementAt(toks, i, lex);
          if (s) return { stamp: s, at: i };
        }
        break;
      }
      case 'f':
        // with at least one argument: `sleep()` is how prose names the function
        if ((DANGEROUS_FUNCS.has(t.v) || t.v.endsWith('xp_cmdshell')) && toks[i + 1]?.t === '(' && toks[i + 2]?.t !== ')' && argsWellFormed(toks, i + 1)) {
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
export function judgeTail(toks: SqlToken[], b: number, lex: SqlLex, strict: boolean): SqlFinding | null {
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
      return conditionalAt(toks, j + 1, lex);
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
        if (ie > 0 && toks[inner]!.t !== '(') {
          const r = operandLikeTail(toks, ie, lex, strict, j, toks[inner]!);
          if (r) return r;
        }
        // `or(1)=(1)`, `OR(1)#`: the whole group is the operand
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
      // `'='`, `' = 'x`, `'<>'`: a comparison that ends the value (arithmetic `'*'` is data); when the
      // value ends inside the right-hand string, that string is a short token, not the rest of a
      // sentence (`unexpected character '<' at position 0`)
      if (after === undefined) return COMPARE_OPS.has(t.v) && !(nx.open && !SHORT_TOKEN.test(nx.v)) ? { stamp: 'sqli:tautology', at: j } : null;
      if (after.t === '&' || after.t === ';' || after.t === ')' || after.t === 'U') return { stamp: 'sqli:operator', at: j };
      return null;
    }
    case 'k': {
      const nx = toks[j + 1];
      switch (t.v) {
        case 'order':
        case 'group':
          return orderByTail(toks, j, lex);
        case 'if':
          return conditionalAt(toks, j, lex);
        case 'having':
        case 'where': {
          const e1 = operandEnd(toks, j + 1);
          return e1 > 0 && isComparison(toks[e1]) && operandEnd(toks, e1 + 1) > 0 ? { stamp: 'sqli:tautology', at: j } : null;
        }
        case 'into':
          if (nx?.v === 'outfile' || nx?.v === 'dumpfile') return { stamp: 'sqli:into-outfile', at: j };
          return intoTargetEnd(toks, j + 1, lex) > 0 ? { stamp: 'sqli:into-var', at: j } : null;
        case 'limit':
          return limitTail(toks, j, lex);
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
    case 'f':
      return conditionalAt(toks, j, lex);
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
): SqlFinding | null {
  const after = toks[e1];
  const literal = first.t === 's' || first.t === '1' || first.t === 'v' || first.t === '(' || first.v === 'case';
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
