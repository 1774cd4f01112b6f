/**
 * Server-side request forgery.
 *
 * Finds URLs in the value (`scheme://authority`, also `//host` and bare `host:port/path` in
 * URL-ish parameters) and parses their authority like a URL parser: userinfo tricks
 * (`http://good@127.0.0.1`), backslashes, fullwidth/circled characters (NFKC). Flags: schemes that
 * reach local files or raw sockets (`file:`, `gopher:`, `dict:`, `ldap:`, `tftp:`, `jar:`,
 * `netdoc:`, `smb:`...); hosts that are loopback, cloud metadata (169.254.169.254,
 * metadata.google.internal, fd00:ec2::254), link-local or private ranges; IPv4 addresses written in
 * decimal / octal / hex / short forms and IPv4-mapped IPv6 (never seen in honest traffic); wildcard
 * DNS names that embed internal addresses (`127.0.0.1.nip.io`, rebinding `7f000001.a9fea9fe.rbndr.us`);
 * a second authority hidden where URL parsers disagree (`http://good#@169.254.169.254/`).
 *
 * Metadata addresses, odd spellings, tricks and dangerous schemes count wherever they appear. A
 * plainly written loopback / private host counts when the value is that URL (a fetch target), with
 * a web scheme: a URL inside prose or a config file (`proxy_pass http://127.0.0.1:3000;`, a README
 * saying "open http://localhost:3000", `jdbc:postgresql://db.internal/shop`) is not something the
 * server is asked to fetch. Nor is a local URL in Origin / Referer or in a redirect parameter
 * (`redirect_uri=http://localhost:3000/cb` during development): the browser goes there, not the server.
 */
import type { Detector, DetectorMatch, DetectContext } from '../types.js';
import { classifyHost, findUrls, readAuthority, type HostClass } from '../lexers/url.js';
import { F, charFlags, excerpt, lowerOf, paramName } from '../lexers/text.js';

const DANGEROUS_SCHEMES = new Set([
  'file', 'gopher', 'dict', 'ldap', 'ldaps', 'tftp', 'jar', 'netdoc', 'smb', 'sftp', 'telnet', 'ssh', 'rmi', 'iiop',
  'corba', 'jnlp', 'mailto',
]);
const URL_PARAM = /(?:^|[_-])(?:url|uri|link|href|src|source|dest|destination|target|host|domain|site|feed|callback|webhook|endpoint|proxy|image|img|avatar|fetch|load|remote|server|path|redirect|next|return|goto)(?:$|[_-])|url$|uri$/i;

const WEB_SCHEMES = new Set(['http', 'https', 'ftp', 'ws', 'wss']);
/** Parameters whose URL the browser is sent to (OAuth redirect_uri, next, return_to...). */
const BROWSER_TARGET = /redirect|return|^next|^continue|^goto|^back/;

/** A local URL here is where the user's browser goes, not something the server fetches. */
function browserSide(ctx: DetectContext): boolean {
  if (ctx.root === 'header') return ctx.header === 'REFERER' || ctx.header === 'ORIGIN';
  return BROWSER_TARGET.test(paramName(ctx.point).replace(/[^a-z]/g, ''));
}

/** The trimmed value is one token starting at `start`. */
function isWholeValue(value: string, start: number): boolean {
  for (let i = 0; i < start; i++) if (value.charCodeAt(i) > 32) return false;
  return !/\S\s+\S/.test(value.length > 2048 ? value.slice(0, 2048) : value);
}

/** After the authority: `#@host`, `?@host`, `\\@host` — the host some URL parsers take instead. */
function hiddenAuthority(value: string, end: number): HostClass {
  const c = value.charCodeAt(end);
  if (c !== 35 && c !== 63 && c !== 92) return null;
  let e = end;
  while (e < value.length && e - end < 256 && value.charCodeAt(e) > 32 && value.charCodeAt(e) !== 47) e++;
  const at = value.lastIndexOf('@', e - 1);
  if (at < end) return null;
  return classifyHost(readAuthority(value, at + 1).host).cls;
}

export const ssrf: Detector = {
  type: 'ssrf',
  description: 'SSRF: URLs to loopback/metadata/private hosts, obfuscated IP spellings, local-file and raw-socket schemes',
  detect(value: string, ctx: DetectContext): DetectorMatch | null {
    if (value.length < 6) return null;
    const flags = charFlags(value);
    if (!(flags & (F.COLON | F.SLASH | F.BSLASH))) return null;
    if (flags & F.COLON) {
      // `file:/etc/passwd` and `file:///...`, `gopher://`, ...
      const lower = value.length > 4096 ? value.slice(0, 4096).toLowerCase() : lowerOf(value);
      const fm = /(?:^|[^a-z0-9+.-])(?:(?:file|netdoc):(?:\/|[a-z]:)|jar:[a-z][a-z0-9+.-]{0,16}:)/.exec(lower);
      if (fm) return { stamp: 'ssrf:scheme', payload: excerpt(value, fm.index, fm.index + 60) };
      for (const u of findUrls(value)) {
        if (DANGEROUS_SCHEMES.has(u.scheme) && u.scheme !== 'mailto') return { stamp: 'ssrf:scheme', payload: excerpt(value, u.start, u.end + 20) };
        const c = classifyHost(u.host);
        if (c.cls === 'metadata') return { stamp: 'ssrf:metadata', payload: excerpt(value, u.start, u.end + 20) };
        const hidden = hiddenAuthority(value, u.end);
        if (hidden) return { stamp: 'ssrf:parser-confusion', payload: excerpt(value, u.start, u.end + 40) };
        if (c.odd && /^\d|^0x|^\[|^[0-9a-f]{8}\./.test(u.host)) return { stamp: c.cls ? 'ssrf:internal-host' : 'ssrf:ip-obfuscation', payload: excerpt(value, u.start, u.end + 20) };
        if (c.cls && WEB_SCHEMES.has(u.scheme) && !browserSide(ctx)) {
          const userinfo = value.lastIndexOf('@', u.end) > u.start;
          if (userinfo || isWholeValue(value, u.start)) return { stamp: 'ssrf:internal-host', payload: excerpt(value, u.start, u.end + 20) };
        }
      }
    }
    // protocol-relative `//host/...`
    if (flags & (F.SLASH | F.BSLASH)) {
      const t = value.trimStart();
      const slashes = t.startsWith('//');
      if (slashes || t.startsWith('\\\\')) {
        const { host } = readAuthority(t, 2);
        const c = classifyHost(host);
        const odd = c.odd && /^\d|^0x|^\[/.test(host);
        if (c.cls === 'metadata' || (c.cls && odd)) return { stamp: c.cls === 'metadata' ? 'ssrf:metadata' : 'ssrf:internal-host', payload: excerpt(value, 0, 60) };
        if (c.cls && slashes && !browserSide(ctx) && (URL_PARAM.test(paramName(ctx.point)) || isWholeValue(value, value.length - t.length))) {
          return { stamp: 'ssrf:internal-host', payload: excerpt(value, 0, 60) };
        }
      }
    }
    return null;
  },
};
