// HTML character references and JavaScript/JSON string escapes (Wallarm's "htmljs"): &lt; &#60; &#x3c
// (with or without ';', with leading zeros), \u003c \u{3c} \x3c and octal \074. Applied to a value only
// when it holds such an escape; one level per pass (the engine recurses for double encodings).

const NAMED: Record<string, string> = {
  lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", nbsp: '\u00a0', colon: ':', tab: '\t', newline: '\n',
  lpar: '(', rpar: ')', sol: '/', bsol: '\\', semi: ';', comma: ',', period: '.', excl: '!', num: '#',
  dollar: '$', percnt: '%', plus: '+', equals: '=', quest: '?', commat: '@', lsqb: '[', rsqb: ']',
  lbrack: '[', rbrack: ']', lcub: '{', rcub: '}', lbrace: '{', rbrace: '}', grave: '`', hat: '^', lowbar: '_',
  verbar: '|', vert: '|', ast: '*', midast: '*', hyphen: '-', dash: '-', lowast: '*', dot: '.', 
};

const ENTITY_RE = /&(?:#[xX]0*([0-9a-fA-F]{1,6});?|#0*([0-9]{1,7});?|([a-zA-Z]{2,8});)/g;
const JS_RE = /\\(?:u\{([0-9a-fA-F]{1,6})\}|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|([0-3][0-7]{2}))/g;

function fromCp(cp: number): string | null {
  if (cp > 0x10ffff) return null;
  return String.fromCodePoint(cp);
}

export function hasHtmlEntity(s: string): boolean {
  const i = s.indexOf('&');
  if (i < 0) return false;
  ENTITY_RE.lastIndex = 0;
  return ENTITY_RE.test(s);
}

export function hasJsEscape(s: string): boolean {
  if (s.indexOf('\\') < 0) return false;
  JS_RE.lastIndex = 0;
  return JS_RE.test(s);
}

export function decodeHtmlEntities(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(ENTITY_RE, (m, hex: string | undefined, dec: string | undefined, name: string | undefined) => {
    if (hex !== undefined) return fromCp(parseInt(hex, 16)) ?? m;
    if (dec !== undefined) return fromCp(parseInt(dec, 10)) ?? m;
    const r = NAMED[name!.toLowerCase()];
    return r ?? m;
  });
}

export function decodeJsEscapes(s: string): string {
  if (s.indexOf('\\') < 0) return s;
  return s.replace(JS_RE, (m, brace: string | undefined, u4: string | undefined, x2: string | undefined, oct: string | undefined) => {
    if (brace !== undefined) return fromCp(parseInt(brace, 16)) ?? m;
    if (u4 !== undefined) return String.fromCharCode(parseInt(u4, 16));
    if (x2 !== undefined) return String.fromCharCode(parseInt(x2, 16));
    return String.fromCharCode(parseInt(oct!, 8));
  });
}

/** Both decodings in one pass: returns s itself when nothing changed. */
export function decodeHtmlJs(s: string): string {
  let out = s;
  if (hasHtmlEntity(out)) out = decodeHtmlEntities(out);
  if (hasJsEscape(out)) out = decodeJsEscapes(out);
  return out;
}
