// The shell lexer's vocabulary: what a command and its words look like to callers, how a command
// word becomes a program name (path and .exe dropped, lower-cased), and which characters are plain.

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
  /** For backticks: whitespace before the opening tick, as in Markdown inline code in a sentence. */
  spacedTick: boolean;
  /** The first command of its line (at the value start or right after a newline). */
  head: boolean;
  /** Newlines before the command. */
  line: number;
}

export function baseName(word: string): string {
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
export const PLAIN = new Uint8Array(128).fill(1);
for (const ch of ' \t\n\r\u000b\u000c;|&()`<>\\\'"^{}$') PLAIN[ch.charCodeAt(0)] = 0;

export function isBreak(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 59 || c === 124 || c === 38 || c === 41 || c === 96;
}
