// Value decoders: what the engine tries on every value it inspects, recursively within the depth
// budget. Structural sniffing (a JSON or XML document, a JWT, a GraphQL query inside a string), then
// text decodings: percent (double encoding), htmljs (HTML entities, JS escapes), base64 (only when the
// result is plausible text: mis-decoded tokens are a false-positive source), hex, UTF-7, data: URIs,
// gzip inside base64, fullwidth Unicode forms (NFKC, tag "unicode"), and UTF-16 text read as 8-bit
// characters (NULs between the letters, tag "utf16"). Each decoding adds its tag.
import type { Point, PointPart } from '../types.js';
import { decodeBase64 } from './base64.js';
import { looksGraphql, parseGraphql } from './graphql.js';
import { inflateValue, isGzipMagic } from './gzip.js';
import { decodeHex } from './hex.js';
import { decodeHtmlJs } from './htmljs.js';
import { looksJson, parseJson } from './json.js';
import { looksJwt, parseJwt } from './jwt.js';
import { hasPercentEscape, percentDecode } from './percent.js';
import { VALUE_NO_STRUCT, type Sink } from './sink.js';
import { decodeUtf8Lenient, isPlausibleText } from './text.js';
import { decodeUtf7, hasUtf7 } from './utf7.js';
import { F, charFlags } from '../lexers/charclass.js';
import { looksXmlDocument, parseXml } from './xml.js';

function with1(point: Point, part: PointPart): Point {
  const p = point.slice();
  p.push(part);
  return p;
}

/** Characters looksBase64 never accepts ('=' padding, spaces, digits, '/', '-' and CR/LF it does). */
const NOT_BASE64 =
  F.SQUOTE | F.DQUOTE | F.BACKTICK | F.LT | F.GT | F.LPAREN | F.RPAREN | F.SEMI | F.PIPE | F.AMP | F.DOLLAR | F.LBRACE |
  F.RBRACE | F.DOT | F.BSLASH | F.PERCENT | F.HASH | F.STAR | F.COLON | F.AT | F.NONASCII | F.CTRL | F.BRACKET | F.EXCL | F.COMMA;

const FULLWIDTH = /[\uff01-\uff5e\u2024\u2025\ufe60-\ufe6b]/;

const GQL_KEYS = new Set(['query', 'mutation', 'q', 'gql', 'graphql']);

function isGraphqlSlot(point: Point): boolean {
  const last = point[point.length - 1];
  if (!last || last.length < 2) return false;
  const tag = last[0];
  const key = last[1];
  // no key in GQL_KEYS is longer than 8: skip lower-casing every other key
  if (typeof key !== 'string' || key.length > 8) return false;
  return (tag === 'hash' || tag === 'get' || tag === 'form_urlencoded' || tag === 'multipart') && GQL_KEYS.has(key.toLowerCase());
}

/** A NUL, or the U+FFFD an XML serializer puts in its place (NUL is not allowed in XML text). */
function isNulByte(c: number): boolean {
  return c === 0 || c === 0xfffd;
}

/** The text of NUL-interleaved UTF-16 code units (either byte order), or null when `s` is not that. */
function nulInterleaved(s: string): string | null {
  // the NULs may sit on either side, and a trimmed value may have lost its first or last one
  const off = isNulByte(s.charCodeAt(0)) ? 1 : 0;
  for (let i = off; i < off + 8; i += 2) {
    const c = s.charCodeAt(i);
    if (c === 0 || c > 0x7e || !isNulByte(s.charCodeAt(i + 1))) return null;
  }
  const units = new Uint16Array((s.length - off + 1) >> 1);
  for (let i = off, u = 0; i < s.length; i += 2, u++) {
    const lo = s.charCodeAt(i);
    let hi = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
    if (hi === 0xfffd) hi = 0;
    if (lo > 0xff || hi > 0xff) return null;
    units[u] = lo | (hi << 8);
  }
  return Buffer.from(units.buffer, units.byteOffset, units.byteLength).toString('utf16le');
}

export function expandValue(point: Point, value: string, depth: number, flags: number, sink: Sink): void {
  const n = value.length;
  if (n < 3) return;
  if ((flags & VALUE_NO_STRUCT) === 0) {
    let i = 0;
    while (i < n && value.charCodeAt(i) <= 32) i++;
    const c = value.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) {
      if (isGraphqlSlot(point) && c === 0x7b && !/^\{\s*"/.test(value.slice(i, i + 16))) { parseGraphql(value, point, depth, sink); return; }
      if (looksJson(value)) {
        const r = parseJson(value, point, depth, sink);
        if (r.ok && !r.error) return;
      }
    } else if (c === 0x3c) {
      if (looksXmlDocument(value)) {
        const r = parseXml(value, point, depth, sink);
        if (r.ok && !r.error) return;
      }
    } else if (c === 0x65 || c === 0x42 || c === 0x62) { // "ey..." or "Bearer ey..."
      if (looksJwt(value) && parseJwt(value, point, depth, sink)) return;
    }
    if (isGraphqlSlot(point) && looksGraphql(value)) parseGraphql(value, point, depth, sink);
  }
  if (sink.stopped()) return;
  const d = depth + 1;
  // the character classes settle most decoders: no `%`, no percent-decoding; a character outside the
  // base64 alphabet, no base64; anything but hex digits, no hex
  const cf = charFlags(value);
  if (cf & F.PERCENT && hasPercentEscape(value)) {
    const dec = percentDecode(value, false);
    if (dec !== value) sink.value(with1(point, ['percent']), dec, d);
  }
  if (cf & (F.AMP | F.BSLASH)) {
    const dec = decodeHtmlJs(value);
    if (dec !== value) sink.value(with1(point, ['htmljs']), dec, d);
  }
  if (n >= 4 && n <= 4 * 1024 * 1024) {
    const b = cf & NOT_BASE64 ? null : decodeBase64(value, 4, false);
    if (b !== null) {
      if (b.text !== null) sink.value(with1(point, ['base64']), b.text, d);
      else if (isGzipMagic(b.bytes)) {
        const z = inflateValue(b.bytes, with1(point, ['base64']), sink);
        if (z !== null) {
          const t = decodeUtf8Lenient(z);
          if (isPlausibleText(t, 1)) sink.value([...point, ['base64'], ['gzip']], t, d + 1);
        }
      }
    } else {
      // data: URIs and "prefix:base64" tokens: decode the base64 tail.
      const m = /^data:[\w.+\/-]*(?:;[\w-]+=[^;,]*)*;base64,([A-Za-z0-9+/_ -]+=*)$/i.exec(value);
      if (m) {
        const t = decodeBase64(m[1]!, 4);
        if (t !== null && t.text !== null) sink.value(with1(point, ['base64']), t.text, d);
      }
    }
  }
  if (n >= 8 && !(cf & ~F.DIGIT)) {
    const h = decodeHex(value, 8);
    if (h !== null) sink.value(with1(point, ['hex']), h, d);
  }
  // Fullwidth forms (＜script＞): servers with best-fit/NFKC mapping turn them into ASCII.
  if (cf & F.NONASCII && FULLWIDTH.test(value)) {
    const dec = value.normalize('NFKC');
    if (dec !== value) sink.value(with1(point, ['unicode']), dec, d);
  }
  // UTF-16 bytes read as 8-bit characters (`<\0?\0x\0m\0l\0`): a document in a field that was
  // decoded with the wrong charset; the application that reads it right sees the markup.
  if (cf & (F.CTRL | F.NONASCII) && n >= 8) {
    const dec = nulInterleaved(value);
    if (dec !== null) sink.value(with1(point, ['utf16']), dec, d);
  }
  if (hasUtf7(value)) {
    const dec = decodeUtf7(value);
    if (dec !== value) sink.value(with1(point, ['utf7']), dec, d);
  }
}
