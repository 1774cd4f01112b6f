// The pieces of Kong's hmac-auth access.lua that do not touch the request: parsing the
// Authorization value, nginx's HTTP date parser, and the HMAC itself.
import crypto from 'node:crypto';

export interface HmacParams {
  username?: string;
  algorithm?: string;
  headers?: string[];
  signature?: string;
}

// Kong's ngx.re.gmatch pattern: unanchored, greedy, so any prefix before `hmac` is tolerated.
const HMAC_RE = /\s*[Hh]mac\s*username="(.+)",\s*algorithm="(.+)",\s*headers="(.+)",\s*signature="(.+)"/;

export function parseAuthorization(value: string | undefined): HmacParams {
  if (value === undefined) return {};
  const m = HMAC_RE.exec(value);
  if (!m) return {};
  return { username: m[1]!, algorithm: m[2]!, headers: m[3]!.split(' '), signature: m[4]! };
}

const DIGESTS: Record<string, string> = {
  'hmac-sha1': 'sha1',
  'hmac-sha256': 'sha256',
  'hmac-sha384': 'sha384',
  'hmac-sha512': 'sha512',
};

export function hmac(algorithm: string, secret: string, data: string): Buffer | undefined {
  const digest = DIGESTS[algorithm];
  return digest ? crypto.createHmac(digest, secret).update(data).digest() : undefined;
}

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/** ngx.decode_base64: undefined for input that is not base64. */
export function decodeBase64(s: string): Buffer | undefined {
  if (!BASE64_RE.test(s) || s.length % 4 === 1) return undefined;
  return Buffer.from(s, 'base64');
}

export function sameBytes(a: Buffer | undefined, b: Buffer | undefined): boolean {
  return a !== undefined && b !== undefined && a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** `SHA-256=<base64>` of a body, the Digest header value validate_request_body expects. */
export function bodyDigest(body: Buffer): string {
  return 'SHA-256=' + crypto.createHash('sha256').update(body).digest('base64');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const RFC1123 = /^[A-Za-z]+, (\d\d) ([A-Za-z]{3}) (\d{4}) (\d\d):(\d\d):(\d\d)/;
const RFC850 = /^[A-Za-z]+, (\d\d)-([A-Za-z]{3})-(\d\d) (\d\d):(\d\d):(\d\d)/;
const ASCTIME = /^[A-Za-z]+ ([A-Za-z]{3}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4})/;

/** ngx.parse_http_time: seconds since the epoch for RFC 1123, RFC 850 and asctime dates, else undefined. */
export function parseHttpTime(value: string): number | undefined {
  let day: number, mon: string, year: number, h: number, mi: number, s: number;
  let m = RFC1123.exec(value);
  if (m) [day, mon, year, h, mi, s] = [Number(m[1]), m[2]!, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])];
  else if ((m = RFC850.exec(value))) {
    const yy = Number(m[3]);
    [day, mon, year, h, mi, s] = [Number(m[1]), m[2]!, yy + (yy < 70 ? 2000 : 1900), Number(m[4]), Number(m[5]), Number(m[6])];
  } else if ((m = ASCTIME.exec(value))) [mon, day, h, mi, s, year] = [m[1]!, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])];
  else return undefined;
  const month = MONTHS.indexOf(mon);
  if (month < 0 || year < 1970 || h > 23 || mi > 59 || s > 59 || day < 1) return undefined;
  const daysInMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  if (day > daysInMonth) return undefined;
  return Date.UTC(year, month, day, h, mi, s) / 1000;
}
