// The encoding of an XML body: BOM and declaration sniffing (UTF-8/16/32, EBCDIC, 8-bit charsets,
// UTF-7), decoding to text, and whether the bytes contradict the declared or header charset
// (invalid_xml).
import { decodeEbcdic, isEbcdicName, looksEbcdicXml } from './ebcdic.js';
import { decodeUtf7 } from './utf7.js';
import { decodeUtf8Lenient, latin1 } from './text.js';

const UTF16 = /^(?:utf-?16(?:le|be)?|ucs-?2|unicode|iso-10646-ucs-2)$/;
const UTF32 = /^(?:utf-?32(?:le|be)?|ucs-?4|iso-10646-ucs-4)$/;
const EBCDIC = /^(?:ibm-?0?37|cp-?0?37|ebcdic.*|ibm-?500|cp-?500|ibm-?1047|cp-?1047|ibm-?1140|cp-?1140|ibm-?273|ibm-?277|ibm-?278|ibm-?280|ibm-?284|ibm-?285|ibm-?297|ibm-?871)$/;
const EIGHT_BIT = /^(?:utf-?8|us-ascii|ascii|iso-?8859-\d+|latin-?1|windows-125\d|cp125\d|koi8-[ru]|shift_jis|euc-jp|euc-kr|gb2312|gbk|gb18030|big5)$/;

export interface XmlBytes {
  text: string;
  /** Encoding the bytes are in: 'utf-8' (any ASCII-compatible), 'utf-16le', 'utf-16be', 'ebcdic'. */
  actual: string;
  /** Encoding named by the declaration (lower-cased), '' when none. */
  declared: string;
  /** Why the declared encoding contradicts the bytes, or null. */
  mismatch: string | null;
}

function swap16(b: Uint8Array): Buffer {
  const out = Buffer.alloc(b.length & ~1);
  for (let i = 0; i + 1 < b.length; i += 2) { out[i] = b[i + 1]!; out[i + 1] = b[i]!; }
  return out;
}

/** 7-bit printable (or blank) but not NUL: the low byte of an ASCII character in UTF-16. */
function ascii7(b: number | undefined): boolean {
  return b !== undefined && ((b >= 0x20 && b < 0x7f) || b === 9 || b === 10 || b === 13);
}

/**
 * UTF-16 by its bytes: a byte-order mark, or the NUL-interleaved pattern of two ASCII characters
 * (`<\0?\0`, `\0{\0"`); what a body or multipart part without a charset may be in. Null otherwise.
 */
export function sniffUtf16(bytes: Uint8Array): { encoding: 'utf-16le' | 'utf-16be'; bom: number } | null {
  const b0 = bytes[0], b1 = bytes[1], b2 = bytes[2], b3 = bytes[3];
  if (b0 === 0xfe && b1 === 0xff) return { encoding: 'utf-16be', bom: 2 };
  if (b0 === 0xff && b1 === 0xfe && !(b2 === 0 && b3 === 0)) return { encoding: 'utf-16le', bom: 2 };
  if (b0 === 0x00 && ascii7(b1) && b2 === 0x00 && ascii7(b3)) return { encoding: 'utf-16be', bom: 0 };
  if (ascii7(b0) && b1 === 0x00 && ascii7(b2) && b3 === 0x00) return { encoding: 'utf-16le', bom: 0 };
  return null;
}

/** Decode UTF-16 bytes (after any byte-order mark). */
export function decodeUtf16(bytes: Uint8Array, encoding: 'utf-16le' | 'utf-16be'): string {
  if (encoding === 'utf-16be') return swap16(bytes).toString('utf16le');
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength & ~1).toString('utf16le');
}

/** Decode an XML body by its bytes (BOM / NUL pattern), then check the declared encoding agrees. */
export function decodeXmlBytes(bytes: Uint8Array, headerCharset = ''): XmlBytes {
  let actual = 'utf-8', off = 0;
  const b0 = bytes[0], b1 = bytes[1], b2 = bytes[2];
  const u16 = sniffUtf16(bytes);
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) off = 3;
  else if (u16) { actual = u16.encoding; off = u16.bom; }
  else if (looksEbcdicXml(bytes) || (headerCharset && isEbcdicName(headerCharset))) actual = 'ebcdic';
  const body = bytes.subarray(off);
  let text: string;
  if (actual === 'ebcdic') text = decodeEbcdic(body);
  else if (actual === 'utf-16le' || actual === 'utf-16be') text = decodeUtf16(body, actual);
  else text = decodeUtf8Lenient(body);
  const m = /^\s*<\?xml\s[^>]*?encoding\s*=\s*["']([^"']*)["']/i.exec(text.slice(0, 256));
  const declared = m ? m[1]!.trim().toLowerCase() : '';
  let mismatch: string | null = null;
  const check = (name: string, label: string): void => {
    if (!name || mismatch) return;
    if (UTF16.test(name)) { if (actual === 'utf-8') mismatch = `${label} ${name} but the bytes are 8-bit`; }
    else if (UTF32.test(name)) mismatch = `${label} ${name} but the bytes are ${actual}`;
    else if (EBCDIC.test(name)) { if (actual !== 'ebcdic') mismatch = `${label} ${name} (EBCDIC) but the bytes are ${actual}`; }
    else if (EIGHT_BIT.test(name) || name === 'utf-7' || name === 'utf7') { if (actual !== 'utf-8') mismatch = `${label} ${name} but the bytes are ${actual}`; }
  };
  check(declared, 'declaration says');
  check(headerCharset.toLowerCase(), 'Content-Type charset says');
  if (actual === 'utf-8') {
    if (declared === 'utf-7' || declared === 'utf7') text = decodeUtf7(text);
    else if (/^(?:iso-?8859-1|latin-?1|windows-1252|cp1252|us-ascii|ascii)$/.test(declared)) text = latin1(body);
  }
  return { text, actual, declared, mismatch };
}
