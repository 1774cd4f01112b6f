// EBCDIC (IBM037 / 500 / 1047 family) bodies: a known WAF bypass, since Java and .NET stacks honour
// `charset=ibm037` on form and XML bodies while most WAFs read the bytes as ASCII. Only the characters
// that matter for detection are mapped (letters, digits, punctuation, whitespace); the family members
// differ in a few brackets, which are all accepted here. Unmapped bytes become U+FFFD.

const TABLE: string[] = new Array<string>(256).fill('\ufffd');
function set(start: number, chars: string): void { for (let i = 0; i < chars.length; i++) TABLE[start + i] = chars[i]!; }
set(0x40, ' ');
set(0x4a, '¢.<(+|&');
set(0x5a, '!$*);¬-/');
set(0x6a, '¦,%_>?');
set(0x79, '`:#@\'="');
set(0x81, 'abcdefghi');
set(0x91, 'jklmnopqr');
set(0xa1, '~stuvwxyz');
set(0xc0, '{ABCDEFGHI');
set(0xd0, '}JKLMNOPQR');
set(0xe0, '\\');
set(0xe2, 'STUVWXYZ');
set(0xf0, '0123456789');
TABLE[0x05] = '\t'; TABLE[0x0d] = '\r'; TABLE[0x15] = '\n'; TABLE[0x25] = '\n'; TABLE[0x00] = '\u0000';
TABLE[0xb0] = '^'; TABLE[0xba] = '['; TABLE[0xbb] = ']'; TABLE[0xad] = '['; TABLE[0xbd] = ']'; TABLE[0x5f] = '^';


const NAMES = /^(?:ibm-?0?37|cp-?0?37|ebcdic-cp-(?:us|ca|nl|wt)|ibm-?500|cp-?500|ebcdic-cp-(?:be|ch)|ibm-?1047|cp-?1047|ibm-?0?1140|cp-?0?1140|ibm-?273|ibm-?277|ibm-?278|ibm-?280|ibm-?284|ibm-?285|ibm-?297|ibm-?871)$/i;

export function isEbcdicName(name: string): boolean {
  return NAMES.test(name.trim());
}

/** "<?xml" in EBCDIC: 4C 6F A7 94 93. */
export function looksEbcdicXml(b: Uint8Array): boolean {
  return b.length >= 5 && b[0] === 0x4c && b[1] === 0x6f && b[2] === 0xa7 && b[3] === 0x94 && b[4] === 0x93;
}

export function decodeEbcdic(b: Uint8Array): string {
  let out = '';
  const parts: string[] = [];
  for (let i = 0; i < b.length; i++) {
    out += TABLE[b[i]!];
    if (out.length >= 8192) { parts.push(out); out = ''; }
  }
  parts.push(out);
  return parts.join('');
}
