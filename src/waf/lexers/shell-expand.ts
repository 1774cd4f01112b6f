// What the shell lexer meets at a `$`, a `{` or a `<`, read without touching the lexer's state: the
// expansion a `$` starts (substitution, arithmetic, `$IFS`, an expansion that is empty in an injected
// context, or literal text), the items of a brace expansion, and markup tags (`<head>`, `</code>`),
// which are HTML or XML in a text field, not redirections.

import { PLAIN } from './shell-words.js';

export type Dollar =
  /** `$(`: a command substitution opens; `end` is after the parenthesis */
  | { kind: 'subst'; end: number }
  /** `$IFS` / `${IFS}`: a blank */
  | { kind: 'ifs'; end: number }
  /** `$1` `$@` `$*` `${x:0:0}` `${x:-}`, and `$u` / `${u}` glued to a word: expand to nothing */
  | { kind: 'empty'; end: number }
  /** `$((...))`, `${...}`, `$HOME`...: text that stays in the word */
  | { kind: 'text'; end: number };

const isIdent = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;

/**
 * The expansion starting at the `$` at `i`. `inWord`: literal text of the current word stands right
 * before it, so an ordinary variable there is the empty-variable evasion (`cat$u`, `/etc${x}/passwd`):
 * nobody splits a program name or a path with a variable that holds anything.
 */
export function readDollar(src: string, i: number, inWord: boolean): Dollar {
  const n = src.length;
  const d = src.charCodeAt(i + 1);
  if (d === 40) {
    if (src.charCodeAt(i + 2) === 40) {
      const close = src.indexOf('))', i + 3);
      return { kind: 'text', end: close < 0 ? n : close + 2 };
    }
    return { kind: 'subst', end: i + 2 };
  }
  if (d === 123) {
    const close = src.indexOf('}', i + 2);
    if (close < 0) return { kind: 'text', end: n };
    const inner = src.slice(i + 2, close);
    if (/^IFS\b/.test(inner)) return { kind: 'ifs', end: close + 1 };
    if (/^\w*:[-+=?]?\d*:?\d*$/.test(inner) && /:0:0$|:-$|^\w*:\d+:0$/.test(inner)) return { kind: 'empty', end: close + 1 };
    if (inWord && inner.length > 0 && inner.length <= 32 && /^[A-Za-z_]\w*$/.test(inner)) return { kind: 'empty', end: close + 1 };
    return { kind: 'text', end: close + 1 };
  }
  if (src.startsWith('IFS', i + 1) && !isIdent(src.charCodeAt(i + 4))) return { kind: 'ifs', end: i + 4 };
  if ((d >= 48 && d <= 57) || d === 64 || d === 42) return { kind: 'empty', end: i + 2 };
  if (inWord && ((d >= 97 && d <= 122) || (d >= 65 && d <= 90) || d === 95)) {
    let j = i + 2;
    while (j < n && j - i <= 32 && isIdent(src.charCodeAt(j))) j++;
    if (j - i <= 32) return { kind: 'empty', end: j };
  }
  // a literal `$` (or a run of them) and the ordinary characters after it
  let j = i + 1;
  while (j < n) {
    const e = src.charCodeAt(j);
    if (e === 36) {
      const f = src.charCodeAt(j + 1);
      if (f === 40 || f === 123 || f === 64 || f === 42 || f === 73 || (f >= 48 && f <= 57)) break;
      j++;
    } else if (e >= 128 || PLAIN[e] !== 0) j++;
    else break;
  }
  return { kind: 'text', end: j };
}

/**
 * `{cat,/etc/passwd}` at `i` (the `}` at `close`): the items, or null when the braces are a group or
 * plain text (whitespace inside, no comma).
 */
export function braceItems(src: string, i: number, close: number): string[] | null {
  const body = src.slice(i + 1, close);
  if (!body.includes(',') || /\s/.test(body)) return null;
  return body.split(',');
}

const isLetter = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
const isNameChar = (c: number): boolean => isIdent(c) || c === 45 || c === 46 || c === 58;

/**
 * End (exclusive) of the markup tag starting at the `<` at `i`, or -1: `<!...>`, `<?...>`, `</name>`,
 * `<name>`, `<name/>`, or `<name attr="...">` (an `=` before the `>`). A shell redirection never
 * looks like that (`cat</etc/passwd`, `cat <file.txt > out`). The scan for `>` stops at the next `<`,
 * so a text full of `<` costs one pass.
 */
export function markupEnd(src: string, i: number): number {
  const n = src.length;
  let j = i + 1;
  let c = src.charCodeAt(j);
  if (c === 33 || c === 63) return scanClose(src, j + 1, false);
  const closing = c === 47;
  if (closing) c = src.charCodeAt(++j);
  if (!isLetter(c)) return -1;
  while (j < n && isNameChar(src.charCodeAt(j))) j++;
  c = src.charCodeAt(j);
  if (c === 62) return j + 1;
  if (c === 47 && src.charCodeAt(j + 1) === 62) return j + 2;
  if (closing || !(c === 32 || c === 9 || c === 10 || c === 13)) return -1;
  return scanClose(src, j, true);
}

function scanClose(src: string, from: number, needAttr: boolean): number {
  let attr = !needAttr;
  for (let k = from; k < src.length; k++) {
    const c = src.charCodeAt(k);
    if (c === 62) return attr ? k + 1 : -1;
    if (c === 60) return -1;
    if (c === 61) attr = true;
  }
  return -1;
}
