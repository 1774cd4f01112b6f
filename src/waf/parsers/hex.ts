// Hex-encoded text: "0x3c7363726970743e", "3c7363726970743e", "\x3c..." is htmljs's. Decoded only when
// long enough and the result is plausible text (hashes and ids decode to binary and are left alone).
import { decodeUtf8Lenient, isPlausibleText } from './text.js';

export function decodeHex(s: string, minLen = 8): string | null {
  let start = 0;
  const n = s.length;
  if (n >= 2 && s.charCodeAt(0) === 48 && (s.charCodeAt(1) | 0x20) === 0x78) start = 2;
  const len = n - start;
  if (len < minLen || len % 2 !== 0) return null;
  let letters = false, off = 0;
  for (let i = start; i < n; i++) {
    const c = s.charCodeAt(i);
    // ASCII text has a high nibble of 2..7: bail out early on anything else (hashes, "AAAA" runs).
    if (((i - start) & 1) === 0 && !(c >= 50 && c <= 55) && ++off > 1 && off * 8 > (i - start) / 2) return null;
    if (c >= 48 && c <= 57) continue;
    const l = c | 0x20;
    if (l >= 97 && l <= 102) { letters = true; continue; }
    return null;
  }
  if (!letters && start === 0) return null; // a plain number
  const text = decodeUtf8Lenient(Buffer.from(s.slice(start), 'hex'));
  return isPlausibleText(text, 4) ? text : null;
}
