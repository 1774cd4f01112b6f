/**
 * CRLF injection / HTTP response splitting.
 *
 * A CR or LF — also double-encoded (`%250d`), or a Unicode character a server truncates to one
 * (U+560A / U+560D, the "嘊/嘍" trick; U+010A/U+010D; NEL) — followed by something that would become
 * a header line (`Name: value`) or a new response (`HTTP/1.1 200`, a blank line then markup). Known
 * response/request header names count anywhere; any header-shaped line counts in places that end
 * up in headers or URLs (URL, query, headers, cookies). Multi-line text in a body passes unless it
 * carries a real header name such as `Set-Cookie` or `Location`.
 */
import type { Detector, DetectorMatch, DetectContext } from '../types.js';
import { F, charFlags, excerpt, percentDecodeDeep } from '../lexers/text.js';

const KNOWN_HEADERS = new Set([
  'set-cookie', 'set-cookie2', 'location', 'content-type', 'content-length', 'refresh', 'x-xss-protection',
  'content-security-policy', 'access-control-allow-origin', 'access-control-allow-credentials', 'transfer-encoding',
  'content-disposition', 'link', 'host', 'cookie', 'x-forwarded-for', 'x-forwarded-host', 'authorization',
  'cache-control', 'connection', 'x-frame-options', 'strict-transport-security', 'content-encoding', 'expires',
  'last-modified', 'etag', 'vary', 'www-authenticate', 'proxy-authorization', 'x-original-url', 'x-rewrite-url',
  'upgrade', 'server', 'x-powered-by', 'pragma', 'x-content-type-options', 'referrer-policy', 'content-location',
]);
/** Characters some stacks turn into CR/LF (low byte 0x0A/0x0D after truncation, or line separators). */
function isNewline(c: number): boolean {
  return c === 10 || c === 13 || c === 0x560a || c === 0x560d || c === 0x010a || c === 0x010d || c === 0x85 || c === 0x2028 || c === 0x2029;
}
function isTokenChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45 || c === 95;
}

function check(v: string, strictPlace: boolean): { stamp: string; s: number; e: number } | null {
  const n = v.length;
  for (let i = 0; i < n; i++) {
    if (!isNewline(v.charCodeAt(i))) continue;
    let j = i;
    let breaks = 0;
    while (j < n && (isNewline(v.charCodeAt(j)) || v.charCodeAt(j) === 37 /* stray % */)) {
      if (v.charCodeAt(j) === 10 || v.charCodeAt(j) === 0x560a || v.charCodeAt(j) === 0x010a) breaks++;
      j++;
    }
    // header name
    let k = j;
    while (k < n && k - j <= 64 && isTokenChar(v.charCodeAt(k))) k++;
    if (k > j) {
      let c = k;
      while (c < n && (v.charCodeAt(c) === 32 || v.charCodeAt(c) === 9)) c++;
      if (v.charCodeAt(c) === 58 /* : */) {
        const name = v.slice(j, k).toLowerCase();
        const generic = /^[a-z]/.test(name);
        if (KNOWN_HEADERS.has(name) || (generic && (strictPlace || name.startsWith('x-')))) {
          return { stamp: 'crlf:header-injection', s: i, e: c + 30 };
        }
      }
      if (/^HTTP\/\d/i.test(v.slice(j, j + 8))) return { stamp: 'crlf:response-splitting', s: i, e: j + 30 };
    }
    if (strictPlace && breaks >= 2 && v.charCodeAt(j) === 60 /* < */) return { stamp: 'crlf:response-splitting', s: i, e: j + 30 };
    i = j;
  }
  return null;
}

export const crlf: Detector = {
  type: 'crlf',
  description: 'CRLF injection: line breaks (raw, double-encoded or Unicode-truncated) followed by header lines or a new response',
  detect(value: string, ctx: DetectContext): DetectorMatch | null {
    if (value.length < 4) return null;
    const flags = charFlags(value);
    // places that end up in headers or URLs: any header-shaped line counts there
    const strictPlace = ctx.root === 'uri' || ctx.root === 'path' || ctx.root === 'header' || ctx.root === 'cookie';
    if (flags & (F.NEWLINE | F.NONASCII)) {
      const r = check(value, strictPlace);
      if (r) return { stamp: r.stamp, payload: excerpt(value, r.s, r.e) };
    }
    if (flags & F.PERCENT && /%(?:25)*(?:0[ad]|e5%(?:25)*98%(?:25)*8[ad]|c4%(?:25)*8[ad]|u000[ad])|%25%3[0-9]%3[0-9a-f]|%25%30%[46]1|%2530%2541/i.test(value)) {
      let d = percentDecodeDeep(value, 3);
      d = percentDecodeDeep(d, 2);
      if (d !== value) {
        const r = check(d, strictPlace);
        if (r) return { stamp: r.stamp, payload: excerpt(d, r.s, r.e) };
      }
    }
    return null;
  },
};
