/**
 * Open redirect.
 *
 * The value is read the way a browser reads a redirect target (lexers/url-shape). Spellings that
 * only exist to get an off-site target past a same-site check count in any parameter, since no
 * honest value is written that way: backslashes among the slashes (`/\evil.example`,
 * `https:/\evil.example`), tab/CR/LF inside them (`/%09/evil.example`), three or more slashes,
 * encoded separators next to literal ones (`%2f%2fevil.example`, `http:%2f%2f`), look-alike
 * slashes (`〱evil.example`), a special scheme without its slashes (`https:evil.example`),
 * a host-shaped userinfo (`//trusted.example@evil.example`), escapes or look-alike dots in the host
 * (`//evil%E3%80%82example`), a backslash ending the authority (`https://evil.example\@trusted`).
 *
 * A plain protocol-relative `//host` counts in a redirect parameter (a field named like next /
 * return / redirect_uri...): apps that accept only local paths check for a
 * leading `/`, which it passes, and no honest redirect target is written that way. A plain absolute URL does not count even there: OAuth
 * `redirect_uri`, logout, share and analytics parameters carry them every day, and data fields of
 * JSON / XML documents (webhooks, SAML, OPML...) are full of them.
 */
import type { Detector, DetectorMatch, DetectContext, Point } from '../types.js';
import { F, charFlags, excerpt, paramName } from '../lexers/text.js';
import { T, urlShape } from '../lexers/url-shape.js';

const REDIRECT_NAMES = new Set([
  'url', 'uri', 'u', 'r', 'next', 'nexturl', 'redirect', 'redir', 'redirecturl', 'redirecturi', 'redirectto', 'return',
  'returnto', 'returnurl', 'returnuri', 'returnpath', 'goto', 'go', 'dest', 'destination', 'continue', 'target', 'to',
  'out', 'forward', 'fwd', 'location', 'rurl', 'callback', 'back', 'exit', 'jump', 'jumpto', 'navigate', 'relaystate',
  'returnlink', 'redirectlink',
]);

function isRedirectName(name: string): boolean {
  if (!name) return false;
  const n = name.replace(/[^a-z0-9]/g, '');
  if (REDIRECT_NAMES.has(n)) return true;
  // not any `*_url`: avatar_url, html_url, feed_url hold links, not where to send the user
  return /(?:redirect|return|next|goto|continue|dest|callback)(?:url|uri|to|path)?$/.test(n) || /^(?:redirect|return|next|goto|continue)/.test(n);
}

/** A redirect parameter: a query, form or JSON field named for it (the name is all the context read). */
function isRedirectParam(point: Point): boolean {
  return isRedirectName(paramName(point));
}

const STAMPS: Array<[number, string]> = [
  [T.BACKSLASH | T.CONTROL | T.MANY_SEPS | T.LOOKALIKE_SEP, 'redir:slash-trick'],
  [T.ENCODED_SEP, 'redir:encoded-separator'],
  [T.SCHEME_NO_SLASHES, 'redir:scheme-relative'],
  [T.USERINFO, 'redir:userinfo-host'],
  [T.HOST_ENCODED | T.HOST_LOOKALIKE, 'redir:host-obfuscation'],
];

/** Values that can start a redirect target: `/`, `\`, `%`, `h`/`H`, or a non-ASCII look-alike. */
const LEADS = F.SLASH | F.BSLASH | F.PERCENT | F.NONASCII | F.COLON;

export const redir: Detector = {
  type: 'redir',
  description: 'Open redirect: browser-normalised slash/host tricks anywhere, protocol-relative URLs in redirect parameters',
  detect(value: string, ctx: DetectContext): DetectorMatch | null {
    if (value.length < 4 || ctx.kind === 'name') return null;
    if (!(charFlags(value) & LEADS)) return null;
    const s = urlShape(value);
    if (s === null || !s.hostOk) return null;
    if (s.tricks !== 0) {
      for (const [mask, stamp] of STAMPS) if (s.tricks & mask) return { stamp, payload: excerpt(value, 0, s.end + 8) };
    }
    if (s.scheme === '' && s.seps === 2 && !s.allSepsEncoded && isRedirectParam(ctx.point)) {
      return { stamp: 'redir:protocol-relative', payload: excerpt(value, 0, s.end + 8) };
    }
    return null;
  },
};
