/**
 * CRLF injection / HTTP response splitting / log forging.
 *
 * A CR or LF — also double-encoded (`%250d`), nested so that a filter removing `%0a` once leaves
 * one (`%%0a0a`), escaped (`\r\n`, for back ends that unescape), or a Unicode character a server
 * truncates to one (U+560A / U+560D, the "嘊/嘍" trick; U+010A/U+010D; NEL; U+2028) — right after
 * which comes what an injection needs: a header line (`Name: value`, also indented by a folding
 * blank), a new response (`HTTP/1.1 200`, a blank line then markup), or a forged log record.
 *
 * Injected lines follow the break the attacker inserted, so the line after the first break (and
 * the header block it starts) is what is read. Known response/request header names count anywhere;
 * any header-shaped line counts in places that end up in headers or URLs (URL, query, headers,
 * cookies). Multi-line text whose first line is itself a header, a request or a status line is a
 * message (a pasted e-mail, an .ics file, an HTTP transcript, YAML): in bodies it passes, elsewhere
 * only a known header name counts in it.
 */
import type { Detector, DetectorMatch, DetectContext } from '../types.js';
import { F, HEADER_LINE, charFlags, decodeJsEscapes, excerpt, percentDecodeDeep } from '../lexers/text.js';

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
function isLineFeed(c: number): boolean {
  return c === 10 || c === 0x560a || c === 0x010a;
}
function isTokenChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45 || c === 95;
}

/** A request or status line: with a header line, what a message (not an injected value) starts with. */
const START_LINE = /^(?:[A-Z]{3,10} \S+ HTTP\/\d|HTTP\/\d)/;
/** A log record: `[LEVEL]`, `LEVEL:` or a timestamp at the start of the line. */
const LOG_RECORD = /^(?:\[(?:INFO|WARN|WARNING|ERROR|ERR|DEBUG|TRACE|FATAL|NOTICE|CRIT|CRITICAL|ALERT|EMERG|SEVERE|AUDIT)\]|(?:INFO|WARN|WARNING|ERROR|DEBUG|TRACE|FATAL|NOTICE|CRITICAL|SEVERE)[ :]|\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|\[\d{4}-\d{2}-\d{2}\])/;

interface Found {
  stamp: string;
  s: number;
  e: number;
}

/** At k: `Name:` — the name's end, or -1. */
function headerNameAt(v: string, k: number): number {
  let e = k;
  while (e < v.length && e - k <= 64 && isTokenChar(v.charCodeAt(e))) e++;
  if (e === k) return -1;
  let c = e;
  while (c < v.length && (v.charCodeAt(c) === 32 || v.charCodeAt(c) === 9)) c++;
  return v.charCodeAt(c) === 58 ? e : -1;
}

function nextLine(v: string, i: number): number {
  while (i < v.length && !isNewline(v.charCodeAt(i))) i++;
  while (i < v.length && (isNewline(v.charCodeAt(i)) || v.charCodeAt(i) === 37)) i++;
  return i;
}

function check(v: string, strictPlace: boolean): Found | null {
  const n = v.length;
  let i = 0;
  while (i < n && !isNewline(v.charCodeAt(i))) i++;
  if (i >= n) return null;
  const l0 = v.slice(0, i).trim();
  const message = HEADER_LINE.test(l0) || START_LINE.test(l0);
  // an unknown header name counts after a bare value (`en`, `/path`, `x`), not after a line of text
  const generic = !message && !/\s/.test(l0);
  if (!strictPlace && message) return null;
  // the break run (stray `%` of a broken encoding included)
  let j = i;
  let breaks = 0;
  while (j < n && (isNewline(v.charCodeAt(j)) || v.charCodeAt(j) === 37)) {
    if (isLineFeed(v.charCodeAt(j))) breaks++;
    j++;
  }
  // a status line after a bare value (in a body, after a sentence, it is a pasted transcript)
  if ((strictPlace || generic) && /^HTTP\/\d/i.test(v.slice(j, j + 8))) return { stamp: 'crlf:response-splitting', s: i, e: j + 30 };
  if (strictPlace && breaks >= 2 && v.charCodeAt(j) === 60 /* < */) return { stamp: 'crlf:response-splitting', s: i, e: j + 30 };
  // the header block the break starts: a known name anywhere in it, any name in strict places
  let k = j;
  for (let line = 0; line < 16 && k < n; line++) {
    let b = k;
    while (b < n && (v.charCodeAt(b) === 32 || v.charCodeAt(b) === 9)) b++;
    const e = headerNameAt(v, b);
    if (e < 0) break;
    const name = v.slice(b, e).toLowerCase();
    // a blank before the name (header folding) only with a real header name
    if (KNOWN_HEADERS.has(name)) return { stamp: 'crlf:header-injection', s: i, e: e + 30 };
    if (b === k && line === 0 && generic && /^[a-z]/.test(name) && (strictPlace || name.startsWith('x-'))) return { stamp: 'crlf:header-injection', s: i, e: e + 30 };
    k = nextLine(v, e);
  }
  // log forging: a field value, then one forged record as the last line
  if (l0.length <= 64 && !/[\s:]/.test(l0) && LOG_RECORD.test(v.slice(j, j + 40))) {
    let e = j;
    while (e < n && !isNewline(v.charCodeAt(e))) e++;
    if (v.slice(e).trim() === '') return { stamp: 'crlf:log-injection', s: i, e };
  }
  return null;
}

/** `%` then encoded or raw breaks then `0a`/`0d`: what is left when a filter strips `%0a` once. */
const NESTED = /%(?:%0[ad]|[\r\n])+0[ad]/i;
const ENCODED_BREAK = /%(?:25)*(?:0[ad]|e5%(?:25)*98%(?:25)*8[ad]|c4%(?:25)*8[ad]|e2%(?:25)*80%(?:25)*a[89]|u000[ad])|%25%3[0-9]%3[0-9a-f]|%25%30%[46]1|%2530%2541/i;
/** An escaped break (`\r`, `\n`, `\u000a`) at the start of the value or after a short token. */
const ESCAPED_BREAK = /^[^\s'"\\]{0,64}\\(?:[rn]|u000[ad]|x0[ad])/i;

export const crlf: Detector = {
  type: 'crlf',
  description: 'CRLF injection: line breaks (raw, encoded, nested, escaped or Unicode-truncated) followed by header lines, a new response or a log record',
  detect(value: string, ctx: DetectContext): DetectorMatch | null {
    if (value.length < 4) return null;
    const flags = charFlags(value);
    // places that end up in headers or URLs: any header-shaped line counts there
    const strictPlace = ctx.root === 'uri' || ctx.root === 'path' || ctx.root === 'header' || ctx.root === 'cookie';
    if (flags & (F.NEWLINE | F.NONASCII)) {
      const r = check(value, strictPlace);
      if (r) return { stamp: r.stamp, payload: excerpt(value, r.s, r.e) };
    }
    if (flags & F.PERCENT) {
      const nested = NESTED.test(value);
      if (nested || ENCODED_BREAK.test(value)) {
        let d = percentDecodeDeep(value, 3);
        d = percentDecodeDeep(d, 2);
        const r = d !== value ? check(d, strictPlace) : null;
        if (r) return { stamp: r.stamp, payload: excerpt(d, r.s, r.e) };
        if (nested) {
          const u = percentDecodeDeep(value.replace(/%0[ad]|[\r\n]/gi, ''), 3);
          const r2 = check(u, strictPlace);
          if (r2) return { stamp: r2.stamp, payload: excerpt(u, r2.s, r2.e) };
        }
      }
    }
    if (flags & F.BSLASH && ESCAPED_BREAK.test(value)) {
      const d = decodeJsEscapes(value);
      const r = d !== value ? check(d, strictPlace) : null;
      if (r) return { stamp: r.stamp, payload: excerpt(d, r.s, r.e) };
    }
    return null;
  },
};
