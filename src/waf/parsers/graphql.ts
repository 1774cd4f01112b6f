// GraphQL documents under ["gql"]: string/enum/number argument values as ["gql_arg", argName] (also
// inside objects and lists), variables' defaults as ["gql_var", name], directive arguments likewise,
// operation and fragment names as ["gql_op"] / ["gql_fragment"], and introspection fields (__schema,
// __type, ...) as names under ["gql_field", name] so a detector can flag schema discovery. A small
// tokenizer, not a validating parser: malformed documents still yield what they contain.
import type { Point } from '../types.js';
import type { Sink } from './sink.js';

interface Tok { t: 'name' | 'str' | 'num' | 'punct' | 'var'; v: string }

export function tokenizeGraphql(s: string, maxTokens = 100000): Tok[] {
  const out: Tok[] = [];
  const n = s.length;
  let i = 0;
  while (i < n && out.length < maxTokens) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c === 0x2c || c === 0xfeff) { i++; continue; }
    if (c === 0x23) { const e = s.indexOf('\n', i); i = e < 0 ? n : e + 1; continue; }
    if (c === 0x22) {
      if (s.startsWith('"""', i)) {
        let e = s.indexOf('"""', i + 3);
        if (e < 0) e = n;
        out.push({ t: 'str', v: s.slice(i + 3, e) });
        i = e + 3;
        continue;
      }
      let j = i + 1, v = '';
      while (j < n && s.charCodeAt(j) !== 0x22 && s.charCodeAt(j) !== 10) {
        if (s.charCodeAt(j) === 0x5c && j + 1 < n) {
          const e = s[j + 1]!;
          if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(j + 2, j + 6))) { v += String.fromCharCode(parseInt(s.slice(j + 2, j + 6), 16)); j += 6; continue; }
          v += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
          j += 2;
          continue;
        }
        v += s[j];
        j++;
      }
      out.push({ t: 'str', v });
      i = j + 1;
      continue;
    }
    if (c === 0x24) {
      let j = i + 1;
      while (j < n && /[\w]/.test(s[j]!)) j++;
      out.push({ t: 'var', v: s.slice(i + 1, j) });
      i = j;
      continue;
    }
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95) {
      let j = i + 1;
      while (j < n && /[\w]/.test(s[j]!)) j++;
      out.push({ t: 'name', v: s.slice(i, j) });
      i = j;
      continue;
    }
    if (c === 0x2d || (c >= 48 && c <= 57)) {
      let j = i + 1;
      while (j < n && /[\w.+-]/.test(s[j]!)) j++;
      out.push({ t: 'num', v: s.slice(i, j) });
      i = j;
      continue;
    }
    if (s.startsWith('...', i)) { out.push({ t: 'punct', v: '...' }); i += 3; continue; }
    out.push({ t: 'punct', v: s[i]! });
    i++;
  }
  return out;
}

/** Does a value look like a GraphQL document? */
export function looksGraphql(s: string): boolean {
  const m = /^\s*(?:(query|mutation|subscription|fragment)\b|\{\s*[A-Za-z_]|[A-Za-z_]\w*\s*(?:\([^)]*\))?\s*\{)/.exec(s);
  return m !== null && s.indexOf('{') >= 0;
}

export function parseGraphql(s: string, base: Point, depth: number, sink: Sink): number {
  const toks = tokenizeGraphql(s);
  const root: Point = [...base, ['gql']];
  const d = depth + 1;
  let emitted = 0;
  // Track the current argument name: inside (...) a `name :` pair names the following value(s).
  let parenDepth = 0;
  let argName = '';
  for (let k = 0; k < toks.length; k++) {
    if ((k & 255) === 0 && sink.stopped()) break;
    const t = toks[k]!;
    const prev = toks[k - 1];
    if (t.t === 'punct') {
      if (t.v === '(') parenDepth++;
      else if (t.v === ')') parenDepth = Math.max(0, parenDepth - 1);
      continue;
    }
    if (t.t === 'name') {
      const nx = toks[k + 1];
      if ((t.v === 'query' || t.v === 'mutation' || t.v === 'subscription') && nx && nx.t === 'name' && parenDepth === 0) {
        sink.value([...root, ['gql_op']], nx.v, d);
        emitted++;
        k++;
        continue;
      }
      if (t.v === 'fragment' && nx && nx.t === 'name' && parenDepth === 0) {
        sink.value([...root, ['gql_fragment']], nx.v, d);
        emitted++;
        k++;
        continue;
      }
      if (parenDepth > 0 && nx && nx.t === 'punct' && nx.v === ':') { argName = t.v; continue; }
      if (parenDepth > 0 && toks[k - 2]?.t === 'var') continue; // `$v: Type` is a variable's type
      if (parenDepth > 0 && prev && prev.t === 'punct' && (prev.v === ':' || prev.v === '[' || prev.v === '=')) {
        // enum value or bare word argument
        sink.value([...root, ['gql_arg', argName]], t.v, d);
        emitted++;
        continue;
      }
      if (t.v.startsWith('__')) { sink.name([...root, ['gql_field', t.v]], t.v); emitted++; }
      continue;
    }
    if (t.t === 'str' || t.t === 'num') {
      if (t.v.length === 0) continue;
      const key = parenDepth > 0 ? argName : '';
      sink.value([...root, ['gql_arg', key]], t.v, d);
      emitted++;
      continue;
    }
  }
  return emitted;
}
