// A small JavaScript tokenizer and the sink analysis built on it. Tokens: identifiers, numbers,
// strings, template literals and punctuators; comments and whitespace are dropped. `findJsSink`
// walks the tokens looking for code that executes or leaks: calls of alert/prompt/confirm/eval
// (also `(alert)(1)`, `alert?.()`, `alert.call(...)`, tagged templates), sinks handed over as
// callbacks or assigned (`.some(confirm)`, `onerror=eval`), the Function constructor, document
// cookie / write access, innerHTML assignment, dynamic property calls on globals (`top['al'+'ert']`)
// and prototype pollution. Arguments must be well-formed JavaScript: `alert (level 2)` is prose.

export interface JsTok {
  /** id | num | str | tpl | p (punctuator) */
  t: 'id' | 'num' | 'str' | 'tpl' | 'p';
  v: string;
  s: number;
  e: number;
  /** Whitespace preceded the token. */
  ws?: boolean;
}

function isIdStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36 || (c >= 0xaa && c !== 0xfeff && c !== 0xa0 && !(c >= 0x2000 && c <= 0x206f) && c !== 0x3000);
}
function isIdChar(c: number): boolean {
  return isIdStart(c) || (c >= 48 && c <= 57);
}
function isWs(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0 || c === 0xa0 || c === 0xfeff || (c >= 0x2000 && c <= 0x200b) || c === 0x2028 || c === 0x2029 || c === 0x3000;
}

export function lexJs(src: string, maxTokens = 4096, from = 0): JsTok[] {
  const toks: JsTok[] = [];
  const n = src.length;
  let i = from;
  let ws = false;
  while (i < n && toks.length < maxTokens) {
    const c = src.charCodeAt(i);
    if (isWs(c)) {
      ws = true;
      i++;
      continue;
    }
    if (c === 47 && src.charCodeAt(i + 1) === 47) {
      while (i < n && src.charCodeAt(i) !== 10 && src.charCodeAt(i) !== 13) i++;
      ws = true;
      continue;
    }
    if (c === 47 && src.charCodeAt(i + 1) === 42) {
      const close = src.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
      ws = true;
      continue;
    }
    const start = i;
    let t: JsTok['t'];
    if (isIdStart(c)) {
      i++;
      while (i < n && isIdChar(src.charCodeAt(i))) i++;
      t = 'id';
    } else if (c >= 48 && c <= 57) {
      i++;
      while (i < n && (isIdChar(src.charCodeAt(i)) || src.charCodeAt(i) === 46)) i++;
      t = 'num';
    } else if (c === 39 || c === 34 || c === 96) {
      i++;
      while (i < n) {
        const d = src.charCodeAt(i);
        if (d === 92) {
          i += 2;
          continue;
        }
        i++;
        if (d === c) break;
      }
      if (i > n) i = n;
      t = c === 96 ? 'tpl' : 'str';
    } else {
      i++;
      if (c === 63 && src.charCodeAt(i) === 46) i++; // ?.
      else if (c === 61 && src.charCodeAt(i) === 62) i++; // =>
      t = 'p';
    }
    const tok: JsTok = { t, v: src.slice(start, i), s: start, e: i };
    if (ws) tok.ws = true;
    ws = false;
    toks.push(tok);
  }
  return toks;
}

/** Functions whose call executes code or shows the proof-of-concept dialog. */
const CALL_SINKS = new Set(['alert', 'prompt', 'confirm', 'eval', 'execScript', 'msgbox', 'MsgBox']);
/** Timers and constructors that execute a string argument. */
const STRING_SINKS = new Set(['setTimeout', 'setInterval', 'setImmediate', 'Function', 'execScript']);
const GLOBALS = new Set(['top', 'self', 'window', 'parent', 'frames', 'globalThis', 'this', 'content', 'opener']);
const DOCUMENT_SINKS = new Set(['cookie', 'write', 'writeln', 'execCommand', 'domain']);
const KEYWORD_OPS = new Set(['new', 'typeof', 'void', 'delete', 'in', 'instanceof', 'of', 'await', 'yield']);

function isOperand(t: JsTok): boolean {
  return t.t !== 'p' && !(t.t === 'id' && KEYWORD_OPS.has(t.v));
}

/** Index of the token closing the bracket opened at j (or toks.length). */
function closeOf(toks: JsTok[], j: number): number {
  const open = toks[j]!.v;
  const close = open === '(' ? ')' : open === '[' ? ']' : '}';
  let depth = 0;
  // bounded: argument lists and index expressions longer than this are not what we look for,
  // and an unbounded scan from every bracket would be quadratic on `top[top[top[...`
  const limit = Math.min(toks.length, j + 512);
  for (let k = j; k < limit; k++) {
    const v = toks[k]!.v;
    if (v === open) depth++;
    else if (v === close && --depth === 0) return k;
  }
  return limit;
}

/**
 * Well-formed argument list for the `(` at j: no two operands side by side at the top level, no
 * stray prose. Returns the argument token count (0 for `()`), or -1 when malformed.
 */
function argsShape(toks: JsTok[], j: number): { count: number; hasString: boolean; loneWord: boolean; loneNum: boolean } | null {
  const end = closeOf(toks, j);
  let prevOperand = false;
  let depth = 0;
  let count = 0;
  let hasString = false;
  for (let k = j + 1; k < end; k++) {
    const t = toks[k]!;
    count++;
    if (t.t === 'str' || t.t === 'tpl') hasString = true;
    if (t.t === 'p') {
      if (t.v === '(' || t.v === '[' || t.v === '{') depth++;
      else if (t.v === ')' || t.v === ']' || t.v === '}') depth--;
      prevOperand = t.v === ')' || t.v === ']';
      continue;
    }
    if (depth > 0) {
      prevOperand = isOperand(t);
      continue;
    }
    const op = isOperand(t);
    if (op && prevOperand) return null;
    prevOperand = op;
  }
  const first = toks[j + 1];
  return {
    count,
    hasString,
    loneWord: count === 1 && first?.t === 'id',
    loneNum: count === 1 && first?.t === 'num',
  };
}

export interface JsFinding {
  stamp: string;
  s: number;
  e: number;
}

function found(stamp: string, toks: JsTok[], i: number, j: number): JsFinding {
  const last = toks[Math.min(toks.length - 1, j)]!;
  return { stamp, s: toks[i]!.s, e: last.e };
}

/** A call of a sink at i: `f(...)`, `f?.(...)`, f`x`, `(f)(...)`, `f.call(...)`. */
function sinkCallAt(toks: JsTok[], i: number): number {
  let j = i + 1;
  if (toks[j]?.v === '?.') j++;
  const nx = toks[j];
  if (!nx) return -1;
  // a tagged template: only a closed one, on the dialog/eval sinks (`alert\`1\``)
  if (nx.t === 'tpl') return nx.v.length >= 2 && nx.v.endsWith('`') && CALL_SINKS.has(toks[i]!.v) ? j : -1;
  if (nx.v === '(') return j;
  if (nx.v === ')' && toks[i - 1]?.v === '(' && toks[j + 1]?.v === '(') return j + 1;
  if (nx.v === '.' && toks[j + 1] && (toks[j + 1]!.v === 'call' || toks[j + 1]!.v === 'apply' || toks[j + 1]!.v === 'bind') && toks[j + 2]?.v === '(') return j + 2;
  return -1;
}

/**
 * Find executable JavaScript sinks in `src`, read as code as-is and, like a value spliced into a
 * quoted JS string, after the first unescaped `'`, `"` or backtick (`'-alert(1)//`).
 */
export function findJsSink(src: string): JsFinding | null {
  const r = findJsSinkIn(src, 0);
  if (r) return r;
  for (const q of [39, 34, 96]) {
    const at = firstUnescaped(src, q);
    if (at < 0) continue;
    const r2 = findJsSinkIn(src, at + 1);
    if (r2) return r2;
  }
  return null;
}

function firstUnescaped(src: string, q: number): number {
  for (let i = 0; i < src.length; i++) {
    const c = src.charCodeAt(i);
    if (c === 92) i++;
    else if (c === q) return i;
  }
  return -1;
}

function findJsSinkIn(src: string, from: number, maxTokens = 4096): JsFinding | null {
  const toks = lexJs(src, maxTokens, from);
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.t === 'str') {
      if ((t.v === '"__proto__"' || t.v === "'__proto__'") && toks[i + 1]?.v === ':') return found('xss:prototype-pollution', toks, i, i + 2);
      continue;
    }
    if (t.t !== 'id') continue;
    const prev = toks[i - 1];
    if (prev?.v === '.' && !GLOBALS.has(toks[i - 2]?.v ?? '') && t.v !== 'constructor' && t.v !== '__proto__' && t.v !== 'innerHTML' && t.v !== 'outerHTML') {
      // member of an arbitrary object: `re.exec(...)`, `obj.print(...)`
      if (!(t.v === 'cookie' || t.v === 'write' || t.v === 'writeln')) continue;
    }
    const name = t.v;
    if (CALL_SINKS.has(name) || STRING_SINKS.has(name)) {
      const p = sinkCallAt(toks, i);
      if (p >= 0) {
        if (toks[p]!.t === 'tpl') return found('xss:js-call', toks, i, p);
        const shape = argsShape(toks, p);
        if (shape) {
          const gap = toks[p]!.ws === true;
          const string = STRING_SINKS.has(name);
          let ok = true;
          if (string && !shape.hasString) ok = false;
          if (shape.loneWord && (toks[p + 1]!.v.length <= 2 || gap)) ok = false; // alert(s), confirm (yes)
          if (shape.loneNum && gap) ok = false; // red alert (2)
          if (ok) return found('xss:js-call', toks, i, closeOf(toks, p));
        }
      }
      // sink handed over as a value: `.some(confirm)`, `onerror=eval`, `x=alert;`
      const nx = toks[i + 1];
      const endish = !nx || nx.v === ')' || nx.v === ',' || nx.v === ';' || nx.v === '}';
      if (endish && CALL_SINKS.has(name)) {
        if (prev?.v === '=' && toks[i - 2]?.t === 'id') return found('xss:js-sink-ref', toks, i - 2, i);
        if ((prev?.v === '(' || prev?.v === ',') && toks[i - 2]?.t === 'id' && toks[i - 3]?.v === '.') return found('xss:js-sink-ref', toks, i - 3, i + 1);
      }
      continue;
    }
    switch (name) {
      case 'document': {
        const a = toks[i + 1];
        const b = toks[i + 2];
        if (a?.v === '.' && b && DOCUMENT_SINKS.has(b.v)) {
          if (b.v === 'domain' && toks[i + 3]?.v !== '=') break;
          if ((b.v === 'write' || b.v === 'writeln' || b.v === 'execCommand') && toks[i + 3]?.v !== '(') break;
          return found('xss:dom-sink', toks, i, i + 3);
        }
        if (a?.v === '[' && b?.t === 'str' && /^.(cookie|write|domain)/.test(b.v)) return found('xss:dom-sink', toks, i, i + 3);
        break;
      }
      case 'innerHTML':
      case 'outerHTML':
        if (prev?.v === '.' && toks[i + 1]?.v === '=' && toks[i + 2]?.v !== '=') return found('xss:dom-sink', toks, i - 1, i + 3);
        break;
      case 'constructor': {
        // x.constructor('code')() / [].constructor.constructor('code')()
        let j = i + 1;
        if (toks[j]?.v === '.' && toks[j + 1]?.v === 'constructor') j += 2;
        if (toks[j]?.v === '(' && (prev?.v === '.' || prev?.v === ']')) {
          const close = closeOf(toks, j);
          const after = toks[close + 1];
          if (after?.v === '(' || (after?.t === 'tpl' && after.v.length >= 2 && after.v.endsWith('`'))) return found('xss:function-constructor', toks, i, close + 2);
        }
        if (prev?.v === '.' && toks[i + 1]?.v === '.' && toks[i + 2]?.v === 'prototype' && (toks[i + 3]?.v === '.' || toks[i + 3]?.v === '[')) {
          return found('xss:prototype-pollution', toks, i, i + 4);
        }
        break;
      }
      case '__proto__':
        if (toks[i + 1]?.v === '[' || toks[i + 1]?.v === '.' || (prev?.v === '[' && toks[i + 1]?.v === ']')) return found('xss:prototype-pollution', toks, i, i + 3);
        break;
      case 'import':
        if (toks[i + 1]?.v === '(' && toks[i + 2]?.t === 'str' && /^.(https?:|\/\/|data:)/.test(toks[i + 2]!.v)) return found('xss:js-call', toks, i, i + 3);
        break;
      default:
        if (GLOBALS.has(name) && toks[i + 1]?.v === '[') {
          // top['al'+'ert'](1), self[atob('...')]()
          const close = closeOf(toks, i + 1);
          let str = false;
          let concat = false;
          let call = false;
          for (let k = i + 2; k < close; k++) {
            const v = toks[k]!;
            if (v.t === 'str' || v.t === 'tpl') str = true;
            else if (v.v === '+') concat = true;
            else if (v.t === 'id' && toks[k + 1]?.v === '(') call = true;
          }
          const invoked = toks[close + 1]?.v === '(' || toks[close + 1]?.t === 'tpl' || toks[close + 1]?.v === '=';
          if (invoked && (concat || call || (str && /^.(alert|prompt|confirm|eval|location|document|cookie)/.test(toks[i + 2]!.v)))) {
            return found('xss:dynamic-call', toks, i, close + 2);
          }
        }
        break;
    }
  }
  return null;
}

/**
 * Does `src` (the text after a `javascript:` scheme) read as JavaScript rather than prose: a sink,
 * or an expression with a call / member / assignment before any two words meet side by side?
 */
export function looksLikeJs(src: string): boolean {
  if (findJsSinkIn(src, 0, 64)) return true;
  const toks = lexJs(src, 64);
  let prevOperand = false;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    const op = isOperand(t);
    if (op && prevOperand) return false;
    if (t.t === 'id' && t.v !== 'void' && toks[i + 1] && (toks[i + 1]!.v === '(' || toks[i + 1]!.t === 'tpl')) return true;
    if (t.t === 'id' && toks[i + 1]?.v === '=' && toks[i + 2] && toks[i + 2]!.v !== '=') return true;
    // member access on a browser global: javascript:window.name, javascript:top.location
    if (i === 0 && t.t === 'id' && (GLOBALS.has(t.v) || t.v === 'document' || t.v === 'location' || t.v === 'name') && (toks[1]?.v === '.' || toks[1]?.v === '[' || toks.length === 1)) return true;
    prevOperand = op;
  }
  return false;
}
