// Byte/text helpers shared by the parsers: lenient UTF-8 (overlong forms folded to their code point,
// stray bytes kept as Latin-1 so nothing an attacker sent is lost), printable-text checks.
import { isAscii, isUtf8 } from 'node:buffer';

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Decode bytes as UTF-8; invalid sequences become Latin-1 chars, overlong forms (%c0%af) their code point. */
export function decodeUtf8Lenient(bytes: Uint8Array): string {
  const n = bytes.length;
  // native checks: a JS loop over bytes that arrive as Buffer or Uint8Array is a megamorphic element
  // load, some 50 ns a byte
  if (isAscii(bytes)) return latin1(bytes);
  if (isUtf8(bytes)) return utf8.decode(bytes);
  // Slow path: code units into a Uint16Array, then one string conversion.
  const units = new Uint16Array(n);
  let u = 0;
  for (let i = 0; i < n; ) {
    const b = bytes[i]!;
    if (b < 0x80) { units[u++] = b; i++; continue; }
    let need = 0, cp = 0;
    if (b >= 0xc0 && b <= 0xdf) { need = 1; cp = b & 0x1f; }
    else if (b >= 0xe0 && b <= 0xef) { need = 2; cp = b & 0x0f; }
    else if (b >= 0xf0 && b <= 0xf7) { need = 3; cp = b & 0x07; }
    let ok = need > 0 && i + need < n;
    if (ok) {
      for (let k = 1; k <= need; k++) {
        const c = bytes[i + k]!;
        if ((c & 0xc0) !== 0x80) { ok = false; break; }
        cp = (cp << 6) | (c & 0x3f);
      }
    }
    if (ok && cp <= 0x10ffff) {
      // Overlong forms (C0 AF for '/') fold to their code point on purpose: servers that accept them do.
      if (cp > 0xffff) { cp -= 0x10000; units[u++] = 0xd800 + (cp >> 10); units[u++] = 0xdc00 + (cp & 0x3ff); }
      else units[u++] = cp;
      i += need + 1;
    } else { units[u++] = b; i++; }
  }
  return Buffer.from(units.buffer, 0, u * 2).toString('utf16le');
}

export function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

export function latin1Bytes(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

/** Re-read a binary (Latin-1) string as UTF-8 text. */
export function binaryToText(s: string): string {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return decodeUtf8Lenient(latin1Bytes(s));
  return s;
}

/**
 * Plausible text: what a decoded payload looks like, as opposed to random bytes from mis-decoding an
 * ordinary token as base64/hex: printable ASCII (tab/CR/LF allowed) with a letter or digit; or, from 16
 * characters on, at most 1 in 20 other characters and a quarter letters/digits.
 */
export function isPlausibleText(s: string, minLen = 3): boolean {
  const n = s.length;
  if (n < minLen) return false;
  let bad = 0, letters = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20) { if (c !== 9 && c !== 10 && c !== 13) bad++; } // a stray NUL (<scr\0ipt>) is an evasion, not noise
    else if (c === 0x7f || (c >= 0x80 && c < 0xa0) || c === 0xfffd) bad++;
    else if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)) letters++;
    else if (c >= 0x80) bad++; // non-ASCII in decoded payloads is rare; count it against plausibility
  }
  // All printable ASCII is text whatever its share of letters (`;/???/??t /???/p??s??`): random bytes
  // from a mis-decoded token are that only by a chance of about (98/256)^n.
  if (bad === 0) return letters > 0;
  return n >= 16 && bad * 20 <= n && letters * 4 >= n;
}

/** True when s has bytes that are clearly binary (NUL or many C0 controls). */
export function looksBinary(s: string, sample = 4096): boolean {
  const n = Math.min(s.length, sample);
  let ctl = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return true;
    if (c < 0x20 && c !== 9 && c !== 10 && c !== 13) ctl++;
  }
  return ctl * 10 > n;
}

/** Trimmed view bounds without allocating. */
export function firstNonSpace(s: string, from = 0): number {
  let i = from;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13 && c !== 0xfeff) break;
    i++;
  }
  return i;
}
export function lastNonSpace(s: string): number {
  let i = s.length - 1;
  while (i >= 0) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
    i--;
  }
  return i;
}
