// The shape of a value that starts like a URL, read the way a browser reads a redirect target
// (WHATWG parsing of a special scheme): leading blanks skipped, tab/CR/LF dropped, `\` taken as `/`,
// any run of slashes accepted after the scheme, the authority running to the first raw `/` `\` `?`
// `#`, userinfo before its last `@`, percent-escapes and IDNA-mapped dots decoded in the host.
// Every deviation from the plain `scheme://host` / `//host` spelling is recorded: open-redirect
// filter bypasses are made of them, and no honest link is written that way.

import { hexVal } from './charclass.js';

/** Deviations from a plain spelling (bit flags). */
export const T = {
  /** `https:host`, `http:/host`: a special scheme without its two slashes */
  SCHEME_NO_SLASHES: 1,
  /** `\` among the separators (`/\host`, `\/host`, `\\host`) or ending the authority */
  BACKSLASH: 2,
  /** tab / CR / LF among the separators or in the authority (raw or encoded) */
  CONTROL: 4,
  /** three or more separators (`///host`) */
  MANY_SEPS: 8,
  /** a percent-encoded separator next to literal ones, or starting a scheme-less value (`/%2f%2fhost`, `%2f%2fhost`) */
  ENCODED_SEP: 16,
  /** a look-alike of `/` or `\` browsers or IDNA mappings turn into one (`〱host`, `／／host`) */
  LOOKALIKE_SEP: 32,
  /** userinfo spelled like a host (`trusted.example@`), or hiding an encoded character */
  USERINFO: 64,
  /** percent-escapes in the host (`%61ttacker.example`, `host%23.trusted.example`) */
  HOST_ENCODED: 128,
  /** look-alike dots (`。` `．` `｡`) or fullwidth characters in the host */
  HOST_LOOKALIKE: 256,
} as const;

export interface UrlShape {
  /** `http` / `https`, or '' for a scheme-less value */
  scheme: string;
  /** separators between the scheme (or the start) and the authority */
  seps: number;
  /** every separator was percent-encoded */
  allSepsEncoded: boolean;
  /** T.* flags */
  tricks: number;
  /** decoded, lower-cased host (no port, no userinfo) */
  host: string;
  /** the host is a name with at least two labels, or an IP literal */
  hostOk: boolean;
  /** raw index where the authority ends */
  end: number;
}

/** Characters that stand for `/` or `\` after Unicode normalisation or in lenient browsers. */
const SEP_LOOKALIKES = new Set([0xff0f, 0x2215, 0x2044, 0x29f8, 0x3031, 0x3035, 0xff3c, 0xfe68, 0x2216, 0x29f9]);
/** IDNA maps these to `.` in host names. */
const DOT_LOOKALIKES = new Set([0x3002, 0xff0e, 0xff61]);

const hexAt = (v: string, i: number): number => hexVal(v.charCodeAt(i));

/** One percent-escaped byte at i (`%XX`, double-encoded `%25XX`, ...): byte, or -1; `len` raw length. */
function byteAt(v: string, i: number, r: { len: number }): number {
  if (v.charCodeAt(i) !== 37) return -1;
  let j = i + 1;
  // `%25` chains: each `25` followed by another hex pair is one more level of encoding
  while (v.charCodeAt(j) === 50 && v.charCodeAt(j + 1) === 53 && hexAt(v, j + 2) >= 0 && hexAt(v, j + 3) >= 0 && j - i < 16) j += 2;
  const hi = hexAt(v, j);
  const lo = hexAt(v, j + 1);
  if (hi < 0 || lo < 0) return -1;
  r.len = j + 2 - i;
  return (hi << 4) | lo;
}

interface Ch {
  c: number;
  n: number;
  enc: boolean;
}

/** The character at i with percent-escapes (UTF-8 sequences included) decoded. */
function charAt(v: string, i: number, out: Ch): void {
  const r = { len: 0 };
  const b = byteAt(v, i, r);
  if (b < 0) {
    out.c = v.charCodeAt(i);
    out.n = 1;
    out.enc = false;
    return;
  }
  out.enc = true;
  out.c = b;
  out.n = r.len;
  if (b < 0xc2 || b > 0xef) return;
  // a two- or three-byte UTF-8 sequence spelled as escapes (`%E3%80%82`)
  const need = b >= 0xe0 ? 2 : 1;
  let cp = b >= 0xe0 ? b & 0x0f : b & 0x1f;
  let k = i + r.len;
  for (let m = 0; m < need; m++) {
    const nb = byteAt(v, k, r);
    if (nb < 0 || (nb & 0xc0) !== 0x80) return;
    cp = (cp << 6) | (nb & 0x3f);
    k += r.len;
  }
  out.c = cp;
  out.n = k - i;
}

function isBlank(c: number): boolean {
  return c <= 32;
}
function isControl(c: number): boolean {
  return c === 9 || c === 10 || c === 13;
}

/** Host name with two or more labels, or an IPv4 dword / IPv6 literal. */
const HOST_NAME = /^[a-z0-9\u00a1-\uffff](?:[a-z0-9_\u00a1-\uffff-]*)(?:\.[a-z0-9_\u00a1-\uffff-]+)+\.?$/;
const HOST_NUM = /^(?:\d{1,10}|0x[0-9a-f]{1,8}|\[[0-9a-f:.]+\])$/;

/**
 * The URL shape at the start of `v`, or null when `v` does not start like a redirect target
 * (`/`, `\`, a look-alike, an escape of one, or `http:` / `https:`).
 */
export function urlShape(v: string): UrlShape | null {
  const n = Math.min(v.length, 1024);
  const ch: Ch = { c: 0, n: 0, enc: false };
  let i = 0;
  let tricks = 0;
  while (i < n) {
    charAt(v, i, ch);
    if (!isBlank(ch.c)) break;
    i += ch.n;
  }
  let scheme = '';
  const c0 = v.charCodeAt(i) | 0x20;
  if (c0 === 104 /* h */) {
    const m = /^https?(?=:|%3a)/i.exec(v.slice(i, i + 6));
    if (!m) return null;
    scheme = m[0].toLowerCase();
    i += scheme.length;
    charAt(v, i, ch);
    i += ch.n;
  }
  // separators
  let seps = 0;
  let encSeps = 0;
  for (; i < n; i += ch.n) {
    charAt(v, i, ch);
    const c = ch.c;
    if (c === 47 || c === 92) {
      seps++;
      if (c === 92) tricks |= T.BACKSLASH;
      if (ch.enc) encSeps++;
    } else if (SEP_LOOKALIKES.has(c)) {
      seps++;
      tricks |= T.LOOKALIKE_SEP;
    } else if (isControl(c)) tricks |= T.CONTROL;
    else break;
  }
  if (scheme === '' && (seps === 0 || (seps === 1 && !(tricks & T.LOOKALIKE_SEP)))) return null;
  if (scheme !== '' && seps < 2) tricks |= T.SCHEME_NO_SLASHES;
  if (seps >= 3) tricks |= T.MANY_SEPS;
  // encoded separators are a trick next to literal parts; a URL encoded throughout is just encoded
  const allSepsEncoded = seps > 0 && encSeps === seps;
  // (`https:%2F%2Fhost%2Fpath` is how a path-segment encoder writes an ordinary URL)
  if (encSeps > 0 && !(allSepsEncoded && scheme !== '')) tricks |= T.ENCODED_SEP;
  // authority: to the first raw delimiter; escapes are not delimiters to a browser
  let auth = '';
  let encAt = -1;
  let lastAt = -1;
  let encBeforeAt = false;
  const start = i;
  let term = -1;
  for (; i < n && i - start < 256; i += ch.n) {
    const raw = v.charCodeAt(i);
    if (raw === 47 || raw === 92 || raw === 63 || raw === 35 || raw === 32 || raw === 34 || raw === 39 || raw === 60 || raw === 62 || raw === 96) {
      term = raw;
      break;
    }
    charAt(v, i, ch);
    let c = ch.c;
    // in a value encoded throughout, the encoded delimiters are the delimiters
    if (allSepsEncoded && ch.enc && (c === 47 || c === 92 || c === 63 || c === 35)) {
      term = c;
      break;
    }
    if (isControl(c)) {
      tricks |= T.CONTROL;
      continue;
    }
    if (c < 32) break;
    if (c === 64 /* @ */ && !ch.enc) {
      lastAt = auth.length;
      if (encAt >= 0) encBeforeAt = true;
      encAt = -1;
    } else if (ch.enc) encAt = auth.length;
    if (DOT_LOOKALIKES.has(c)) {
      tricks |= T.HOST_LOOKALIKE;
      c = 46;
    }
    auth += String.fromCodePoint(c);
  }
  const end = i;
  let userinfo = '';
  let hostport = auth;
  if (lastAt >= 0) {
    userinfo = auth.slice(0, lastAt);
    hostport = auth.slice(lastAt + 1);
    if ((userinfo.indexOf('.') >= 0 && userinfo.indexOf(':') < 0) || encBeforeAt || /[/\\]/.test(userinfo)) tricks |= T.USERINFO;
  }
  if (encAt >= 0) tricks |= T.HOST_ENCODED;
  let host = hostport.toLowerCase();
  if (!host.startsWith('[')) {
    const colon = host.indexOf(':');
    if (colon >= 0) {
      if (!/^\d{0,5}$/.test(host.slice(colon + 1))) return null;
      host = host.slice(0, colon);
    }
  }
  if (/[^\x00-\x7f]/.test(host)) {
    const norm = host.normalize('NFKC').toLowerCase();
    if (norm !== host) tricks |= T.HOST_LOOKALIKE;
    host = norm;
  }
  // `\\server\share` is a Windows share path, not a URL
  if (term === 92) {
    if (scheme === '' && !(tricks & ~(T.BACKSLASH | T.MANY_SEPS)) && v.slice(0, start).replace(/\s/g, '') === '\\\\') return null;
    if (scheme !== '' || seps >= 2) tricks |= T.BACKSLASH;
  }
  // an escaped delimiter (`%23`, `%2f`) ends the host for a server that decodes before parsing
  const cut = host.search(/[#?/\\]/);
  if (cut >= 0) host = host.slice(0, cut);
  const hostOk = host.length > 0 && host.length <= 253 && (HOST_NAME.test(host) || HOST_NUM.test(host));
  return { scheme, seps, allSepsEncoded, tricks, host, hostOk, end };
}
