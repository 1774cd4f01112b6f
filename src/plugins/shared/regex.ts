// PCRE patterns (what Kong's configs hold: ngx.re) compiled to JavaScript RegExps. The common subset is
// identical; a leading inline (?i) becomes the i flag. Anything JavaScript cannot compile is "not a valid regex".
const cache = new Map<string, RegExp | null>();

export function compilePcre(src: string, flags = ''): RegExp | null {
  const key = flags + '\u0000' + src;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let body = src;
  let f = flags;
  const inline = /^\(\?([imsx]+)\)/.exec(body);
  if (inline) {
    body = body.slice(inline[0].length);
    for (const c of inline[1]!) if ('ims'.includes(c) && !f.includes(c)) f += c;
  }
  // PCRE's \A and \z anchors
  body = body.replace(/\\A/g, '^').replace(/\\[zZ]/g, '$');
  let re: RegExp | null;
  try {
    re = new RegExp(body, f);
  } catch {
    re = null;
  }
  if (cache.size > 10_000) cache.clear();
  cache.set(key, re);
  return re;
}

export function isRegex(src: string): boolean {
  return compilePcre(src) !== null;
}
