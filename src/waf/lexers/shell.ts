// A POSIX-shell-ish (and cmd.exe-aware) lexer that finds the commands a shell would run from a value:
// the word in each command position (value start, after `;` `|` `||` `&` `&&` newline `(` `{`, inside
// backticks and `$(...)`, brace expansions `{cat,/etc/passwd}`) with its arguments. Words are
// de-obfuscated the way the shell itself does it: quote removal (`c'a't`, `"c"at`), backslash
// removal (`c\at`), empty expansions (`$@`, `$9`, `${x:0:0}`, `cat$u`), `$IFS` / `${IFS}` as blanks,
// cmd.exe carets (`w^hoami`). Markup tags (`<head>`) are neither commands nor redirections. Linear,
// bounded to `maxCommands` commands. This file dispatches on characters; the word and command state
// is in shell-state.ts, what `$`, `{` and `<` start is read in shell-expand.ts.

import { isBreak, type ShellCommand } from './shell-words.js';
import { braceItems, markupEnd, readDollar } from './shell-expand.js';
import { ShellState, type WantedCommand } from './shell-state.js';

export type { ShellCommand, ShellVia, ShellWord } from './shell-words.js';
export type { WantedCommand } from './shell-state.js';

/**
 * The commands a shell would run from `src`. With `wanted`, commands whose (name, word) it rejects are
 * lexed past but not returned, and their arguments are not built: on long text most commands are
 * ordinary words, and only a few names matter to the caller. `maxCommands` counts every command.
 */
export function shellCommands(src: string, maxCommands = 128, wanted?: WantedCommand): ShellCommand[] {
  const st = new ShellState(src, maxCommands, wanted);
  const n = src.length;
  let i = 0;
  let tickOpen = false;
  let tickInDq = false;
  let braceClose = 0; // memo of the next `}` (-1: none left), keeps `{{{{...` linear

  while (i < n && st.total < maxCommands) {
    const c = src.charCodeAt(i);
    switch (c) {
      case 32:
      case 9:
      case 11:
      case 12:
        st.endWord(i);
        i++;
        continue;
      case 59: // ;
      case 10:
      case 13:
        st.separator(src[i]!, i);
        i++;
        continue;
      case 124: // |
        if (src.charCodeAt(i + 1) === 124) {
          st.separator('||', i);
          i += 2;
        } else {
          st.separator('|', i);
          i++;
        }
        continue;
      case 38: // &
        if (src.charCodeAt(i + 1) === 38) {
          st.separator('&&', i);
          i += 2;
        } else if (src.charCodeAt(i + 1) === 62) {
          st.endWord(i);
          if (st.cur) st.cur.redirect = true;
          i += 2;
        } else {
          st.separator('&', i);
          i++;
        }
        continue;
      case 40: // (
        st.depth++;
        // `word(` is a function call in some other language, not a subshell
        if (st.wStart >= 0) st.closeCommand(i);
        else st.separator('(', i);
        i++;
        continue;
      case 41: // )
        if (st.dqAt.length > 0 && st.dqAt[st.dqAt.length - 1] === st.depth) {
          st.dqAt.pop();
          st.depth--;
          i = st.closeInDq(i);
          continue;
        }
        if (st.depth > 0) st.depth--;
        st.closeCommand(i);
        i++;
        continue;
      case 96: // `
        if (src.charCodeAt(i + 1) === 96) {
          // a run of backticks (Markdown code fence / empty substitution): not a command position
          while (src.charCodeAt(i) === 96) i++;
          st.closeCommand(i);
          continue;
        }
        if (!tickOpen) {
          const pc = i > 0 ? src.charCodeAt(i - 1) : 32;
          st.separator('`', i, 'backtick');
          // inline code in a sentence has text around it; a value that is one backtick span does not
          st.spacedTick = (pc === 32 || pc === 9 || pc === 10 || pc === 40) && !wholeSpan(src, i);
          tickOpen = true;
          tickInDq = st.dqOpen;
          st.dqOpen = false;
          i++;
          continue;
        }
        tickOpen = false;
        if (tickInDq) {
          tickInDq = false;
          i = st.closeInDq(i);
        } else {
          st.closeCommand(i);
          i++;
        }
        st.spacedTick = false;
        continue;
      case 60: // <
      case 62: { // >
        const tag = c === 60 ? markupEnd(src, i) : -1;
        st.endWord(i);
        if (tag > 0) {
          // HTML / XML: at a command position the rest up to a separator is text, not a command
          if (!st.cur) {
            st.dummy = true;
            st.headNext = false;
          }
          i = tag;
          continue;
        }
        if (st.cur) st.cur.redirect = true;
        else st.pendingRedirect = true;
        i++;
        if (src.charCodeAt(i) === 62 || src.charCodeAt(i) === 38) i++;
        continue;
      }
      case 92: // backslash: escapes the next character
        if (src.charCodeAt(i + 1) === 10) i += 2;
        else if (i + 1 < n) {
          if (/[A-Za-z0-9]/.test(src[i + 1]!)) st.wObf = true;
          st.append(src[i + 1]!, i);
          i += 2;
        } else i++;
        continue;
      case 39: // '
        i = st.readSq(i);
        continue;
      case 34: // "
        i = st.readDq(i + 1, st.wStart >= 0);
        continue;
      case 94: // ^ (cmd.exe escape)
        if (st.wStart >= 0 && i + 1 < n && !isBreak(src.charCodeAt(i + 1))) st.wObf = true;
        else st.append('^', i);
        i++;
        continue;
      case 123: { // {
        if (st.wStart < 0) {
          if (braceClose !== -1 && braceClose <= i) braceClose = src.indexOf('}', i + 1);
          const close = braceClose;
          if (close > 0 && close - i < 256) {
            const items = braceItems(src, i, close);
            if (items) {
              st.braceCommand(items, i, close);
              i = close + 1;
              continue;
            }
            if (/\s/.test(src[i + 1] ?? '')) {
              st.separator('{', i);
              i++;
              continue;
            }
          }
        }
        i = st.plainRun(i);
        continue;
      }
      case 125: // }
        if (st.wStart < 0) {
          st.endCommand();
          i++;
          continue;
        }
        i = st.plainRun(i);
        continue;
      case 36: { // $
        const d = readDollar(src, i, st.wStart >= 0 && st.wText.length > 0);
        if (d.kind === 'subst') {
          st.separator('$(', i, 'substitution');
          st.depth++;
          if (st.dqOpen) st.dqAt.push(st.depth);
          st.dqOpen = false;
        } else if (d.kind === 'ifs') {
          st.endWord(i);
          st.ifs = true;
          if (st.cur) st.cur.ifs = true;
        } else if (d.kind === 'empty') {
          st.wObf = true;
          if (st.wStart < 0) st.wStart = i;
        } else st.append(src.slice(i, d.end), i);
        i = d.end;
        continue;
      }
      default:
        i = st.plainRun(i);
    }
  }
  st.endWord(n);
  st.endCommand();
  return st.out;
}

/** The backtick at `i` opens a span that is the whole value (blanks aside). */
function wholeSpan(src: string, i: number): boolean {
  for (let k = 0; k < i; k++) if (src.charCodeAt(k) > 32) return false;
  const close = src.indexOf('`', i + 1);
  if (close < 0) return false;
  for (let k = close + 1; k < src.length; k++) if (src.charCodeAt(k) > 32) return false;
  return true;
}
