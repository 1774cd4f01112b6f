// Base64 (standard, URL-safe, unpadded "flat", MIME line-wrapped, '+' turned into ' ' by a form
// decoder). Decoding ordinary tokens as base64 is a classic false-positive source, so a value is only
// decoded when it is entirely in the alphabet and the result is plausible text (or a gzip stream).
import { decodeUtf8Lenient, isPlausibleText } from './text.js';

export interface Base64Result {
  bytes: Buffer;
  /** Decoded text when plausible, else null. */
  text: string | null;
}

function isB64Char(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47 || c === 45 || c === 95;
}

/**
 * Cheap shape test: only alphabet chars (+ '=' padding, spaces standing for '+', MIME line breaks),
 * and quads that can encode text: the first char of each quad carries the top 6 bits of a byte, which
 * for ASCII text is 'I'..'Z' or 'a'..'f' ('C'/'D' for tab/CR/LF; UTF-8 bytes land elsewhere, hence a
 * 1-in-8 tolerance). Ordinary words and long runs like "AAAA" fail before any decoding. gzip ("H4sI")
 * passes.
 */
export function looksBase64(s: string, minLen = 4): boolean {
  const n = s.length;
  if (n < minLen) return false;
  let data = 0, pad = 0, hexOnly = true, digitsOnly = true, lower = 0, upper = 0, quads = 0, off = 0;
  const gz = s.startsWith('H4sI');
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 61) { pad++; continue; }
    if (pad > 0) { if (c === 13 || c === 10) continue; return false; }
    if (c === 13 || c === 10) continue;
    if ((data & 3) === 0 && !gz) {
      // First char of a quad (see above). Bail out early on long non-text runs.
      quads++;
      if (!((c >= 73 && c <= 90) || (c >= 97 && c <= 102) || c === 67 || c === 68) && ++off > 2 && off * 8 > quads) return false;
    }
    if (c === 32) { data++; continue; } // a '+' that a form/query decoder turned into a space
    if (!isB64Char(c)) return false;
    data++;
    if (c >= 48 && c <= 57) continue;
    digitsOnly = false;
    if (!((c >= 97 && c <= 102) || (c >= 65 && c <= 70))) hexOnly = false;
    if (c >= 97 && c <= 122) lower++;
    else if (c >= 65 && c <= 90) upper++;
  }
  if (pad > 2 || data < minLen || data % 4 === 1) return false;
  if (digitsOnly) return false; // numbers
  if (hexOnly && data % 2 === 0 && data >= 16) return false; // hashes/ids are hex, handled by the hex decoder
  if (lower === 0 && upper === 0) return false;
  return gz || off * 8 <= quads;
}

/**
 * Decode `s` when it looks like base64. With `needBytes` false the caller only wants plausible text
 * (or a gzip stream), and a short value that cannot decode to it is turned down without a Buffer.
 */
export function decodeBase64(s: string, minLen = 4, needBytes = true): Base64Result | null {
  if (!looksBase64(s, minLen)) return null;
  let t = s;
  if (t.indexOf('\n') >= 0 || t.indexOf('\r') >= 0) t = t.replace(/[\r\n]+/g, '');
  if (t.indexOf(' ') >= 0) {
    // A form/query decoder turned '+' into ' ': only when spaces sit between alphabet chars.
    if (/^ |  /.test(t)) return null;
    t = t.replace(/ /g, '+');
  }
  if (!needBytes && t.length <= 20 && !t.startsWith('H4sI') && !smallPrintable(t)) return null;
  const bytes = Buffer.from(t, 'base64');
  if (bytes.length === 0) return null;
  if (bytes.length >= 3 && bytes[0] === 0x1f && bytes[1] === 0x8b && bytes[2] === 0x08) return { bytes, text: null };
  const text = decodeUtf8Lenient(bytes);
  return { bytes, text: isPlausibleText(text, 3) ? text : null };
}

const B64VAL = new Int8Array(128).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split('').forEach((c, i) => (B64VAL[c.charCodeAt(0)] = i));
B64VAL[45] = 62; // '-' (url-safe)
B64VAL[95] = 63; // '_'

/**
 * Does base64 `t` (at most 20 chars: at most 15 bytes) decode to printable ASCII (tab, CR, LF
 * allowed) and at least one byte? Plausible text under 16 characters is exactly that
 * (isPlausibleText), so `false` means decodeBase64 would find no text. Decodes as Buffer.from does:
 * up to the first '=', whole bytes only.
 */
function smallPrintable(t: string): boolean {
  let acc = 0;
  let bits = 0;
  let bytes = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 61) break;
    const v = c < 128 ? B64VAL[c]! : -1;
    if (v < 0) continue;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      const b = (acc >> bits) & 0xff;
      if (!((b >= 0x20 && b <= 0x7e) || b === 9 || b === 10 || b === 13)) return false;
      bytes++;
    }
  }
  return bytes > 0;
}
