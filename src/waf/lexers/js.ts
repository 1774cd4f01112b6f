// JavaScript sink analysis on the tokens of js-lex.ts. `findJsSink` walks the tokens looking for code
// that executes or leaks: calls of alert/prompt/confirm/eval (also `(alert)(1)`, `alert?.()`,
// `alert.call(...)`, tagged templates), sinks handed over as callbacks or assigned (`.some(confirm)`,
// `onerror=eval`), the Function constructor, document cookie / write access, innerHTML assignment,
// dynamic property calls on globals (`top['al'+'ert']`) and prototype pollution. Arguments must be
// well-formed JavaScript: `alert (level 2)` is prose.
import { argsShape, closeOf, isOperand, lexJs, type JsTok } from './js-lex.js';

export { lexJs, type JsTok } from './js-lex.js';

/** Functions whose call executes code or shows the proof-of-concept dialog. */
const CALL_SINKS = new Set(['alert', 'prompt', 'confirm', 'eval', 'execScript', 'msgbox', 'MsgBox']);
/** Timers and constructors that execute a string argument. */
const STRING_SINKS = new Set(['setTimeout', 'setInterval', 'setImmediate', 'Function', 'execScript']);
const GLOBALS = new Set(['top', 'self', 'window', 'parent', 'frames', 'globalThis', 'this', 'content', 'opener']);
const DOCUMENT_SINKS = new Set(['cookie', 'write', 'writeln', 'execCommand', 'domain']);

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
 * quoted JS string, after the first unescaped `'`, `"` or backtick (`'-alert(1)//`). A quote the
 * value escapes itself (`\';alert(1)//`) counts too: an application that escapes quotes but not
 * backslashes turns `\'` into `\\'`, an escaped backslash and a live quote.
 */
export function findJsSink(src: string): JsFinding | null {
  const r = findJsSinkIn(src, 0, false);
  if (r) return r;
  for (const q of [39, 34, 96]) {
    const at = firstUnescaped(src, q);
    const raw = src.indexOf(q === 39 ? "'" : q === 34 ? '"' : '`');
    if (raw >= 0 && raw !== at && src.charCodeAt(raw - 1) === 92) {
      const r1 = findJsSinkIn(src, raw + 1, false);
      if (r1) return r1;
    }
    if (at < 0) continue;
    const r2 = findJsSinkIn(src, at + 1, false);
    if (r2) return r2;
  }
  return null;
}

/**
 * Sinks in a framework expression (AngularJS `ng-*`, Vue `v-on:` / `@`, Alpine `x-on:`): there a
 * dialog or eval reached through any object is the point (`$event.view.alert(1)`, where `view` is
 * the window), so member calls count.
 */
export function findExpressionSink(src: string): JsFinding | null {
  return findJsSinkIn(src, 0, true, 512);
}

function firstUnescaped(src: string, q: number): number {
  for (let i = 0; i < src.length; i++) {
    const c = src.charCodeAt(i);
    if (c === 92) i++;
    else if (c === q) return i;
  }
  return -1;
}

function findJsSinkIn(src: string, from: number, members: boolean, maxTokens = 4096): JsFinding | null {
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
      if (!(t.v === 'cookie' || t.v === 'write' || t.v === 'writeln' || (members && CALL_SINKS.has(t.v)))) continue;
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
  if (findJsSinkIn(src, 0, false, 64)) return true;
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
