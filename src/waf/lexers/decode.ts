// The light decoders detectors apply when a decoding reveals a payload: HTML character references,
// JavaScript escapes, percent-encoding (once or repeatedly). The two-round forms are memoised for the
// last input, since several detectors decode the same value.
import { hexVal, isAlnum, isDigit, isHex } from './charclass.js';

const NAMED_ENTITIES: Record<string, string> = {
  lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", nbsp: ' ', colon: ':', lpar: '(', rpar: ')',
  tab: '\t', newline: '\n', equals: '=', sol: '/', bsol: '\\', lsqb: '[', rsqb: ']', lbrack: '[',
  rbrack: ']', lcub: '{', rcub: '}', lbrace: '{', rbrace: '}', period: '.', comma: ',', excl: '!',
  num: '#', dollar: '$', percnt: '%', plus: '+', ast: '*', semi: ';', grave: '`', quest: '?',
  commat: '@', hyphen: '-', dash: '-', lowbar: '_', verbar: '|', vert: '|', circ: '^', tilde: '~',
  Tab: '\t', NewLine: '\n', lsquo: "'", rsquo: "'", ldquo: '"', rdquo: '"',
};
const LEGACY_PREFIXES = ['quot', 'amp', 'nbsp', 'lt', 'gt'];
const LEGACY_FIRST = new Set([113, 97, 110, 108, 103]);
/** Entities browsers accept without the trailing semicolon. */
const LEGACY_NO_SEMI = new Set(['lt', 'gt', 'amp', 'quot', 'nbsp', 'LT', 'GT', 'AMP', 'QUOT']);

/**
 * Decode HTML character references the way a lenient browser does: numeric references with any
 * number of leading zeros and an optional `;`, and the common named ones (case-insensitively).
 * Applied repeatedly (up to `rounds`) so `&amp;lt;` also decodes.
 */
let entIn: string | null = null;
let entOut = '';
export function decodeEntities(s: string, rounds = 2): string {
  if (s === entIn && rounds === 2) return entOut;
  const r = decodeEntitiesN(s, rounds);
  if (rounds === 2) {
    entIn = s;
    entOut = r;
  }
  return r;
}

function decodeEntitiesN(s: string, rounds: number): string {
  let cur = s;
  for (let r = 0; r < rounds; r++) {
    if (cur.indexOf('&') < 0) break;
    const next = decodeEntitiesOnce(cur);
    if (next === cur) break;
    cur = next;
  }
  return cur;
}

function decodeEntitiesOnce(s: string): string {
  let out = '';
  let last = 0;
  let i = s.indexOf('&');
  while (i >= 0 && i < s.length) {
    let j = i + 1;
    let rep: string | null = null;
    if (s.charCodeAt(j) === 35 /* # */) {
      j++;
      let code = 0;
      let digits = 0;
      if (s.charCodeAt(j) === 120 || s.charCodeAt(j) === 88) {
        j++;
        while (j < s.length && isHex(s.charCodeAt(j)) && digits < 16) {
          code = code * 16 + hexVal(s.charCodeAt(j));
          j++;
          digits++;
        }
      } else {
        while (j < s.length && isDigit(s.charCodeAt(j)) && digits < 16) {
          code = code * 10 + (s.charCodeAt(j) - 48);
          j++;
          digits++;
        }
      }
      if (digits > 0) {
        // tolerate runs of leading zeros beyond the digit cap
        while (j < s.length && isDigit(s.charCodeAt(j))) j++;
        if (s.charCodeAt(j) === 59) j++;
        rep = code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
      }
    } else {
      let k = j;
      while (k < s.length && k - j < 10 && isAlnum(s.charCodeAt(k))) k++;
      if (k > j) {
        const name = s.slice(j, k);
        const hasSemi = s.charCodeAt(k) === 59;
        let val = NAMED_ENTITIES[name] ?? NAMED_ENTITIES[name.toLowerCase()];
        if (val !== undefined && (hasSemi || LEGACY_NO_SEMI.has(name))) {
          rep = val;
          j = hasSemi ? k + 1 : k;
        } else if (val === undefined && !hasSemi && LEGACY_FIRST.has(name.charCodeAt(0) | 32)) {
          // `&ltfoo` style: the longest legacy prefix
          const lname = name.toLowerCase();
          for (const legacy of LEGACY_PREFIXES) {
            if (lname.startsWith(legacy)) {
              val = NAMED_ENTITIES[legacy]!;
              rep = val;
              j = j + legacy.length;
              break;
            }
          }
        }
      }
    }
    if (rep !== null) {
      out += s.slice(last, i) + rep;
      last = j;
      i = s.indexOf('&', j);
    } else {
      i = s.indexOf('&', i + 1);
    }
  }
  return last === 0 ? s : out + s.slice(last);
}

/** Decode JavaScript / JSON / C-style escapes: \uXXXX, \u{X..}, \xHH, and simple \n \r \t \0. */
let jsIn: string | null = null;
let jsOut = '';
export function decodeJsEscapes(s: string): string {
  if (s === jsIn) return jsOut;
  const r = decodeJsEscapesRaw(s);
  jsIn = s;
  jsOut = r;
  return r;
}

function decodeJsEscapesRaw(s: string): string {
  if (s.indexOf('\\') < 0) return s;
  let out = '';
  let last = 0;
  let i = s.indexOf('\\');
  while (i >= 0 && i < s.length - 1) {
    const c = s.charCodeAt(i + 1);
    let rep: string | null = null;
    let end = i + 2;
    if ((c === 117 || c === 85) /* u U */) {
      if (s.charCodeAt(i + 2) === 123 /* { */) {
        let k = i + 3;
        let code = 0;
        while (k < s.length && isHex(s.charCodeAt(k)) && k - i < 10) code = code * 16 + hexVal(s.charCodeAt(k++));
        if (s.charCodeAt(k) === 125 && k > i + 3 && code <= 0x10ffff) {
          rep = String.fromCodePoint(code);
          end = k + 1;
        }
      } else if (isHex4(s, i + 2)) {
        rep = String.fromCharCode(
          (hexVal(s.charCodeAt(i + 2)) << 12) | (hexVal(s.charCodeAt(i + 3)) << 8) |
            (hexVal(s.charCodeAt(i + 4)) << 4) | hexVal(s.charCodeAt(i + 5)),
        );
        end = i + 6;
      }
    } else if (c === 120 || c === 88) {
      if (isHex(s.charCodeAt(i + 2)) && isHex(s.charCodeAt(i + 3))) {
        rep = String.fromCharCode((hexVal(s.charCodeAt(i + 2)) << 4) | hexVal(s.charCodeAt(i + 3)));
        end = i + 4;
      }
    } else if (c === 110) rep = '\n';
    else if (c === 114) rep = '\r';
    else if (c === 116) rep = '\t';
    else if (c === 48 && !isDigit(s.charCodeAt(i + 2))) rep = '\0';
    if (rep !== null) {
      out += s.slice(last, i) + rep;
      last = end;
      i = s.indexOf('\\', end);
    } else {
      i = s.indexOf('\\', i + 2);
    }
  }
  return last === 0 ? s : out + s.slice(last);
}

function isHex4(s: string, at: number): boolean {
  return (
    at + 3 < s.length &&
    isHex(s.charCodeAt(at)) && isHex(s.charCodeAt(at + 1)) && isHex(s.charCodeAt(at + 2)) && isHex(s.charCodeAt(at + 3))
  );
}

/**
 * One round of lenient percent-decoding: `%XX` byte runs are decoded as UTF-8 when valid, else
 * byte-by-byte as Latin-1; `%uXXXX` (IIS) is decoded too. Never throws.
 */
export function percentDecode(s: string): string {
  let i = s.indexOf('%');
  if (i < 0) return s;
  let out = '';
  let last = 0;
  const n = s.length;
  while (i >= 0 && i < n) {
    if ((s.charCodeAt(i + 1) === 117 || s.charCodeAt(i + 1) === 85) && isHex4(s, i + 2)) {
      out += s.slice(last, i) + String.fromCharCode(parseInt(s.slice(i + 2, i + 6), 16));
      last = i + 6;
      i = s.indexOf('%', last);
      continue;
    }
    if (i + 2 < n && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) {
      out += s.slice(last, i);
      const bytes: number[] = [];
      while (i + 2 < n && s.charCodeAt(i) === 37 && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) {
        bytes.push((hexVal(s.charCodeAt(i + 1)) << 4) | hexVal(s.charCodeAt(i + 2)));
        i += 3;
      }
      out += decodeBytes(bytes);
      last = i;
      i = s.indexOf('%', last);
      continue;
    }
    i = s.indexOf('%', i + 1);
  }
  return last === 0 ? s : out + s.slice(last);
}

/** UTF-8 decode where valid; invalid sequences are kept as Latin-1 characters (so overlong forms survive). */
function decodeBytes(bytes: number[]): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    let need = 0;
    let cp = 0;
    if (b >= 0xc2 && b <= 0xdf) { need = 1; cp = b & 0x1f; }
    else if (b >= 0xe0 && b <= 0xef) { need = 2; cp = b & 0x0f; }
    else if (b >= 0xf0 && b <= 0xf4) { need = 3; cp = b & 0x07; }
    let ok = need > 0 && i + need < bytes.length;
    if (ok) {
      for (let k = 1; k <= need; k++) {
        const nb = bytes[i + k];
        if (nb === undefined || (nb & 0xc0) !== 0x80) { ok = false; break; }
        cp = (cp << 6) | (nb & 0x3f);
      }
    }
    if (ok && ((need === 2 && cp < 0x800) || (need === 3 && (cp < 0x10000 || cp > 0x10ffff)))) ok = false;
    if (ok) {
      out += String.fromCodePoint(cp);
      i += need + 1;
    } else {
      out += String.fromCharCode(b);
      i++;
    }
  }
  return out;
}

/** Percent-decode repeatedly (double / triple encoding), up to `rounds` rounds. */
let pctIn: string | null = null;
let pctRounds = 0;
let pctOut = '';
export function percentDecodeDeep(s: string, rounds = 3): string {
  if (s === pctIn && rounds === pctRounds) return pctOut;
  const r = percentDecodeDeepRaw(s, rounds);
  pctIn = s;
  pctRounds = rounds;
  pctOut = r;
  return r;
}

function percentDecodeDeepRaw(s: string, rounds: number): string {
  let cur = s;
  for (let r = 0; r < rounds; r++) {
    if (cur.indexOf('%') < 0) break;
    const next = percentDecode(cur);
    if (next === cur) break;
    cur = next;
  }
  return cur;
}
