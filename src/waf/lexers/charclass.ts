// The one-pass summary every detector starts from: an OR of character-class flags over the value
// (so a detector whose syntax needs a quote, a paren or a `<` can return at once), and the value's
// lower-cased form. Both are memoised for the value the engine is currently inspecting, since every
// detector looks at the same value in turn.

/** Character-class flags computed in one pass over a value. */
export const F = {
  SQUOTE: 1 << 0,
  DQUOTE: 1 << 1,
  BACKTICK: 1 << 2,
  LT: 1 << 3,
  GT: 1 << 4,
  LPAREN: 1 << 5,
  RPAREN: 1 << 6,
  SEMI: 1 << 7,
  PIPE: 1 << 8,
  AMP: 1 << 9,
  DOLLAR: 1 << 10,
  LBRACE: 1 << 11,
  RBRACE: 1 << 12,
  DOT: 1 << 13,
  SLASH: 1 << 14,
  BSLASH: 1 << 15,
  PERCENT: 1 << 16,
  NEWLINE: 1 << 17,
  HASH: 1 << 18,
  STAR: 1 << 19,
  EQ: 1 << 20,
  COLON: 1 << 21,
  DIGIT: 1 << 22,
  SPACE: 1 << 23,
  DASH: 1 << 24,
  AT: 1 << 25,
  NONASCII: 1 << 26,
  CTRL: 1 << 27,
  BRACKET: 1 << 28,
  EXCL: 1 << 29,
  COMMA: 1 << 30,
} as const;

const TABLE = new Int32Array(128);
(() => {
  const set = (chars: string, flag: number): void => {
    for (let i = 0; i < chars.length; i++) TABLE[chars.charCodeAt(i)] |= flag;
  };
  for (let c = 0; c < 32; c++) TABLE[c] |= F.CTRL;
  TABLE[127] |= F.CTRL;
  TABLE[9] = F.SPACE;
  TABLE[10] = F.NEWLINE;
  TABLE[13] = F.NEWLINE;
  set("'", F.SQUOTE);
  set('"', F.DQUOTE);
  set('`', F.BACKTICK);
  set('<', F.LT);
  set('>', F.GT);
  set('(', F.LPAREN);
  set(')', F.RPAREN);
  set(';', F.SEMI);
  set('|', F.PIPE);
  set('&', F.AMP);
  set('$', F.DOLLAR);
  set('{', F.LBRACE);
  set('}', F.RBRACE);
  set('.', F.DOT);
  set('/', F.SLASH);
  set('\\', F.BSLASH);
  set('%', F.PERCENT);
  set('#', F.HASH);
  set('*', F.STAR);
  set('=', F.EQ);
  set(':', F.COLON);
  set('0123456789', F.DIGIT);
  set(' +', F.SPACE);
  set('-', F.DASH);
  set('@', F.AT);
  set('[]', F.BRACKET);
  set('!', F.EXCL);
  set(',', F.COMMA);
})();

let lastValue: string | null = null;
let lastFlags = 0;

/** OR of the character-class flags of every character of `s` (memoised for the last value). */
export function charFlags(s: string): number {
  if (s === lastValue) return lastFlags;
  let f = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    f |= c < 128 ? TABLE[c]! : F.NONASCII;
  }
  lastValue = s;
  lastFlags = f;
  return f;
}

let lowerIn: string | null = null;
let lowerOut = '';

/**
 * `s.toLowerCase()`, memoised for the last value: several detectors look at the lower-cased form of
 * the same value in turn, and a 16 Ki-char window is worth lower-casing once, not five times.
 */
export function lowerOf(s: string): string {
  if (s === lowerIn) return lowerOut;
  lowerOut = s.toLowerCase();
  lowerIn = s;
  return lowerOut;
}

export function isAlpha(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}
export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
export function isAlnum(c: number): boolean {
  return isAlpha(c) || isDigit(c);
}
export function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0xfeff;
}
export function isHex(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}
/** The value of a hex digit, or -1. */
export function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}
