/**
 * LDAP filter injection.
 *
 * Tokenizes the value as RFC 4515 filter syntax and flags what a value spliced into
 * `(attr=<value>)` must do to change the query: close the current item and open another
 * (`*)(uid=*`, `admin)(|(password=*`), open a composite filter `(&(`, `(|(`, `(!(` around attribute
 * assertions, or use extensible matching rules (`attr:2.5.13.18:=x`, `:dn:`); or close the filter
 * and cut the rest of the server's filter off with a NUL byte (`*))%00`, `admin)(&)%00`). A lone
 * parenthesised `(a=b)` or a wildcard search term passes.
 */
import type { Detector, DetectorMatch, DetectContext } from '../types.js';
import { F, charFlags, excerpt } from '../lexers/text.js';

function isAttrChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 59 || c === 95;
}
function skipWs(s: string, i: number): number {
  while (i < s.length && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i++;
  return i;
}

/** At i: an attribute assertion `attr=`, `attr~=`, `attr>=`, `attr<=`, `attr:rule:=`? Returns end or -1. */
function assertionAt(s: string, i: number): number {
  let j = i;
  while (j < s.length && isAttrChar(s.charCodeAt(j))) j++;
  if (j === i || j - i > 64) return -1;
  let k = j;
  // extensible: attr:dn:rule:=
  while (s.charCodeAt(k) === 58 /* : */) {
    k++;
    while (k < s.length && isAttrChar(s.charCodeAt(k))) k++;
  }
  const c = s.charCodeAt(k);
  if (c === 61) return k + 1;
  if ((c === 126 || c === 62 || c === 60) && s.charCodeAt(k + 1) === 61) return k + 2;
  return -1;
}

/** At i: `(` [& | !]* `(`? followed by an attribute assertion. */
function filterItemAt(s: string, i: number): { end: number; composite: boolean } | null {
  if (s.charCodeAt(i) !== 40) return null;
  let j = skipWs(s, i + 1);
  let composite = false;
  for (let guard = 0; guard < 8; guard++) {
    const c = s.charCodeAt(j);
    if (c === 38 || c === 124 || c === 33) {
      composite = true;
      j = skipWs(s, j + 1);
      if (s.charCodeAt(j) === 40) j = skipWs(s, j + 1);
      continue;
    }
    break;
  }
  const e = assertionAt(s, j);
  return e < 0 ? null : { end: e, composite };
}

const EXTENSIBLE = /(?<![\w-])[A-Za-z][\w-]{0,63}(?::dn)?:\d+(?:\.\d+)+:=|(?<![\w-])[A-Za-z][\w-]{0,63}:dn:(?:[\w.]{1,64}:)?=|\(\s*:dn:/;

export const ldapi: Detector = {
  type: 'ldapi',
  description: 'LDAP filter injection: closes the filter item and opens new ones, composite filters, extensible matches',
  detect(value: string, _ctx: DetectContext): DetectorMatch | null {
    if (value.length < 4) return null;
    const flags = charFlags(value);
    if (!(flags & (F.EQ | F.RPAREN))) return null;
    // `*))` + NUL: the filter closed, the server's remaining filter text truncated
    if (flags & F.RPAREN && flags & (F.CTRL | F.PERCENT)) {
      const m = /(?:\*|\))\)(?:\0|%00)/.exec(value);
      if (m) return { stamp: 'ldapi:nul-truncation', payload: excerpt(value, m.index - 8, m.index + m[0].length) };
    }
    if (flags & F.LPAREN) {
      let i = value.indexOf('(');
      let guard = 0;
      while (i >= 0 && guard++ < 256) {
        const item = filterItemAt(value, i);
        if (item) {
          // `)(` just before: the value closed an item and opened another
          const b = i - 1;
          const closedBefore = b >= 0 && value.charCodeAt(b) === 41;
          if (item.composite) return { stamp: 'ldapi:composite-filter', payload: excerpt(value, i, item.end + 20) };
          if (closedBefore) return { stamp: 'ldapi:filter-breakout', payload: excerpt(value, b, item.end + 20) };
          // `(attr=x)(attr2=y)`: two adjacent items
          const close = value.indexOf(')', item.end);
          if (close > 0 && close - item.end < 256) {
            const nx = close + 1;
            if (value.charCodeAt(nx) === 40 && filterItemAt(value, nx)) return { stamp: 'ldapi:filter-breakout', payload: excerpt(value, i, nx + 20) };
          }
        }
        i = value.indexOf('(', i + 1);
      }
    }
    // `)(&)`, `)(|`: close the item and open an absolute-true/false or composite filter
    if (flags & F.RPAREN) {
      const m = /\)\s*\(\s*[&|!]\s*(?:\)|\(|$)|\(\s*[&|]\s*\)/.exec(value);
      if (m) return { stamp: 'ldapi:filter-breakout', payload: excerpt(value, m.index, m.index + m[0].length + 20) };
    }
    if (flags & F.COLON) {
      const m = EXTENSIBLE.exec(value);
      if (m) return { stamp: 'ldapi:extensible-match', payload: excerpt(value, m.index, m.index + m[0].length + 10) };
    }
    return null;
  },
};
