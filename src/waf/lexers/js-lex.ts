// A small JavaScript tokenizer: identifiers, numbers, strings, template literals and punctuators;
// comments and whitespace are dropped. Also the token-shape helpers the sink analysis (js.ts) is built
// on: bracket matching and the well-formedness of an argument list.

export interface JsTok {
  /** id | num | str | tpl | p (punctuator) */
  t: 'id' | 'num' | 'str' | 'tpl' | 'p';
  v: string;
  s: number;
  e: number;
  /** Whitespace preceded the token. */
  ws?: boolean;
}

function isIdStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36 || (c >= 0xaa && c !== 0xfeff && c !== 0xa0 && !(c >= 0x2000 && c <= 0x206f) && c !== 0x3000);
}
function isIdChar(c: number): boolean {
  return isIdStart(c) || (c >= 48 && c <= 57);
}
function isWs(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0 || c === 0xa0 || c === 0xfeff || (c >= 0x2000 && c <= 0x200b) || c === 0x2028 || c === 0x2029 || c === 0x3000;
}

export function lexJs(src: string, maxTokens = 4096, from = 0): JsTok[] {
  const toks: JsTok[] = [];
  const n = src.length;
  let i = from;
  let ws = false;
  while (i < n && toks.length < maxTokens) {
    const c = src.charCodeAt(i);
    if (isWs(c)) {
      ws = true;
      i++;
      continue;
    }
    if (c === 47 && src.charCodeAt(i + 1) === 47) {
      while (i < n && src.charCodeAt(i) !== 10 && src.charCodeAt(i) !== 13) i++;
      ws = true;
      continue;
    }
    if (c === 47 && src.charCodeAt(i + 1) === 42) {
      const close = src.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
      ws = true;
      continue;
    }
    const start = i;
    let t: JsTok['t'];
    if (isIdStart(c)) {
      i++;
      while (i < n && isIdChar(src.charCodeAt(i))) i++;
      t = 'id';
    } else if (c >= 48 && c <= 57) {
      i++;
      while (i < n && (isIdChar(src.charCodeAt(i)) || src.charCodeAt(i) === 46)) i++;
      t = 'num';
    } else if (c === 39 || c === 34 || c === 96) {
      i++;
      while (i < n) {
        const d = src.charCodeAt(i);
        if (d === 92) {
          i += 2;
          continue;
        }
        i++;
        if (d === c) break;
      }
      if (i > n) i = n;
      t = c === 96 ? 'tpl' : 'str';
    } else {
      i++;
      if (c === 63 && src.charCodeAt(i) === 46) i++; // ?.
      else if (c === 61 && src.charCodeAt(i) === 62) i++; // =>
      t = 'p';
    }
    const tok: JsTok = { t, v: src.slice(start, i), s: start, e: i };
    if (ws) tok.ws = true;
    ws = false;
    toks.push(tok);
  }
  return toks;
}

const KEYWORD_OPS = new Set(['new', 'typeof', 'void', 'delete', 'in', 'instanceof', 'of', 'await', 'yield']);

export function isOperand(t: JsTok): boolean {
  return t.t !== 'p' && !(t.t === 'id' && KEYWORD_OPS.has(t.v));
}

/** Index of the token closing the bracket opened at j (or toks.length). */
export function closeOf(toks: JsTok[], j: number): number {
  const open = toks[j]!.v;
  const close = open === '(' ? ')' : open === '[' ? ']' : '}';
  let depth = 0;
  // bounded: argument lists and index expressions longer than this are not what we look for,
  // and an unbounded scan from every bracket would be quadratic on `top[top[top[...`
  const limit = Math.min(toks.length, j + 512);
  for (let k = j; k < limit; k++) {
    const v = toks[k]!.v;
    if (v === open) depth++;
    else if (v === close && --depth === 0) return k;
  }
  return limit;
}

/**
 * Well-formed argument list for the `(` at j: no two operands side by side at the top level, no
 * stray prose. Returns the argument token count (0 for `()`), or -1 when malformed.
 */
export function argsShape(toks: JsTok[], j: number): { count: number; hasString: boolean; loneWord: boolean; loneNum: boolean } | null {
  const end = closeOf(toks, j);
  let prevOperand = false;
  let depth = 0;
  let count = 0;
  let hasString = false;
  for (let k = j + 1; k < end; k++) {
    const t = toks[k]!;
    count++;
    if (t.t === 'str' || t.t === 'tpl') hasString = true;
    if (t.t === 'p') {
      if (t.v === '(' || t.v === '[' || t.v === '{') depth++;
      else if (t.v === ')' || t.v === ']' || t.v === '}') depth--;
      prevOperand = t.v === ')' || t.v === ']';
      continue;
    }
    if (depth > 0) {
      prevOperand = isOperand(t);
      continue;
    }
    const op = isOperand(t);
    if (op && prevOperand) return null;
    prevOperand = op;
  }
  const first = toks[j + 1];
  return {
    count,
    hasString,
    loneWord: count === 1 && first?.t === 'id',
    loneNum: count === 1 && first?.t === 'num',
  };
}

