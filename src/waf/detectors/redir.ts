/**
 * Open redirect.
 *
 * In a parameter whose name says it holds a redirect target (`url`, `next`, `redirect_uri`,
 * `returnTo`, `goto`, `continue`, ... — read from the point), a value that leaves the site:
 * an absolute URL with a host, a protocol-relative `//host`, or a scheme without slashes
 * (`https:evil.com`). Anywhere, the browser-normalisation tricks that only exist to fool
 * same-site checks: `/\evil.com`, `\/\/evil.com`, `\\evil.com`, `/%09/evil.com`, `https:/\evil`.
 */
import type { Detector, DetectorMatch, DetectContext } from '../types.js';
import { F, charFlags, excerpt, paramName, percentDecodeDeep } from '../lexers/text.js';

const REDIRECT_NAMES = new Set([
  'url', 'uri', 'u', 'r', 'next', 'nexturl', 'redirect', 'redir', 'redirecturl', 'redirecturi', 'redirectto', 'return',
  'returnto', 'returnurl', 'returnuri', 'returnpath', 'goto', 'go', 'dest', 'destination', 'continue', 'target', 'to',
  'out', 'forward', 'fwd', 'location', 'rurl', 'callback', 'back', 'exit', 'jump', 'jumpto', 'navigate', 'relaystate',
  'returnlink', 'redirectlink',
]);

function isRedirectParam(name: string): boolean {
  if (!name) return false;
  const n = name.replace(/[^a-z0-9]/g, '');
  if (REDIRECT_NAMES.has(n)) return true;
  return /(?:url|uri|redirect|return|next|goto|continue|dest|callback)$/.test(n) || /^(?:redirect|return|next|goto|continue)/.test(n);
}

/**
 * After optional blanks and scheme: a run of slashes / backslashes (tabs and newlines inside are
 * dropped by browsers) with at least one backslash or blank, then a host: `/\\evil`, `\\/\\/evil`,
 * `\\\\evil`, `/\tevil`. Browsers read these as `//evil`.
 */
function slashTrick(v: string): boolean {
  let i = 0;
  while (i < v.length && (v.charCodeAt(i) === 32 || v.charCodeAt(i) === 9)) i++;
  const m = /^[a-z][a-z0-9+.-]{0,16}:/i.exec(v.slice(i, i + 20));
  if (m) i += m[0].length;
  let slashes = 0;
  let odd = false;
  for (; i < v.length && i < 64; i++) {
    const c = v.charCodeAt(i);
    if (c === 47) slashes++;
    else if (c === 92) {
      slashes++;
      odd = true;
    } else if (c === 9 || c === 10 || c === 13) odd = true;
    else break;
  }
  return slashes >= 2 && odd && i < v.length && /[a-z0-9\u00a1-\uffff]/i.test(v[i]!);
}
const HOSTISH = /^[a-z0-9\u00a1-\uffff]([a-z0-9\u00a1-\uffff-]*[a-z0-9\u00a1-\uffff])?(\.[a-z0-9\u00a1-\uffff-]+)*(:\d+)?(?:[/?#]|$)/i;

export const redir: Detector = {
  type: 'redir',
  description: 'Open redirect: off-site absolute or protocol-relative URLs in redirect parameters, slash/backslash tricks anywhere',
  detect(value: string, ctx: DetectContext): DetectorMatch | null {
    if (value.length < 4) return null;
    const flags = charFlags(value);
    if (!(flags & (F.SLASH | F.BSLASH | F.COLON | F.PERCENT))) return null;
    let v = value;
    if (flags & F.PERCENT) v = percentDecodeDeep(v, 2);
    if (v.length > 2048) v = v.slice(0, 2048);
    if ((v.indexOf('\\') >= 0 || /\/[\t\n\r]/.test(v.slice(0, 8))) && slashTrick(v)) {
      if (ctx.root !== 'post' || isRedirectParam(paramName(ctx.point))) return { stamp: 'redir:slash-trick', payload: excerpt(v, 0, 60) };
    }
    if (!isRedirectParam(paramName(ctx.point))) return null;
    const t = v.trimStart();
    const lower = t.slice(0, 16).toLowerCase();
    if (lower.startsWith('//')) {
      if (HOSTISH.test(t.slice(2))) return { stamp: 'redir:protocol-relative', payload: excerpt(t, 0, 60) };
      return null;
    }
    const m = /^(https?|ftp):(\/*)/.exec(lower);
    if (m) {
      const rest = t.slice(m[0].length);
      if (HOSTISH.test(rest) || /^[^/?#\s]+@/.test(rest)) return { stamp: m[2]!.length >= 2 ? 'redir:absolute-url' : 'redir:scheme-relative', payload: excerpt(t, 0, 60) };
    }
    return null;
  },
};
