// Expression languages evaluated on the server: Log4j lookups (`${jndi:...}`, with nested-lookup
// and `${base64:...}` obfuscation), Struts2 / OGNL (static member access `@java.lang.Runtime@...`,
// the `#_memberAccess` / `#context` sandbox objects, `(#a=...).(#b=...)` assignment chains), Spring
// data binding into `class.module.classLoader` / `class.classLoader` (Spring4Shell and its
// predecessor), and JSP / JSF EL reaching the servlet objects (pageContext, request, session...)
// with method calls.
import { F } from '../../lexers/text.js';
import type { Found } from './commands.js';

/** Resolve Log4j nested lookups (`${lower:j}`, `${::-n}`, `${env:X:-d}`, `${base64:...}`) enough to expose `${jndi:`. */
function unwrapLookups(s: string): string {
  let cur = s;
  for (let r = 0; r < 6; r++) {
    const next = cur
      .replace(/\$\{base64:([A-Za-z0-9+/=]{4,400})\}/gi, (_m, b: string) => Buffer.from(b, 'base64').toString('latin1'))
      .replace(/\$\{[^{}$]{0,64}?:-([^{}$]{0,64})\}/g, '$1')
      .replace(/\$\{(?:lower|upper|date|sys|env|main|ctx|k8s|docker|web|spring|bundle|jvmrunargs|java|marker|map|sd):([^{}$]{0,64})\}/gi, '$1');
    if (next === cur) break;
    cur = next;
  }
  return cur.replace(/['"]/g, '');
}

function log4shell(value: string): Found | null {
  const at = value.toLowerCase().indexOf('${jndi:');
  if (at >= 0) return { stamp: 'rce:log4shell', s: at, e: at + 60 };
  if (/\$\{[^}]{0,80}\$\{/.test(value) && unwrapLookups(value).toLowerCase().indexOf('${jndi:') >= 0) {
    return { stamp: 'rce:log4shell', s: 0, e: Math.min(value.length, 100) };
  }
  return null;
}

/**
 * OGNL: `@pkg.Class@member` static access (a qualified class whose last part is capitalised, then a
 * call or a CONSTANT; a handle like `@john.doe@example` is neither), the sandbox objects, and
 * `(#x=...).(#y=...)` chains.
 */
const OGNL =
  /(?<![\w@.])@(?:[a-z_$][\w$]*\.)+[A-Z][\w$]*@(?:[a-z_$][\w$]*\s*\(|[A-Z][A-Z0-9_]+\b)|#_?memberAccess\b|#context\s*\[|\bOgnlContext\b|xwork\.MethodAccessor|\(\s*#[a-z_]\w*\s*=[^()]{0,200}\)\s*\.\s*\(\s*#[a-z_]\w*\s*=/;

/** `class.module.classLoader...`, `class.classLoader.URLs[0]`, `class['classLoader']`: as a name or a value. */
const CLASSLOADER = /(?<![\w.])class\s*(?:(?:\.|\[\s*["']?)\s*module\s*(?:["']\s*)?\]?\s*)?(?:\.|\[\s*["']?)\s*(?:classloader|protectiondomain)\b/i;

export function springClassLoader(value: string): Found | null {
  // bean property names are case-sensitive: `classLoader`, `ClassLoader`, `protectionDomain`
  if (!/lassLoader|rotectionDomain/.test(value)) return null;
  const m = CLASSLOADER.exec(value);
  return m ? { stamp: 'rce:spring-classloader', s: m.index, e: m.index + m[0].length + 40 } : null;
}

/** EL-only implicit objects (no JavaScript template or Ruby string names them) with a method call in the expression. */
const EL_OBJECT = /\b(?:pagecontext|applicationscope|sessionscope|requestscope|facescontext|servletcontext|externalcontext)\b/i;
const EL_CALL = /\.\s*[a-z_]\w*\s*\(/i;
/** The servlet API called on `request` / `session` / `application`, which JavaScript and Ruby code never does. */
const SERVLET_CALL = /\b(?:request|session|application)\s*\.\s*(?:getclass|getservletcontext|getsession|setattribute|getattribute|getrequestdispatcher|getrealpath|getparameter|getheader|invalidate)\s*\(/i;

/** `${pageContext.request.getSession().setAttribute(...)}`: EL calling methods of the servlet objects. */
function servletEl(value: string): Found | null {
  let end = -1;
  for (let i = value.indexOf('{'); i > 0; i = value.indexOf('{', i + 1)) {
    const p = value.charCodeAt(i - 1);
    if (p !== 36 && p !== 35) continue;
    // the next `}` is looked up once per `}`, not once per `{`: `${${${...}` stays linear
    if (end < i) end = value.indexOf('}', i);
    if (end < 0) end = value.length;
    const inner = value.slice(i + 1, Math.min(end, i + 512));
    if ((EL_OBJECT.test(inner) && EL_CALL.test(inner)) || SERVLET_CALL.test(inner)) return { stamp: 'rce:expression-language', s: i - 1, e: i + 1 + inner.length };
  }
  return null;
}

export function expressionLanguage(value: string, flags: number): Found | null {
  if (flags & F.DOLLAR && flags & F.LBRACE) {
    const r = log4shell(value);
    if (r) return r;
  }
  if (flags & (F.AT | F.HASH)) {
    const m = OGNL.exec(value);
    if (m) return { stamp: 'rce:ognl', s: m.index, e: m.index + m[0].length + 30 };
  }
  if (flags & (F.DOT | F.BRACKET)) {
    const r = springClassLoader(value);
    if (r) return r;
  }
  if (flags & F.LBRACE && flags & (F.DOLLAR | F.HASH) && flags & F.LPAREN) return servletEl(value);
  return null;
}
