/**
 * NoSQL (MongoDB-style) injection.
 *
 * - Query operators smuggled as keys: a parameter or JSON key named `$ne`, `$gt`, `$regex`,
 *   `$where`... (`user[$ne]=x`, `{"password": {"$gt": ""}}`), or an operator key written inside a
 *   string value (`', $or: [ {}, {'a':'a`). Operators are the injection where a scalar was expected:
 *   in query-string keys, in ordinary fields, at the root of a body handed to the store. A JSON body
 *   carrying a query document under a field named for it (`filters`, `where`, `query`, `selector`)
 *   or an aggregation pipeline (an array of `$match` / `$group`... stages) is that API's design:
 *   only the operators that run JavaScript, reach other collections or write (`$where`,
 *   `$function`, `$expr`, `$lookup`, `$unionWith`, `$out`, `$merge`) count there.
 * - Mongo shell / driver calls where injected code would put them: at the start of the value or
 *   after a statement break (`;`, `||`, `&&`, a closing quote, `return`): `db.users.find(`,
 *   `'; db.dropDatabase()`. Application code in a text field (`await db.users.findById(id)`) passes.
 * - JavaScript injected into `$where` / mapReduce: a value that breaks out (leading `;`, a number or
 *   a closed quote followed by `;`) into JS statements, busy-wait loops on `new Date()`, `sleep(N)`,
 *   `this.<field>` probes, and JS tautologies after a quote (`' || '1'=='1`).
 */
import type { Detector, DetectorMatch, DetectContext } from '../types.js';
import { F, charFlags, excerpt } from '../lexers/text.js';

const OPS =
  'where|ne|eq|gt|gte|lt|lte|in|nin|regex|exists|or|and|nor|not|expr|function|accumulator|elemMatch|type|size|all|mod|text|jsonSchema|lookup|options|search|comment|set|unset|push|pull|inc|rename|merge|out|group|match|project|addFields|replaceRoot|unionWith|graphLookup|facet|bucket';
const OP_NAME = new RegExp(`^\\$(?:${OPS})$`, 'i');
const OP_BRACKET = new RegExp(`\\[\\s*\\$(?:${OPS})\\s*\\]`, 'i');
const OP_KEY = new RegExp(`(?:^|[{,\\s'"])["']?\\$(?:${OPS})["']?\\s*:`, 'i');
/** Operators that run JavaScript, read other collections or write: never part of an ordinary query. */
const ALWAYS_OPS = /^\$(?:where|function|accumulator|expr|lookup|unionWith|graphLookup|out|merge)$/i;
const QUERY_FIELDS = new Set(['filters', 'filter', 'where', 'query', 'selector', 'criteria', 'conditions']);
const STAGES = new Set([
  '$match', '$group', '$sort', '$limit', '$skip', '$project', '$unwind', '$count', '$addFields', '$set', '$unset',
  '$facet', '$bucket', '$bucketAuto', '$sortByCount', '$sample', '$replaceRoot', '$replaceWith',
]);

/** The key sits in a query document a JSON body carries by design (see the header). */
function inQueryDocument(point: DetectContext['point']): boolean {
  if (point.length < 3 || point[0]![0] !== 'post' || point[1]![0] !== 'json_doc') return false;
  const p3 = point[3];
  if (point[2]![0] === 'array' && p3 && p3[0] === 'hash' && STAGES.has(String(p3[1]))) return true;
  for (let i = 2; i < point.length - 1; i++) {
    const part = point[i]!;
    if (part[0] === 'hash' && typeof part[1] === 'string' && QUERY_FIELDS.has(part[1].toLowerCase())) return true;
  }
  return false;
}

/** Where injected code would start a statement: value start, `;`, `{`, `}`, a quote, `||`, `&&`, `return`. */
function statementStart(v: string, at: number): boolean {
  const before = v.slice(Math.max(0, at - 16), at);
  if (before.trim() === '' && (at < 16 || v.slice(0, at).trim() === '')) return true;
  return /(?:[;{}'"|&]|\breturn)\s*$/.test(before);
}

const MONGO_SHELL = /\bdb\s*\.\s*(?:[A-Za-z_][\w-]*\s*\.\s*)?(?:find\w*|insert\w*|update\w*|remove|drop\w*|aggregate|count\w*|delete\w*|eval|getCollection\w*|getSiblingDB|createCollection|runCommand|mapReduce|save|replaceOne|distinct|getName|version|stats|adminCommand|shutdownServer)\s*\(/g;
const JS_STATEMENT = /^\s*(?:var|let|const)\s+[A-Za-z_$][\w$]*\s*=|^\s*(?:while|for|if|switch)\s*\(|^\s*do\s*\{|^\s*return\b|^\s*function\s*[\w$]*\s*\(|^\s*sleep\s*\(|^\s*this\s*\./;
const BUSY_LOOP = /new\s+Date\s*\(\s*\)[\s\S]{0,80}?(?:while|for)\s*\(|(?:while|for)\s*\([^)]{0,80}new\s+Date\s*\(/;
const JS_TAUTOLOGY = /['"]\s*(?:\|\||&&)\s*(?:(?:'[^']{0,32}'?|"[^"]{0,32}"?|\d+)\s*(?:===?|!==?)|true\b|1\b|this\.)/;
const WHERE_PROBE = /\bthis\s*\.\s*[A-Za-z_$][\w$]*\s*(?:\.\s*(?:match|indexOf|length|startsWith|charAt|substr\w*)\b|\[|===?|!==?|>|<)|\bsleep\s*\(\s*\d+\s*\)/;

/** Where a break-out from a JS string/number context lands: after a leading `;`, `0;`, `';`, `";`. */
function breakoutTail(v: string): string | null {
  const m = /^\s*(?:\d+|['"][^'"]{0,64}['"]?|[^\s;'"]{0,32}['"])?\s*;/.exec(v);
  return m ? v.slice(m[0].length) : null;
}

export const nosqli: Detector = {
  type: 'nosqli',
  description: 'NoSQL injection: Mongo operators in keys/strings, Mongo shell calls, JavaScript injected into $where',
  detect(value: string, ctx: DetectContext): DetectorMatch | null {
    if (value.length < 2) return null;
    const flags = charFlags(value);
    if (flags & F.DOLLAR) {
      if (ctx.kind === 'name' && OP_NAME.test(value.trim()) && (ALWAYS_OPS.test(value.trim()) || !inQueryDocument(ctx.point))) {
        return { stamp: 'nosqli:operator', payload: excerpt(value, 0, 40) };
      }
      if (flags & F.BRACKET) {
        const m = OP_BRACKET.exec(value);
        if (m) return { stamp: 'nosqli:operator', payload: excerpt(value, m.index, m.index + m[0].length) };
      }
      if (flags & F.COLON) {
        const m = OP_KEY.exec(value);
        if (m) return { stamp: 'nosqli:operator', payload: excerpt(value, m.index, m.index + m[0].length + 30) };
      }
    }
    if (!(flags & (F.LPAREN | F.SEMI | F.PIPE | F.AMP))) return null;
    if (flags & F.DOT && flags & F.LPAREN) {
      MONGO_SHELL.lastIndex = 0;
      for (let m = MONGO_SHELL.exec(value), k = 0; m && k < 8; m = MONGO_SHELL.exec(value), k++) {
        if (statementStart(value, m.index)) return { stamp: 'nosqli:mongo-shell', payload: excerpt(value, m.index, m.index + m[0].length + 30) };
      }
    }
    if (flags & F.SEMI) {
      const tail = breakoutTail(value);
      if (tail !== null && JS_STATEMENT.test(tail) && (/[=({]/.test(tail) || /^\s*return\s+(?:true|1|this)\b/.test(tail))) return { stamp: 'nosqli:js-injection', payload: excerpt(value, 0, 80) };
    }
    if (flags & F.LPAREN) {
      const m = BUSY_LOOP.exec(value);
      if (m) return { stamp: 'nosqli:js-dos', payload: excerpt(value, m.index, m.index + m[0].length) };
    }
    if (flags & (F.SQUOTE | F.DQUOTE) && flags & (F.PIPE | F.AMP)) {
      const m = JS_TAUTOLOGY.exec(value);
      if (m && /===?|!==?|\|\|\s*(?:true|1)\b|this\./.test(m[0])) return { stamp: 'nosqli:js-tautology', payload: excerpt(value, m.index, m.index + m[0].length + 20) };
    }
    if (flags & F.DOT || flags & F.LPAREN) {
      const m = WHERE_PROBE.exec(value);
      if (m && (flags & (F.SQUOTE | F.DQUOTE | F.SEMI | F.PIPE | F.AMP))) return { stamp: 'nosqli:where-probe', payload: excerpt(value, m.index, m.index + m[0].length + 20) };
    }
    return null;
  },
};
