// A POSIX-shell-ish (and cmd.exe-aware) lexer that finds the commands a shell would run from a value:
// the word in each command position (value start, after `;` `|` `||` `&` `&&` newline `(` `{`, inside
// backticks and `$(...)`, brace expansions `{cat,/etc/passwd}`) with its arguments. Words are
// de-obfuscated the way the shell itself does it: quote removal (`c'a't`, `"c"at`), backslash
// removal (`c\at`), empty expansions (`$@`, `$9`, `${x:0:0}`), `$IFS` / `${IFS}` as blanks, cmd.exe
// carets (`w^hoami`). Linear, bounded to `maxCommands` commands.

import { PLAIN, baseName, isBreak, type ShellCommand, type ShellVia, type ShellWord } from './shell-words.js';

export type { ShellCommand, ShellVia, ShellWord } from './shell-words.js';

/**
 * The commands a shell would run from `src`. With `wanted`, commands whose (name, word) it rejects are
 * lexed past but not returned, and their arguments are not built: on long text most commands are
 * ordinary words, and only a few names matter to the caller. `maxCommands` counts every command.
 */
export function shellCommands(src: string, maxCommands = 128, wanted?: (name: string, word: string) => boolean): ShellCommand[] {
  const out: ShellCommand[] = [];
  let total = 0; // commands ended, returned or not
  let skip = false; // the current command was rejected by `wanted`
  const n = src.length;
  let i = 0;

  let via: ShellVia = 'start';
  let sep = '';
  let cur = null as ShellCommand | null;
  let dummy = false; // words after a `)` / closing tick belong to the outer command: ignored
  let tickOpen = false;
  let spacedTick = false;
  let pendingRedirect = false;
  let braceClose = 0; // memo of the next `}` (-1: none left), keeps `{{{{...` linear

  let wText = '';
  let wStart = -1;
  let wQuoted = false;
  let wObf = false;
  let ifs = false;

  const endWord = (end: number): void => {
    if (wStart < 0) return;
    if (dummy) {
      wStart = -1;
      wText = '';
      return;
    }
    if (!cur) {
      if (wText.length > 0) {
        const raw = src.slice(wStart, end);
        const winPath = /^([a-z]:)?\\/i.test(raw) || /^[a-z]:\//i.test(raw);
        cur = {
          name: baseName(winPath ? raw : wText), word: wText, obfuscated: wObf, args: [], via, sep, ifs, redirect: pendingRedirect,
          start: wStart, end, spacedTick,
        };
        if (wanted !== undefined && !wanted(cur.name, cur.word)) skip = true;
        pendingRedirect = false;
      }
    } else if (!skip && cur.args.length < 8) {
      cur.args.push({ text: wText, raw: src.slice(wStart, end), quoted: wQuoted, start: wStart, end });
      cur.end = end;
      if (ifs) cur.ifs = true;
    }
    wText = '';
    wStart = -1;
    wQuoted = false;
    wObf = false;
  };
  const endCommand = (): void => {
    if (cur && total < maxCommands) {
      total++;
      if (!skip) out.push(cur);
    }
    cur = null;
    skip = false;
    ifs = false;
  };
  const separator = (s: string, at: number, nextVia: ShellVia = 'separator'): void => {
    endWord(at);
    endCommand();
    dummy = false;
    pendingRedirect = false;
    via = nextVia;
    sep = s;
  };
  const append = (s: string, at: number): void => {
    if (wStart < 0) wStart = at;
    wText += s;
  };
  /** Append the character at i and the run of ordinary characters after it in one slice; returns the next index. */
  const plainRun = (i: number): number => {
    let j = i + 1;
    while (j < n) {
      const e = src.charCodeAt(j);
      // braces are literal inside a word (expansions are only modelled at word start)
      if (e < 128 && PLAIN[e] === 0 && e !== 123 && e !== 125) break;
      j++;
    }
    // an argument of a rejected command: only where it starts matters
    if (skip && cur !== null) {
      if (wStart < 0) wStart = i;
    } else append(src.slice(i, j), i);
    return j;
  };

  while (i < n && total < maxCommands) {
    const c = src.charCodeAt(i);
    switch (c) {
      case 32:
      case 9:
      case 11:
      case 12:
        endWord(i);
        i++;
        continue;
      case 59: // ;
      case 10:
      case 13:
        separator(src[i]!, i);
        i++;
        continue;
      case 124: // |
        if (src.charCodeAt(i + 1) === 124) {
          separator('||', i);
          i += 2;
        } else {
          separator('|', i);
          i++;
        }
        continue;
      case 38: // &
        if (src.charCodeAt(i + 1) === 38) {
          separator('&&', i);
          i += 2;
        } else if (src.charCodeAt(i + 1) === 62) {
          endWord(i);
          if (cur) cur.redirect = true;
          i += 2;
        } else {
          separator('&', i);
          i++;
        }
        continue;
      case 40: // (
        if (wStart >= 0) {
          // `word(` is a function call in some other language, not a subshell
          endWord(i);
          endCommand();
          dummy = true;
        } else separator('(', i);
        i++;
        continue;
      case 41: // )
        endWord(i);
        endCommand();
        dummy = true;
        i++;
        continue;
      case 96: // `
        if (src.charCodeAt(i + 1) === 96) {
          // a run of backticks (Markdown code fence / empty substitution): not a command position
          while (src.charCodeAt(i) === 96) i++;
          endWord(i);
          endCommand();
          dummy = true;
          continue;
        }
        if (!tickOpen) {
          const pc = i > 0 ? src.charCodeAt(i - 1) : 32;
          spacedTick = pc === 32 || pc === 9 || pc === 10 || pc === 40;
          separator('`', i, 'backtick');
          tickOpen = true;
        } else {
          endWord(i);
          endCommand();
          dummy = true;
          tickOpen = false;
          spacedTick = false;
        }
        i++;
        continue;
      case 60: // <
      case 62: // >
        endWord(i);
        if (cur) cur.redirect = true;
        else pendingRedirect = true;
        i++;
        if (src.charCodeAt(i) === 62 || src.charCodeAt(i) === 38) i++;
        continue;
      case 92: { // backslash: escapes the next character
        const d = src.charCodeAt(i + 1);
        if (d === 10) {
          i += 2;
          continue;
        }
        if (i + 1 < n) {
          if (/[A-Za-z0-9]/.test(src[i + 1]!)) wObf = true;
          append(src[i + 1]!, i);
          i += 2;
        } else i++;
        continue;
      }
      case 39: { // '
        const close = src.indexOf("'", i + 1);
        const e = close < 0 ? n : close;
        if (wStart >= 0 || (close >= 0 && close + 1 < n && !isBreak(src.charCodeAt(close + 1)))) wObf = true;
        append(src.slice(i + 1, e), i);
        wQuoted = true;
        i = close < 0 ? n : close + 1;
        continue;
      }
      case 34: { // "
        let j = i + 1;
        let text = '';
        while (j < n && src.charCodeAt(j) !== 34) {
          const d = src.charCodeAt(j);
          if (d === 92 && j + 1 < n) {
            text += src[j + 1];
            j += 2;
            continue;
          }
          if ((d === 36 && src.charCodeAt(j + 1) === 40) || d === 96) break; // substitution inside quotes
          text += src[j];
          j++;
        }
        if (wStart >= 0 || (j + 1 < n && src.charCodeAt(j) === 34 && !isBreak(src.charCodeAt(j + 1)))) wObf = true;
        append(text, i);
        wQuoted = true;
        i = src.charCodeAt(j) === 34 ? j + 1 : j;
        continue;
      }
      case 94: // ^ (cmd.exe escape)
        if (wStart >= 0 && i + 1 < n && !isBreak(src.charCodeAt(i + 1))) {
          wObf = true;
          i++;
          continue;
        }
        append('^', i);
        i++;
        continue;
      case 123: { // {
        if (wStart < 0) {
          if (braceClose !== -1 && braceClose <= i) braceClose = src.indexOf('}', i + 1);
          const close = braceClose;
          if (close > 0 && close - i < 256) {
            const body = src.slice(i + 1, close);
            if (body.includes(',') && !/\s/.test(body)) {
              // brace expansion {cat,/etc/passwd}
              const items = body.split(',');
              endWord(i);
              endCommand();
              if (total < maxCommands) {
                total++;
                const name = baseName(items[0]!.replace(/['"\\]/g, ''));
                if (wanted === undefined || wanted(name, items[0]!)) {
                  out.push({
                    name, word: items[0]!, obfuscated: false,
                    args: items.slice(1).map((t) => ({ text: t, raw: t, quoted: false, start: i, end: close })),
                    via: 'brace', sep: '{', ifs: false, redirect: false, start: i, end: close + 1, spacedTick: false,
                  });
                }
              }
              dummy = true;
              i = close + 1;
              continue;
            }
            if (/^\s/.test(body)) {
              separator('{', i);
              i++;
              continue;
            }
          }
        }
        i = plainRun(i);
        continue;
      }
      case 125: // }
        if (wStart < 0) {
          endCommand();
          i++;
          continue;
        }
        i = plainRun(i);
        continue;
      case 36: { // $
        const d = src.charCodeAt(i + 1);
        if (d === 40) {
          if (src.charCodeAt(i + 2) === 40) {
            // arithmetic $(( ... )): an argument-like word
            const close = src.indexOf('))', i + 3);
            const e = close < 0 ? n : close + 2;
            append(src.slice(i, e), i);
            i = e;
            continue;
          }
          separator('$(', i, 'substitution');
          i += 2;
          continue;
        }
        if (d === 123) {
          const close = src.indexOf('}', i + 2);
          const inner = close < 0 ? '' : src.slice(i + 2, close);
          if (close > 0 && /^IFS\b/.test(inner)) {
            endWord(i);
            ifs = true;
            if (cur) cur.ifs = true;
            i = close + 1;
            continue;
          }
          if (close > 0 && /^\w*:[-+=?]?\d*:?\d*$/.test(inner) && /:0:0$|:-$|^\w*:\d+:0$/.test(inner)) {
            wObf = true; // ${x:0:0} expands to nothing
            if (wStart < 0) wStart = i;
            i = close + 1;
            continue;
          }
          const e = close < 0 ? n : close + 1;
          append(src.slice(i, e), i);
          i = e;
          continue;
        }
        if (src.startsWith('IFS', i + 1) && !/[A-Za-z0-9_]/.test(src[i + 4] ?? '')) {
          endWord(i);
          ifs = true;
          if (cur) cur.ifs = true;
          i += 4;
          continue;
        }
        if ((d >= 48 && d <= 57) || d === 64 || d === 42) {
          // $1 $@ $* expand to nothing in an injected context
          wObf = true;
          if (wStart < 0) wStart = i;
          i += 2;
          continue;
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
        append(src.slice(i, j), i);
        i = j;
        continue;
      }
      default:
        i = plainRun(i);
    }
  }
  endWord(n);
  endCommand();
  return out;
}
