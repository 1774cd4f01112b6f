// OS command injection, judged on the commands the shell lexer finds, by the context each stands in.
//
// A line whose first command is a program invocation (`curl -s URL | jq`, `du -sh * | sort -h`, a
// Makefile recipe) is a command line someone wrote: it is "scripted", and only execution shapes
// (rce/shapes.ts, rce/windows.ts) and reconnaissance chained onto it (`; whoami`, `$(id)`) count.
// A line that starts with data (`127.0.0.1`, a name, a sentence, nothing before `;`) is "injected":
// every known program the value puts in a command position counts, given telling arguments. A value
// of three or more lines is a document (a script, a template, a Dockerfile): each line is judged on
// its own, and a newline is a command separator only for a line that starts with a command. A value
// that starts inside a quoted argument (`';id;'`, `x" | net user "`) is lexed a second time as the
// shell sees it, with the quote it closes put back in front.
import { shellCommands, type ShellCommand, type ShellWord } from '../../lexers/shell.js';
import { baseName } from '../../lexers/shell-words.js';
import { KEYWORDS, NET, NOARG, STRONG, WEAK } from './programs.js';
import { SHELLS, dangerousShape } from './shapes.js';
import { CMDLETS, PS_ALIASES, windowsCommand, windowsDanger, windowsShape } from './windows.js';

export interface Found {
  stamp: string;
  s: number;
  e: number;
}

type Mode = 'injected' | 'scripted';

const HOSTLIKE = /^(?:[a-z][a-z0-9+.-]*:\/\/|(?:\d{1,3}\.){3}\d{1,3}\b|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\.?$)/i;
/** An address inside an argument (`tcp-connect:203.0.113.7:4444`, `http://...`). */
const ADDRESS = /\b(?:\d{1,3}\.){3}\d{1,3}\b|[a-z][a-z0-9+.-]*:\/\/\w/i;
/** Programs that filter their input: flags alone make no command of them (`| sort -h`, `| grep -v x`). */
const FILTERS = new Set(['sort', 'uniq', 'wc', 'cut', 'tr', 'grep', 'egrep', 'sed', 'head', 'tail', 'tee', 'rev', 'nl', 'more', 'less', 'od', 'strings', 'cat', 'tac', 'base32', 'hexdump']);
/** Reconnaissance: what an attacker chains onto any command line to see where the shell runs. */
const RECON = new Set(['whoami', 'uname', 'ifconfig', 'ipconfig', 'systeminfo', 'nltest', 'quser', 'qwinsta', 'getent']);
const RECON_ALONE = new Set(['id', 'hostname', 'printenv']);
const CHAIN = new Set([';', '|', '||', '&&', '&']);
const ALIASES = new Set(PS_ALIASES);
/** `$a$b`, `${x}${y}`: a command name assembled from variables, an evasion. */
const VARIABLE_WORD = /^(?:\$\{?[a-z_]\w{0,30}\}?){2,8}$/i;

function isPathArg(a: ShellWord): boolean {
  const t = a.text;
  const c = t.charCodeAt(0);
  if (c === 47 /* / */) return t.length > 1 && !/^\/\/?$/.test(t) && (t.length > 2 || /[a-z]/i.test(t));
  if (c === 126 /* ~ */ || c === 36 /* $ */ || c === 42 /* * */) return true;
  return t.startsWith('./') || t.startsWith('../') || /^[a-z]:[\\/]/i.test(a.raw) || a.raw.startsWith('\\\\') || t.includes('/dev/');
}

/** `net`: a host name or address counts (network programs); `addr`: an address or URL inside counts (other distinctive programs). */
function isShellArg(a: ShellWord, net: boolean, addr = net): boolean {
  const t = a.text;
  if (t.length === 0) return a.quoted;
  if (t.charCodeAt(0) === 45 /* - */) return /^--?[a-z0-9]/i.test(t);
  if (isPathArg(a) || t.startsWith('%') || /^\d+[<>]/.test(t)) return true;
  // a properly quoted argument holding a command line or path (not an apostrophe inside a word)
  if (a.quoted && (a.raw[0] === "'" || a.raw[0] === '"') && /[\s/|;$]/.test(t)) return true;
  if (t.length > 253) return false;
  return (net && HOSTLIKE.test(t)) || (addr && ADDRESS.test(t));
}

/** `/???/??t`, `/bin/c?t`, `/usr/bin/w*`: a program path spelled with glob wildcards. */
export function isGlobProgram(word: string): boolean {
  if (word.charCodeAt(0) !== 47 || word.length > 64) return false;
  let wild = 0;
  for (let i = 1; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c === 63 || c === 42 || c === 91) wild++;
    else if (!(c === 47 || c === 46 || c === 93 || (c >= 97 && c <= 122) || (c >= 48 && c <= 57))) return false;
  }
  return wild >= 2 && word.indexOf('/', 1) > 0;
}

/** Does this first command of a line make the line a command line rather than data or prose? */
function commandLike(cmd: ShellCommand): boolean {
  let name = cmd.name;
  let word = cmd.word;
  // `cmd=python -m venv ...` (a raw form or query string): the value after the `=` is the command
  const eq = word.indexOf('=');
  if (eq > 0 && eq < word.length - 1 && /^[\w.-]+$/.test(word.slice(0, eq))) {
    word = word.slice(eq + 1);
    name = baseName(word);
  }
  if (KEYWORDS.has(name) || STRONG.has(name) || ALIASES.has(name) || windowsShape(word) !== null || cmd.redirect) return true;
  // `VERSION=$(...)`: an environment-style assignment of a computed value is script syntax, and so
  // is a Dockerfile `RUN` line
  if (/^[A-Z_][A-Z0-9_]{0,40}=$/.test(cmd.word) || word === 'RUN') return true;
  if (/^(?:\.\.?|~)\//.test(word) && word.length > 2) return true;
  if (WEAK.has(name)) return cmd.obfuscated || cmd.args.some((a) => isShellArg(a, NET.has(name)));
  // an unlisted tool with options (`jq -r .x`, `helm install --set a=b`)
  return /^[a-z][a-z0-9._+-]{0,40}$/.test(word) && cmd.args.some((a) => /^--?[a-z]/i.test(a.text));
}

/** A known program in an injected command position, with telling arguments. */
function injected(cmd: ShellCommand, strong: boolean): string | null {
  const name = cmd.name;
  const net = NET.has(name);
  const shellArgs = cmd.redirect || cmd.args.some((a) => isShellArg(a, net, net || strong));
  const noArgs = cmd.args.length === 0;
  switch (cmd.via) {
    case 'separator':
      // `& for /f %i in ('whoami') do ...`, `; for i in $(ls /); do ...`: a loop running commands
      if (KEYWORDS.has(name)) return CHAIN.has(cmd.sep) && shellArgs ? 'rce:separator-command' : null;
      if (strong) return shellArgs || (noArgs && cmd.sep !== '(') ? 'rce:separator-command' : null;
      if (FILTERS.has(name) ? cmd.redirect || cmd.args.some(isPathArg) : shellArgs) return 'rce:separator-command';
      if (noArgs && NOARG.has(name) && cmd.sep !== '&' && cmd.sep !== '(') return 'rce:separator-command';
      // blind probes: `; sleep 5`, `| timeout 10`
      if ((name === 'sleep' || name === 'timeout') && cmd.args.length === 1 && /^\d+$/.test(cmd.args[0]!.text)) return 'rce:separator-command';
      return null;
    case 'substitution':
    case 'backtick':
      return 'rce:substitution';
    default:
      return null;
  }
}

/** Reconnaissance chained onto a command line, or run in a substitution inside it. */
function chained(cmd: ShellCommand): string | null {
  const chainedPos = cmd.via === 'substitution' || (cmd.via === 'backtick' && !cmd.spacedTick) || (cmd.via === 'separator' && CHAIN.has(cmd.sep));
  if (!chainedPos) return null;
  if (RECON.has(cmd.name) || (RECON_ALONE.has(cmd.name) && cmd.args.length === 0)) return 'rce:recon';
  // `$(cat /etc/hostname)`: system identity read into the command line
  if (cmd.via !== 'separator' && FILTERS.has(cmd.name) && cmd.args.some((a) => /^\/(?:etc|proc)\/./.test(a.text))) return 'rce:recon';
  if ((cmd.name === 'net' || cmd.name === 'net1') && /^(?:user|localgroup|group)$/i.test(cmd.args[0]?.text ?? '')) return 'rce:recon';
  return null;
}

/** `sh -c`, `cmd /c` `/k`, PowerShell `-Command` and its abbreviations. */
const INLINE_FLAG = /^(?:\/[ck]|-c(?:ommand|omman|omma|omm|om|o)?)$/i;

/** `sh -c '...'`, `cmd /c "..."`, `powershell -Command ...`: the inline script, judged as chained commands. */
function inlineScript(value: string, cmd: ShellCommand, depth: number): Found | null {
  if (depth >= 2 || !(SHELLS.has(cmd.name) || cmd.name === 'cmd' || cmd.name === 'powershell' || cmd.name === 'pwsh')) return null;
  const k = cmd.args.findIndex((a) => INLINE_FLAG.test(a.text));
  if (k < 0 || k + 1 >= cmd.args.length) return null;
  let script = value.slice(cmd.args[k + 1]!.start, cmd.end);
  const q = script.charCodeAt(0);
  if ((q === 39 || q === 34) && script.charCodeAt(script.length - 1) === q) script = script.slice(1, -1);
  return osCommand(script, depth + 1);
}

function judge(value: string, cmd: ShellCommand, mode: Mode, depth: number): string | null {
  const name = cmd.name;
  if (isGlobProgram(cmd.word)) return 'rce:glob-evasion';
  const strong = STRONG.has(name);
  const known = strong || WEAK.has(name) || CMDLETS.has(name) || KEYWORDS.has(name) || ALIASES.has(name);
  const shape = windowsShape(cmd.word);
  if (!known && shape === null) return VARIABLE_WORD.test(cmd.word) && mode === 'injected' && cmd.via !== 'start' ? 'rce:variable-command' : null;
  // Unix is case-sensitive and cmd.exe does not split an argument on newlines: `File "/x.py"`
  if (mode === 'injected' && (cmd.sep === '\n' || cmd.sep === '\r') && cmd.via === 'separator' && /^[A-Z]/.test(cmd.word)) return null;
  if (cmd.ifs) return 'rce:ifs-evasion';
  if (cmd.obfuscated && (strong || cmd.args.length > 0 || cmd.via !== 'start')) return 'rce:obfuscated-command';
  const danger = dangerousShape(cmd) ?? windowsDanger(name, cmd, value.slice(cmd.start, Math.max(cmd.end, cmd.start + 512)));
  if (danger) return danger;
  const inline = inlineScript(value, cmd, depth);
  if (inline) return inline.stamp;
  if (cmd.via === 'brace') return cmd.args.length > 0 ? 'rce:brace-expansion' : null;
  // Markdown inline code in a sentence (`npm install x`, `whoami`) shows a command, it does not run it
  if (cmd.via === 'backtick' && cmd.spacedTick) mode = 'scripted';
  if (mode === 'scripted') return depth > 0 && cmd.head ? (RECON.has(name) || RECON_ALONE.has(name) ? 'rce:recon' : null) : chained(cmd);
  return windowsCommand(cmd) ?? (known ? injected(cmd, strong) : null);
}

/** Commands judge() can accept, and line heads: the lexer need not build the others' arguments. */
function wanted(name: string, word: string, head: boolean): boolean {
  return head || STRONG.has(name) || WEAK.has(name) || CMDLETS.has(name) || KEYWORDS.has(name) || ALIASES.has(name) || isGlobProgram(word) || windowsShape(word) !== null || VARIABLE_WORD.test(word);
}

/** Three or more non-blank lines. */
function isDocument(v: string): boolean {
  let lines = 0;
  let blank = true;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 10) {
      if (!blank && ++lines >= 2) return v.slice(i).trim().length > 0;
      blank = true;
    } else if (c > 32) blank = false;
  }
  return false;
}

function judgeAll(value: string, breakout: boolean, depth: number): Found | null {
  const cmds = shellCommands(value, 128, wanted);
  const doc = !breakout && value.indexOf('\n') >= 0 && isDocument(value);
  let valueMode: Mode = 'injected';
  let lineMode: Mode = 'injected';
  let line = -1;
  for (const cmd of cmds) {
    if (cmd.line !== line) {
      line = cmd.line;
      lineMode = doc ? 'injected' : valueMode;
    }
    let mode = lineMode;
    if (cmd.head && (doc || cmd.line === 0)) {
      // the part of a broken-out value before its first separator is the argument it closes
      if (breakout) continue;
      const m: Mode = depth > 0 || commandLike(cmd) ? 'scripted' : 'injected';
      lineMode = m;
      if (cmd.line === 0) valueMode = m;
      if (m === 'injected') continue; // data or prose: words, not a command
      mode = m;
    }
    const st = judge(value, cmd, mode, depth);
    if (st) return { stamp: st, s: cmd.start, e: cmd.end };
  }
  return null;
}

/** The quote a value closes when it starts inside a quoted argument (a quote before any separator). */
function closingQuote(v: string): string | null {
  for (let i = 0; i < v.length && i < 256; i++) {
    const c = v.charCodeAt(i);
    if (c === 39 || c === 34) return /[;|&\n\r`]/.test(v.slice(i + 1)) ? v[i]! : null;
    if (c === 59 || c === 124 || c === 38 || c === 10 || c === 96 || c === 36) return null;
  }
  return null;
}

/** The first OS command the value injects, or null. */
export function osCommand(value: string, depth = 0): Found | null {
  const r = judgeAll(value, false, depth);
  if (r || depth > 0) return r;
  const q = closingQuote(value);
  if (q === null) return null;
  const alt = judgeAll(q + value, true, depth);
  return alt ? { stamp: alt.stamp, s: Math.max(0, alt.s - 1), e: alt.e - 1 } : null;
}
