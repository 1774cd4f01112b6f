/**
 * Server-side includes (and Edge-side includes).
 *
 * An SSI directive is an HTML comment whose body starts with `#` and a directive name:
 * `<!--#exec cmd="..." -->`, `<!--#include virtual="..." -->`, `<!--#echo var=... -->`, `#config`,
 * `#set`, `#printenv`, `#fsize`, `#flastmod`, `#if`. ESI tags (`<esi:include src=...>`,
 * `<esi:vars>`) are the edge-cache equivalent. Ordinary HTML comments pass.
 */
import type { Detector, DetectorMatch, DetectContext } from '../types.js';
import { F, charFlags, excerpt } from '../lexers/text.js';

const DIRECTIVES = new Set(['exec', 'include', 'echo', 'config', 'set', 'printenv', 'fsize', 'flastmod', 'if', 'elif', 'else', 'endif']);

export const ssi: Detector = {
  type: 'ssi',
  description: 'SSI/ESI injection: <!--#directive ...--> and <esi:...> tags',
  detect(value: string, _ctx: DetectContext): DetectorMatch | null {
    if (value.length < 6) return null;
    const flags = charFlags(value);
    if (!(flags & F.LT)) return null;
    let i = value.indexOf('<!--');
    while (i >= 0) {
      let j = i + 4;
      while (j < value.length && (value.charCodeAt(j) === 32 || value.charCodeAt(j) === 9)) j++;
      if (value.charCodeAt(j) === 35 /* # */) {
        let k = j + 1;
        while (k < value.length && /[a-z]/i.test(value[k]!)) k++;
        const name = value.slice(j + 1, k).toLowerCase();
        if (DIRECTIVES.has(name)) return { stamp: `ssi:${name === 'exec' ? 'exec' : 'directive'}`, payload: excerpt(value, i, k + 40) };
      }
      i = value.indexOf('<!--', i + 4);
    }
    const esi = /<esi:(?:include|inline|vars|eval|choose|try|debug|assign)\b/i.exec(value);
    if (esi) return { stamp: 'ssi:esi', payload: excerpt(value, esi.index, esi.index + 60) };
    return null;
  },
};
