/**
 * Server-side template injection.
 *
 * Finds template delimiters of the common engines — `{{ }}` `{% %}` (Jinja2, Twig, Handlebars,
 * Nunjucks, Django), `${ }` (Freemarker, EL, Thymeleaf, Mako), `#{ }` (EL, Ruby, Pug), `*{ }` `@{ }`
 * `~{ }` (Thymeleaf), `<%= %>` (ERB, JSP, EJS), `[[ ]]`, `[= ]` (Freemarker square-bracket syntax),
 * Razor `@( )` / `@{ }` / `@Name.Member(...)` — and judges the expression inside (ssti/expr.ts):
 * arithmetic on literals (the classic `{{7*7}}` probe), Python object introspection (`__class__`,
 * `__globals__`, `|attr(`), Java reflection / class loading (`T(java.lang.Runtime)`, `getClass()`,
 * `forName`), .NET process/file/reflection APIs, Twig filters handed a PHP callable
 * (`|filter('system')`), the framework globals that hold secrets (`{{config}}`, `_self`,
 * `app.request.server`), engine-specific escapes (Freemarker `?new()`, `<#assign>` / `[#assign]`,
 * Velocity `#set($x=...)`, Smarty `{php}` / `{system(...)}`, Thymeleaf `__${...}__`
 * pre-processing), and calls with code-like arguments. A plain variable reference
 * (`{{ user.name }}`, `${HOME}`, `@username`) passes.
 */
import type { Detector, DetectorMatch, DetectContext } from '../types.js';
import { F, charFlags, decodeJsEscapes, excerpt, isAlnum } from '../lexers/text.js';
import { ARITH, DANGER, DOTNET_AT_START, judgeJinja } from './ssti/expr.js';

const OPENERS: Array<[string, string, string]> = [
  ['{{', '}}', 'ssti:jinja'],
  ['{%', '%}', 'ssti:jinja'],
  ['${', '}', 'ssti:expression'],
  ['#{', '}', 'ssti:expression'],
  ['*{', '}', 'ssti:thymeleaf'],
  ['@{', '}', 'ssti:thymeleaf'],
  ['~{', '}', 'ssti:thymeleaf'],
  ['<%', '%>', 'ssti:erb'],
  ['[[', ']]', 'ssti:expression'],
  ['[=', ']', 'ssti:freemarker'],
  ['@(', ')', 'ssti:razor'],
  ['{php}', '{/php}', 'ssti:smarty'],
];

/** Inner expression of a delimiter opening at `at` (balanced brackets, bounded), and where it ends. */
function innerOf(s: string, at: number, open: string, close: string): { inner: string; end: number; closed: boolean } {
  const from = at + open.length;
  const limit = Math.min(s.length, from + 1024);
  if (close === '}' || close === ')') {
    const o = close === '}' ? 123 : 40;
    const c0 = close.charCodeAt(0);
    let depth = 1;
    for (let i = from; i < limit; i++) {
      const c = s.charCodeAt(i);
      if (c === o) depth++;
      else if (c === c0 && --depth === 0) return { inner: s.slice(from, i), end: i + 1, closed: true };
    }
    return { inner: s.slice(from, limit), end: limit, closed: false };
  }
  const e = s.indexOf(close, from);
  if (e < 0) return { inner: s.slice(from, limit), end: limit, closed: false };
  if (e > limit) return { inner: s.slice(from, limit), end: limit, closed: true };
  return { inner: s.slice(from, e), end: e + close.length, closed: true };
}

function judgeInner(inner: string, open: string): boolean {
  if (inner.length === 0) return false;
  let body = inner;
  if (open === '<%') {
    body = body.replace(/^[=\-#]/, '').replace(/-$/, '');
    if (/`[^`]{1,80}`|%x\(/.test(body)) return true; // ERB shell-out
  }
  if (open === '{%' || open === '{{') body = body.replace(/^-|-$/g, '');
  if (ARITH.test(body)) return true;
  if (DANGER.test(body)) return true;
  if ((open === '{{' || open === '{%') && judgeJinja(body, open === '{%')) return true;
  // Thymeleaf pre-processing: __${...}__
  if (/__\$\{/.test(body)) return true;
  return false;
}

/** Razor's implicit expression `@System.Diagnostics.Process.Start(...)`: `@` not inside a word (an e-mail). */
function razorImplicit(v: string): number {
  let at = v.indexOf('@');
  for (let guard = 0; at >= 0 && guard < 64; guard++) {
    const prev = at > 0 ? v.charCodeAt(at - 1) : 32;
    const next = v.charCodeAt(at + 1);
    if (!isAlnum(prev) && prev !== 95 && prev !== 46 && ((next >= 65 && next <= 90) || (next >= 97 && next <= 122)) && DOTNET_AT_START.test(v.slice(at + 1, at + 161))) return at;
    at = v.indexOf('@', at + 1);
  }
  return -1;
}

const DIRECTIVE_FM = /[<[]#(?:assign|global|local|import|include|setting|ftl)\b/i;

const RAZOR_OPENERS = OPENERS.filter((o) => o[0] === '@(');

function delimited(v: string, openers: Array<[string, string, string]>): { stamp: string; s: number; e: number } | null {
  for (const [open, close, stamp] of openers) {
    let at = v.indexOf(open);
    if (open === '${' && at >= 2 && v.slice(at - 2, at) === '__') return { stamp: 'ssti:thymeleaf', s: at - 2, e: at + 40 };
    let guard = 0;
    while (at >= 0 && guard++ < 64) {
      const { inner, end, closed } = innerOf(v, at, open, close);
      if (open === '{php}' || judgeInner(inner, open)) return { stamp, s: at, e: end };
      if (!closed && close !== '}' && close !== ')') break; // no closer anywhere after: later openers have none either
      at = v.indexOf(open, at + open.length);
    }
  }
  return null;
}

function check(v: string): { stamp: string; s: number; e: number } | null {
  const d = delimited(v, OPENERS);
  if (d) return d;
  // Freemarker directives (angle- or square-bracket syntax), Velocity and Smarty statements
  const fm = DIRECTIVE_FM.exec(v);
  if (fm) return { stamp: 'ssti:freemarker', s: fm.index, e: fm.index + 60 };
  const vel = /#set\s*\(\s*\$\w+\s*=|#(?:evaluate|define|foreach)\s*\(|\$\w+\.getclass\s*\(/i.exec(v);
  if (vel) return { stamp: 'ssti:velocity', s: vel.index, e: vel.index + 60 };
  const sm = /\{\s*(?:system|exec|passthru|shell_exec|eval|include|fetch)\s*\(|\{\s*\$smarty\./i.exec(v);
  if (sm) return { stamp: 'ssti:smarty', s: sm.index, e: sm.index + 60 };
  return null;
}

export const ssti: Detector = {
  type: 'ssti',
  description: 'Server-side template injection: template delimiters whose expression computes, introspects, executes or dumps the application globals',
  detect(value: string, _ctx: DetectContext): DetectorMatch | null {
    if (value.length < 4) return null;
    const flags = charFlags(value);
    let r: ReturnType<typeof check>;
    if (flags & (F.LBRACE | F.LT | F.HASH | F.BRACKET | F.BSLASH)) r = check(value);
    else if (flags & F.AT && flags & F.LPAREN) r = delimited(value, RAZOR_OPENERS); // `@` alone (e-mail) only matters to Razor
    else if (!(flags & F.AT)) return null;
    else r = null;
    if (r) return { stamp: r.stamp, payload: excerpt(value, r.s, r.e) };
    if (flags & F.AT && flags & F.DOT) {
      const at = razorImplicit(value);
      if (at >= 0) return { stamp: 'ssti:razor', payload: excerpt(value, at, at + 60) };
    }
    if (flags & F.BSLASH) {
      const d = decodeJsEscapes(value);
      if (d !== value && (r = check(d))) return { stamp: r.stamp, payload: excerpt(d, r.s, r.e) };
    }
    return null;
  },
};
