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
 * DNS names that embed internal addresses (`127.0.0.1.nip.io`).
 */
import type { Detector, DetectorMatch, DetectContext } from '../types.js';
import { classifyHost, findUrls, readAuthority } from '../lexers/url.js';
import { F, charFlags, excerpt, lowerOf, paramName } from '../lexers/text.js';

const DANGEROUS_SCHEMES = new Set([
  'file', 'gopher', 'dict', 'ldap', 'ldaps', 'tftp', 'jar', 'netdoc', 'smb', 'sftp', 'telnet', 'ssh', 'rmi', 'iiop',
  'corba', 'jnlp', 'mailto',
]);
const URL_PARAM = /(?:^|[_-])(?:url|uri|link|href|src|source|dest|destination|target|host|domain|site|feed|callback|webhook|endpoint|proxy|image|img|avatar|fetch|load|remote|server|path|redirect|next|return|goto)(?:$|[_-])|url$|uri$/i;

export const ssrf: Detector = {
  type: 'ssrf',
  description: 'SSRF: URLs to loopback/metadata/private hosts, obfuscated IP spellings, local-file and raw-socket schemes',
  detect(value: string, ctx: DetectContext): DetectorMatch | null {
    if (value.length < 6) return null;
    const flags = charFlags(value);
    if (!(flags & F.COLON || flags & F.SLASH)) return null;
    if (flags & F.COLON) {
      // `file:/etc/passwd` and `file:///...`, `gopher://`, ...
      const lower = value.length > 4096 ? value.slice(0, 4096).toLowerCase() : lowerOf(value);
      const fm = /(?:^|[^a-z0-9+.-])(?:(?:file|netdoc):(?:\/|[a-z]:)|jar:[a-z][a-z0-9+.-]{0,16}:)/.exec(lower);
      if (fm) return { stamp: 'ssrf:scheme', payload: excerpt(value, fm.index, fm.index + 60) };
      for (const u of findUrls(value)) {
        if (DANGEROUS_SCHEMES.has(u.scheme) && u.scheme !== 'mailto') return { stamp: 'ssrf:scheme', payload: excerpt(value, u.start, u.end + 20) };
        const c = classifyHost(u.host);
        if (c.cls === 'metadata') return { stamp: 'ssrf:metadata', payload: excerpt(value, u.start, u.end + 20) };
        if (c.cls) return { stamp: 'ssrf:internal-host', payload: excerpt(value, u.start, u.end + 20) };
        if (c.odd && /^\d|^0x|^\[/.test(u.host)) return { stamp: 'ssrf:ip-obfuscation', payload: excerpt(value, u.start, u.end + 20) };
      }
    }
    // protocol-relative `//host/...` in a URL-ish parameter
    if (flags & F.SLASH) {
      const t = value.trimStart();
      if ((t.startsWith('//') || t.startsWith('\\\\')) && URL_PARAM.test(paramName(ctx.point))) {
        const { host } = readAuthority(t, 2);
        const c = classifyHost(host);
        if (c.cls || (c.odd && /^\d|^0x|^\[/.test(host))) return { stamp: c.cls === 'metadata' ? 'ssrf:metadata' : 'ssrf:internal-host', payload: excerpt(value, 0, 60) };
      }
    }
    return null;
  },
};
