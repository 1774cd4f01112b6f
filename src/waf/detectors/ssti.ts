/**
 * Server-side template injection.
 *
 * Finds template delimiters of the common engines — `{{ }}` `{% %}` (Jinja2, Twig, Handlebars,
 * Nunjucks), `${ }` (Freemarker, EL, Thymeleaf, Mako), `#{ }` (EL, Ruby, Pug), `*{ }` `@{ }` `~{ }`
 * (Thymeleaf), `<%= %>` (ERB, JSP, EJS), `[[ ]]` — and judges the expression inside: arithmetic on
 * literals (the classic `{{7*7}}` probe), Python object introspection (`__class__`, `__globals__`,
 * `|attr(`), Java reflection / class loading (`T(java.lang.Runtime)`, `getClass()`, `forName`),
 * engine-specific escapes (Freemarker `?new()`, `<#assign>`, Velocity `#set($x=...)`,
 * Smarty `{php}` / `{system(...)}`, Thymeleaf `__${...}__` pre-processing), and calls with code-like
 * arguments. A plain variable reference (`{{ user.name }}`, `${HOME}`) passes.
 */
import type { Detector, DetectorMatch, DetectContext } from '../types.js';
import { F, charFlags, decodeJsEscapes, excerpt } from '../lexers/text.js';

const ARITH = /^\s*[-+]?\d+(?:\.\d+)?\s*[-+*/%]\s*['"]?[-+]?\d+(?:\.\d+)?['"]?\s*(?:[-+*/%]\s*\d+\s*)*$/;
const DANGER = new RegExp(
  [
    '__(?:class|mro|subclasses|globals|builtins|import|init|getattribute|dict|base|bases|reduce|code)__',
    '_templatereference__context', '\\|\\s*attr\\s*\\(', '\\bmro\\s*\\(', '\\bgetattr\\s*\\(', '\\blipsum\\b', '\\bcycler\\b',
    '\\bjoiner\\b', '\\bnamespace\\s*\\.\\s*__', '\\brequest\\s*\\.\\s*(?:application|environ|__)', '\\bconfig\\s*\\.\\s*(?:items|__class__|from)',
    '\\burl_for\\s*\\.', '\\bget_flashed_messages\\b', '\\bself\\s*\\.\\s*(?:__|_template|_context)',
    '\\bt\\s*\\(\\s*[a-z_]\\w*(?:\\.\\w+)+\\s*\\)', '\\bjava\\.lang\\.', '\\bgetclass\\s*\\(', '\\bforname\\s*\\(', '\\bgetruntime\\s*\\(', '\\bprocessbuilder\\b',
    '\\bclassloader\\b', '\\bclass\\s*\\.\\s*(?:forname|classloader|module)', '\\bnew\\s+java\\.', '\\bscriptengine', '\\bjavax\\.',
    '\\?\\s*new\\s*\\(', '\\?\\s*api\\b', '\\?\\s*(?:eval|interpret)\\b', 'freemarker\\.template', '\\bexecute\\s*\\(',
    '\\bobjectconstructor\\b', '\\bstatics\\b', '\\b_self\\s*\\.\\s*env', 'registerundefinedfiltercallback', 'getfilter\\s*\\(',
    '\\$smarty\\.', '\\bconstructor\\s*\\.\\s*constructor', '\\bconstructor\\s*\\(', '\\bprocess\\s*\\.\\s*(?:mainmodule|binding|env)',
    '\\brequire\\s*\\(', '\\bchild_process\\b', '\\bglobal\\s*\\.\\s*process', '\\bos\\s*\\.\\s*(?:popen|system)', '\\bsubprocess\\b',
    '\\bimport\\s+os\\b', '\\bsystem\\s*\\(', '\\bexec\\s*\\(', '\\beval\\s*\\(', '\\bpopen\\s*\\(', '\\bpassthru\\s*\\(',
    '\\bshell_exec\\s*\\(', '@\\s*(?:print|system|eval|exec|passthru|assert|phpinfo)\\s*\\(', '\\bphpinfo\\s*\\(',
    '\\bfile\\s*\\.\\s*(?:open|read|write)', '\\bio\\s*\\.\\s*(?:popen|read)', '\\bdir\\s*\\.\\s*(?:entries|glob)',
    '\\$class\\s*\\.', '\\.inspect\\s*\\(', '\\bruntime\\b', '\\bfrom_pyfile\\b', '\\bdebug\\s*\\.\\s*', '\\bsettings\\s*\\.\\s*secret',
    '\\bmd5\\s*\\(', '\\bprint\\s*\\(',
  ].join('|'),
  'i',
);

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
  ['{php}', '{/php}', 'ssti:smarty'],
];

/** Inner expression of a delimiter opening at `at` (balanced braces, bounded), and where it ends. */
function innerOf(s: string, at: number, open: string, close: string): { inner: string; end: number; closed: boolean } {
  const from = at + open.length;
  const limit = Math.min(s.length, from + 1024);
  if (close === '}') {
    let depth = 1;
    for (let i = from; i < limit; i++) {
      const c = s.charCodeAt(i);
      if (c === 123) depth++;
      else if (c === 125 && --depth === 0) return { inner: s.slice(from, i), end: i + 1, closed: true };
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
  if (open === '{%') body = body.replace(/^-/, '');
  if (ARITH.test(body)) return true;
  if (DANGER.test(body)) return true;
  // Thymeleaf pre-processing: __${...}__
  if (/__\$\{/.test(body)) return true;
  return false;
}

function check(v: string): { stamp: string; s: number; e: number } | null {
  for (const [open, close, stamp] of OPENERS) {
    let at = v.indexOf(open);
    if (open === '${' && at >= 2 && v.slice(at - 2, at) === '__') return { stamp: 'ssti:thymeleaf', s: at - 2, e: at + 40 };
    let guard = 0;
    while (at >= 0 && guard++ < 64) {
      const { inner, end, closed } = innerOf(v, at, open, close);
      if (open === '{php}' || judgeInner(inner, open)) return { stamp, s: at, e: end };
      if (!closed && close !== '}') break; // no closer anywhere after: later openers have none either
      at = v.indexOf(open, at + open.length);
    }
  }
  // Freemarker directives, Velocity and Smarty statements
  const fm = /<#(?:assign|global|local|import|include|setting)\b/i.exec(v);
  if (fm) return { stamp: 'ssti:freemarker', s: fm.index, e: fm.index + 60 };
  const vel = /#set\s*\(\s*\$\w+\s*=|#(?:evaluate|define|foreach)\s*\(|\$\w+\.getclass\s*\(/i.exec(v);
  if (vel) return { stamp: 'ssti:velocity', s: vel.index, e: vel.index + 60 };
  const sm = /\{\s*(?:system|exec|passthru|shell_exec|eval|include|fetch)\s*\(|\{\s*\$smarty\./i.exec(v);
  if (sm) return { stamp: 'ssti:smarty', s: sm.index, e: sm.index + 60 };
  return null;
}

export const ssti: Detector = {
  type: 'ssti',
  description: 'Server-side template injection: template delimiters whose expression computes, introspects or executes',
  detect(value: string, _ctx: DetectContext): DetectorMatch | null {
    if (value.length < 4) return null;
    const flags = charFlags(value);
    if (!(flags & (F.LBRACE | F.LT | F.HASH | F.BRACKET | F.BSLASH))) return null;
    let r = check(value);
    if (r) return { stamp: r.stamp, payload: excerpt(value, r.s, r.e) };
    if (flags & F.BSLASH) {
      const d = decodeJsEscapes(value);
      if (d !== value && (r = check(d))) return { stamp: r.stamp, payload: excerpt(d, r.s, r.e) };
    }
    return null;
  },
};
