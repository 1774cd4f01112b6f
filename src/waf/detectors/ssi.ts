/**
 * Server-side includes (and Edge-side includes).
 *
 * An SSI directive is an HTML comment whose body starts with `#` and a directive name:
 * `<!--#exec cmd="..." -->`, `<!--#include virtual="..." -->`, `<!--#echo var=... -->`, `#config`,
 * `#set`, `#printenv`, `#fsize`, `#flastmod`, `#if`. Ordinary HTML comments pass.
 * ESI is the edge-cache equivalent, and an edge that processes ESI acts on any of it:
 * - any `<esi:name` / `</esi:name` tag (`<esi:include src=...>`, `<esi:vars>`, the `<esi:x/>`
 *   detection probe: the `esi:` prefix is reserved for ESI markup);
 * - the ESI comment `<!--esi ... -->`, whose content the edge processes as ESI;
 * - ESI variables `$(HTTP_COOKIE)`, `$(HTTP_COOKIE{'name'})`, `$(QUERY_STRING{x})`: request data
 *   the edge substitutes into the response (cookie theft, header injection). Only the names ESI
 *   defines: `$(HTTP_PROXY)` is a Makefile variable.
 */
import type { Detector, DetectorMatch, DetectContext } from '../types.js';
import { F, charFlags, excerpt, isAlpha } from '../lexers/text.js';

const DIRECTIVES = new Set(['exec', 'include', 'echo', 'config', 'set', 'printenv', 'fsize', 'flastmod', 'if', 'elif', 'else', 'endif']);

/** ESI variables (the request's headers, cookies and query), optionally with a `{key}` subscript. */
const ESI_VAR = /\$\((?:HTTP_(?:ACCEPT_LANGUAGE|COOKIE|HOST|REFERER|USER_AGENT|AUTHORIZATION|X_[A-Z_]+)|QUERY_STRING|REMOTE_ADDR|REQUEST_(?:METHOD|PATH))(?:\{[^{}()]{0,100}\})?\)/;

function ssiDirective(value: string): DetectorMatch | null {
  let i = value.indexOf('<!--');
  while (i >= 0) {
    let j = i + 4;
    while (j < value.length && (value.charCodeAt(j) === 32 || value.charCodeAt(j) === 9)) j++;
    const c = value.charCodeAt(j);
    if (c === 35 /* # */) {
      let k = j + 1;
      while (k < value.length && isAlpha(value.charCodeAt(k))) k++;
      const name = value.slice(j + 1, k).toLowerCase();
      if (DIRECTIVES.has(name)) return { stamp: `ssi:${name === 'exec' ? 'exec' : 'directive'}`, payload: excerpt(value, i, k + 40) };
    } else if (j === i + 4 && (c === 101 || c === 69) && /^esi[\s<$]/i.test(value.slice(j, j + 4))) {
      // `<!--esi` exactly: a comment that merely starts with the word (`<!-- esi is ... -->`) is prose
      return { stamp: 'ssi:esi', payload: excerpt(value, i, j + 60) };
    }
    i = value.indexOf('<!--', i + 4);
  }
  return null;
}

function esiTag(value: string): number {
  let i = value.indexOf(':');
  while (i >= 3) {
    // `<esi:` or `</esi:` followed by a name
    if (isAlpha(value.charCodeAt(i + 1)) && (value.charCodeAt(i - 3) | 32) === 101 && (value.charCodeAt(i - 2) | 32) === 115 && (value.charCodeAt(i - 1) | 32) === 105) {
      const lt = value.charCodeAt(i - 4) === 60 ? i - 4 : value.charCodeAt(i - 4) === 47 && value.charCodeAt(i - 5) === 60 ? i - 5 : -1;
      if (lt >= 0) return lt;
    }
    i = value.indexOf(':', i + 1);
  }
  return -1;
}

export const ssi: Detector = {
  type: 'ssi',
  description: 'SSI/ESI injection: <!--#directive ...-->, <esi:...> tags, <!--esi ...--> blocks and $(HTTP_...) variables',
  detect(value: string, _ctx: DetectContext): DetectorMatch | null {
    if (value.length < 6) return null;
    const flags = charFlags(value);
    if (flags & F.LT) {
      const d = ssiDirective(value);
      if (d) return d;
      if (flags & F.COLON) {
        const t = esiTag(value);
        if (t >= 0) return { stamp: 'ssi:esi', payload: excerpt(value, t, t + 60) };
      }
    }
    if ((flags & (F.DOLLAR | F.LPAREN)) === (F.DOLLAR | F.LPAREN)) {
      const m = ESI_VAR.exec(value);
      if (m) return { stamp: 'ssi:esi-variable', payload: excerpt(value, m.index, m.index + m[0].length) };
    }
    return null;
  },
};
