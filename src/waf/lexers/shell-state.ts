// The shell lexer's state (see shell.ts): the word being read (its text after quote and escape
// removal, where it started, whether quoting or escapes touched it), the command it belongs to, and
// what happens when a word, a command or a quoted string ends. Commands the caller does not want
// are counted but not returned, and their arguments are not built.

import { PLAIN, baseName, isBreak, type ShellCommand, type ShellVia } from './shell-words.js';

/** Decides which commands the caller wants built: name, command word, and whether it heads its line. */
export type WantedCommand = (name: string, word: string, head: boolean) => boolean;

const WIN_PATH = /^(?:[a-z]:)?\\|^[a-z]:\/|^%\w{1,40}%\\/i;

export class ShellState {
  readonly out: ShellCommand[] = [];
  total = 0; // commands ended, returned or not
  skip = false; // the current command was rejected by `wanted`
  via: ShellVia = 'start';
  sep = '';
  cur: ShellCommand | null = null;
  dummy = false; // words after a `)` / closing tick / markup belong to no command: ignored
  pendingRedirect = false;
  spacedTick = false; // the open backtick follows a blank, as Markdown inline code in a sentence
  line = 0;
  headNext = true; // the next command word heads its line
  // `"a $(b "c") d"`: a substitution inside double quotes ends back inside them
  depth = 0; // open parentheses
  readonly dqAt: number[] = []; // depths whose `$(` stands inside a double-quoted string
  dqOpen = false; // a double-quoted string was just interrupted by `$(` or a backtick

  wText = '';
  wStart = -1;
  wQuoted = false;
  wObf = false;
  ifs = false;

  constructor(
    readonly src: string,
    readonly maxCommands: number,
    readonly wanted: WantedCommand | undefined,
  ) {}

  endWord(end: number): void {
    if (this.wStart < 0) return;
    if (!this.dummy) {
      const cur = this.cur;
      if (!cur) {
        if (this.wText.length > 0) this.startCommand(end);
      } else if (!this.skip && cur.args.length < 8) {
        cur.args.push({ text: this.wText, raw: this.src.slice(this.wStart, end), quoted: this.wQuoted, start: this.wStart, end });
        cur.end = end;
        if (this.ifs) cur.ifs = true;
      }
    }
    this.wText = '';
    this.wStart = -1;
    this.wQuoted = false;
    this.wObf = false;
  }

  private startCommand(end: number): void {
    const raw = this.src.slice(this.wStart, end);
    // backslashes in C:\Windows\... separate path components: they obfuscate nothing
    const winPath = WIN_PATH.test(raw);
    const cur: ShellCommand = {
      name: baseName(winPath ? raw.replace(/["^]/g, '') : this.wText), word: this.wText, obfuscated: this.wObf && !winPath, args: [],
      via: this.via, sep: this.sep, ifs: this.ifs, redirect: this.pendingRedirect, start: this.wStart, end, spacedTick: this.spacedTick,
      head: this.headNext, line: this.line,
    };
    this.cur = cur;
    if (this.wanted !== undefined && !this.wanted(cur.name, cur.word, this.headNext)) this.skip = true;
    this.pendingRedirect = false;
    this.headNext = false;
  }

  endCommand(): void {
    if (this.cur && this.total < this.maxCommands) {
      this.total++;
      if (!this.skip) this.out.push(this.cur);
    }
    this.cur = null;
    this.skip = false;
    this.ifs = false;
  }

  /** A command position opens at `at` (`;`, `|`, newline, `$(`...). */
  separator(s: string, at: number, nextVia: ShellVia = 'separator'): void {
    this.endWord(at);
    this.endCommand();
    this.dummy = false;
    this.pendingRedirect = false;
    this.via = nextVia;
    this.sep = s;
    if (s === '\n' || s === '\r') {
      if (s === '\n') this.line++;
      this.headNext = true;
    } else this.headNext = false;
  }

  /** The current command ends and what follows up to the next separator belongs to none. */
  closeCommand(at: number): void {
    this.endWord(at);
    this.endCommand();
    this.dummy = true;
  }

  append(s: string, at: number): void {
    if (this.wStart < 0) this.wStart = at;
    this.wText += s;
  }

  /** Append the character at i and the run of ordinary characters after it in one slice; returns the next index. */
  plainRun(i: number): number {
    const src = this.src;
    let j = i + 1;
    while (j < src.length) {
      const e = src.charCodeAt(j);
      // braces are literal inside a word (expansions are only modelled at word start)
      if (e < 128 && PLAIN[e] === 0 && e !== 123 && e !== 125) break;
      j++;
    }
    // an argument of a rejected command: only where it starts matters
    if (this.skip && this.cur !== null) {
      if (this.wStart < 0) this.wStart = i;
    } else this.append(src.slice(i, j), i);
    return j;
  }

  /** A single-quoted string opening at `i`; returns the index after it. */
  readSq(i: number): number {
    const src = this.src;
    const close = src.indexOf("'", i + 1);
    const e = close < 0 ? src.length : close;
    if (this.wStart >= 0 || (close >= 0 && close + 1 < src.length && !isBreak(src.charCodeAt(close + 1)))) this.wObf = true;
    this.append(src.slice(i + 1, e), i);
    this.wQuoted = true;
    return close < 0 ? src.length : close + 1;
  }

  /** A double-quoted string from `from` (after the quote) to its end or to a substitution in it. */
  readDq(from: number, glued: boolean): number {
    const src = this.src;
    const n = src.length;
    let j = from;
    let text = '';
    while (j < n && src.charCodeAt(j) !== 34) {
      const d = src.charCodeAt(j);
      if (d === 92 && j + 1 < n) {
        text += src[j + 1];
        j += 2;
        continue;
      }
      if ((d === 36 && src.charCodeAt(j + 1) === 40 && src.charCodeAt(j + 2) !== 40) || d === 96) {
        this.dqOpen = true;
        break;
      }
      text += src[j];
      j++;
    }
    if (glued || (j + 1 < n && src.charCodeAt(j) === 34 && !isBreak(src.charCodeAt(j + 1)))) this.wObf = true;
    this.append(text, from - 1);
    this.wQuoted = true;
    return src.charCodeAt(j) === 34 ? j + 1 : j;
  }

  /** A substitution opened inside double quotes closed at `i`: the string goes on after it. */
  closeInDq(i: number): number {
    this.closeCommand(i);
    return this.readDq(i + 1, true);
  }

  /** `{cat,/etc/passwd}` between `i` and `close`: a command of its own. */
  braceCommand(items: string[], i: number, close: number): void {
    this.endWord(i);
    this.endCommand();
    if (this.total < this.maxCommands) {
      this.total++;
      const name = baseName(items[0]!.replace(/['"\\]/g, ''));
      if (this.wanted === undefined || this.wanted(name, items[0]!, false)) {
        this.out.push({
          name, word: items[0]!, obfuscated: false,
          args: items.slice(1).map((t) => ({ text: t, raw: t, quoted: false, start: i, end: close })),
          via: 'brace', sep: '{', ifs: false, redirect: false, start: i, end: close + 1, spacedTick: false, head: false, line: this.line,
        });
      }
    }
    this.dummy = true;
  }
}
