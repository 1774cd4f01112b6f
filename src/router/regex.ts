// Route regexes are written for PCRE (traditional router) / Rust `regex` (atc-router). JavaScript
// understands most of them; this translates the common differences and rejects the rest.

export interface TranslatedRegex {
  source: string;
  flags: string;
}

/**
 * Translate a PCRE/Rust-style pattern for `RegExp`: `(?P<n>` → `(?<n>`, `(?P=n)` → `\k<n>`,
 * `\A` → `^`, `\z`/`\Z` → `$`, and a leading inline flag group `(?i)`, `(?s)`, `(?m)` (or a
 * combination) becomes a RegExp flag. `\p{…}` switches on the `u` flag. Anything else JavaScript
 * cannot compile makes `compileRegex` throw.
 */
export function translateRegex(pattern: string): TranslatedRegex {
  let src = pattern;
  let flags = '';
  const lead = /^\(\?([imsx]+)\)/.exec(src);
  if (lead) {
    for (const f of lead[1]!) {
      if (f === 'x') throw new Error('extended mode (?x) is not supported');
      if (!flags.includes(f)) flags += f;
    }
    src = src.slice(lead[0].length);
  }
  let out = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\' && i + 1 < src.length) {
      const n = src[i + 1]!;
      if (n === 'A') out += '^';
      else if (n === 'z' || n === 'Z') out += '$';
      else out += c + n;
      i++;
    } else if (c === '(' && src.startsWith('?P<', i + 1)) {
      out += '(?<';
      i += 3;
    } else if (c === '(' && src.startsWith('?P=', i + 1)) {
      const close = src.indexOf(')', i);
      if (close === -1) throw new Error('unterminated (?P= group');
      out += '\\k<' + src.slice(i + 4, close) + '>';
      i = close;
    } else {
      out += c;
    }
  }
  if (/\\[pP]\{/.test(out) && !flags.includes('u')) flags += 'u';
  return { source: out, flags };
}

/** Compile a pattern as-is (unanchored), after translation. Throws with a readable message. */
export function compileRegex(pattern: string, extraFlags = '', anchor = false): RegExp {
  const t = translateRegex(pattern);
  let flags = t.flags;
  for (const f of extraFlags) if (!flags.includes(f)) flags += f;
  // Kong prefixes `^` textually, so a top-level `a|b` is anchored on its first branch only.
  return new RegExp(anchor ? '^' + t.source : t.source, flags);
}

const META = '^$.|?*+()[]{}';

function hasTopLevelAlternation(src: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
    } else if (c === '(') {
      depth++;
    } else if (c === ')') {
      depth--;
    } else if (c === '|' && depth === 0) {
      return true;
    }
  }
  return false;
}

/**
 * The literal text every match of the anchored regex must start with (used to file the regex in
 * the path-prefix index). Conservative: stops at the first metacharacter, drops a character made
 * optional by `?`, `*` or `{`; returns '' for case-insensitive or multiline regexes or a top-level `|`.
 */
export function literalPrefix(re: RegExp): string {
  const src = re.source;
  if (re.flags.includes('i') || re.flags.includes('m') || src.charCodeAt(0) !== 94 /* ^ */) return '';
  if (hasTopLevelAlternation(src)) return '';
  let out = '';
  let i = 1;
  while (i < src.length) {
    let lit: string;
    let next: number;
    const c = src[i]!;
    if (c === '\\') {
      const n = src[i + 1];
      if (n === undefined || /[A-Za-z0-9]/.test(n)) break;
      lit = n;
      next = i + 2;
    } else if (META.includes(c)) {
      break;
    } else {
      lit = c;
      next = i + 1;
    }
    const q = src[next];
    if (q === '?' || q === '*' || q === '{') break;
    out += lit;
    if (q === '+') break;
    i = next;
  }
  return out;
}
