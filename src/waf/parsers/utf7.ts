// UTF-7 (RFC 2152) shifted sequences, "+ADw-script+AD4-": old IE and some XML/mail stacks decode
// them, so "<" can arrive as "+ADw-". Only the shifted runs are decoded; the rest is kept.

const SHIFT_RE = /\+(A[A-Za-z0-9+/]{2,})-?/g;

export function hasUtf7(s: string): boolean {
  if (s.indexOf('+') < 0) return false;
  SHIFT_RE.lastIndex = 0;
  return SHIFT_RE.test(s);
}

export function decodeUtf7(s: string): string {
  if (s.indexOf('+') < 0) return s;
  return s.replace(SHIFT_RE, (m, b64: string) => {
    const bytes = Buffer.from(b64, 'base64');
    if (bytes.length < 2) return m;
    let out = '';
    for (let i = 0; i + 1 < bytes.length; i += 2) {
      const cu = (bytes[i]! << 8) | bytes[i + 1]!;
      // Shifted runs must decode to characters; controls mean it was not UTF-7.
      if (cu < 0x20 && cu !== 9 && cu !== 10 && cu !== 13) return m;
      out += String.fromCharCode(cu);
    }
    return out;
  }).replace(/\+-/g, '+');
}
