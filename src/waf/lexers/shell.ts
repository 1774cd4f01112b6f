// A POSIX-shell-ish (and cmd.exe-aware) lexer that finds the commands a shell would run from a value:
// the word in each command position (value start, after `;` `|` `||` `&` `&&` newline `(` `{`, inside
// backticks and `$(...)`, brace expansions `{cat,/etc/passwd}`) with its arguments. Words are
// de-obfuscated the way the shell itself does it: quote removal (`c'a't`, `"c"at`), backslash
// removal (`c\at`), empty expansions (`$@`, `$9`, `${x:0:0}`), `$IFS` / `${IFS}` as blanks, cmd.exe
// carets (`w^hoami`). Linear, bounded to `maxCommands` commands.

export type ShellVia = 'start' | 'separator' | 'substitution' | 'backtick' | 'brace';

export interface ShellWord {
  /** The word after quote / escape removal. */
  text: string;
  /** The word as written. */
  raw: string;
  quoted: boolean;
  start: number;
  end: number;
}

export interface ShellCommand {
  /** De-obfuscated command word, lower-cased, path and .exe stripped. */
  name: string;
  /** The command word after quote removal, before path stripping. */
  word: string;
  /** Quotes, backslashes, empty expansions or carets were removed from the command word. */
  obfuscated: boolean;
  args: ShellWord[];
  via: ShellVia;
  /** The separator that opened this command position ('' at start). */
  sep: string;
  /** `$IFS`-style blanks were used within the command. */
  ifs: boolean;
  redirect: boolean;
  start: number;
  end: number;
  /** For backticks: whitespace (or nothing) before the opening tick, as in Markdown inline code. */
  spacedTick: boolean;
}

function baseName(word: string): string {
  // program names are short; a path keeps its last component at the end
  let w = (word.length > 256 ? word.slice(-256) : word).toLowerCase();
  const slash = Math.max(w.lastIndexOf('/'), w.lastIndexOf('\\'));
  if (slash >= 0) {
    const c = w.charCodeAt(0);
    // only real paths: /bin/sh, ./x, ~/x, C:\x\y.exe, \\host\x
    if (c === 47 || c === 92 || c === 46 || c === 126 || /^[a-z]:[\\/]/.test(w) || w.startsWith('%')) w = w.slice(slash + 1);
    else return w;
  }
  if (w.endsWith('.exe') || w.endsWith('.com') || w.endsWith('.bat') || w.endsWith('.cmd')) w = w.slice(0, -4);
  return w;
}

/** 1 for ASCII characters with no special meaning to the lexer (non-ASCII reads as undefined: plain too). */
const PLAIN = new Uint8Array(128).fill(1);
for (const ch of ' \t\n\r\u000b\u000c;|&()`<>\\\'"^{}$') PLAIN[ch.charCodeAt(0)] = 0;

export function shellCommands(src: string, maxCommands = 128): ShellCommand[] {
  const out: ShellCommand[] = [];
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
        pendingRedirect = false;
      }
    } else if (cur.args.length < 8) {
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
    if (cur && out.length < maxCommands) out.push(cur);
    cur = null;
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
    append(src.slice(i, j), i);
    return j;
  };

  while (i < n && out.length < maxCommands) {
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
              if (out.length < maxCommands) {
                out.push({
                  name: baseName(items[0]!.replace(/['"\\]/g, '')), word: items[0]!, obfuscated: false,
                  args: items.slice(1).map((t) => ({ text: t, raw: t, quoted: false, start: i, end: close })),
                  via: 'brace', sep: '{', ifs: false, redirect: false, start: i, end: close + 1, spacedTick: false,
                });
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

function isBreak(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 59 || c === 124 || c === 38 || c === 41 || c === 96;
}
