/**
 * Remote code / command execution.
 *
 * OS command injection is judged with the shell lexer: a known program in a command position that
 * the value itself creates (after `;` `|` `&&` `||` `&` newline, inside backticks or `$(...)`, in a
 * brace expansion), after de-obfuscation (quote splitting `c'a't`, backslashes, `$@`, `${IFS}`,
 * carets). Distinctive programs (wget, curl, nc, bash, powershell...) need no more; common words
 * that are also programs (cat, ls, id, echo...) need shell-like arguments (flags, paths, URLs,
 * quotes, redirections) or to stand alone after a separator. Words at the very start of a value are
 * only commands when their arguments look like shell (`curl and divergence` is prose).
 * Also: Shellshock function definitions, /dev/tcp reverse shells, code-evaluation sinks of
 * PHP/Python/Ruby/Java/Node/ASP called with code-like arguments (VBScript string-splitting
 * `"Ex"&"ecute"` undone), deserialization gadgets (YAML `!!python/`, Java serialized objects, PHP
 * `O:8:"..."`, pickle), and Log4Shell-style `${jndi:...}` lookups with nested-lookup obfuscation.
 */
import type { Detector, DetectorMatch, DetectContext } from '../types.js';
import { shellCommands, type ShellCommand, type ShellWord } from '../lexers/shell.js';
import { F, charFlags, excerpt } from '../lexers/text.js';
import { FILE_PROGRAMS, NET, NOARG, STRONG, WEAK, mayNameProgram } from './rce/programs.js';

const HOSTLIKE = /^(?:[a-z][a-z0-9+.-]*:\/\/|(?:\d{1,3}\.){3}\d{1,3}\b|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\.?$)/i;

function isShellArg(a: ShellWord, net: boolean): boolean {
  const t = a.text;
  if (t.length === 0) return a.quoted;
  const c = t.charCodeAt(0);
  if (c === 45 /* - */) return /^--?[a-z0-9]/i.test(t);
  if (c === 47 /* / */) return t.length > 1 && !/^\/\/?$/.test(t) && (t.length > 2 || /[a-z]/i.test(t));
  if (c === 126 /* ~ */ || c === 36 /* $ */ || c === 42 /* * */) return true;
  if (t.startsWith('./') || t.startsWith('../') || t.startsWith('%') || /^[a-z]:[\\/]/i.test(a.raw) || a.raw.startsWith('\\\\')) return true;
  if (/^\d+[<>]/.test(t) || t.includes('/dev/')) return true;
  // a properly quoted argument holding a command line or path (not an apostrophe inside a word)
  if (a.quoted && (a.raw[0] === "'" || a.raw[0] === '"') && /[\s/|;$]/.test(t)) return true;
  return net && t.length <= 253 && HOSTLIKE.test(t);
}

/** `/???/??t`, `/bin/c?t`, `/usr/bin/w*`: a program path spelled with glob wildcards. */
function isGlobProgram(word: string): boolean {
  if (word.charCodeAt(0) !== 47 || word.length > 64) return false;
  let wild = 0;
  for (let i = 1; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c === 63 || c === 42 || c === 91) wild++;
    else if (!(c === 47 || c === 46 || c === 93 || (c >= 97 && c <= 122) || (c >= 48 && c <= 57))) return false;
  }
  return wild >= 2 && word.indexOf('/', 1) > 0;
}

function judgeCommand(cmd: ShellCommand): string | null {
  const name = cmd.name;
  if (isGlobProgram(cmd.word)) return 'rce:glob-evasion';
  const strong = STRONG.has(name);
  const weak = !strong && WEAK.has(name);
  if (!strong && !weak) return null;
  const net = NET.has(name);
  const shellArgs = cmd.redirect || cmd.args.some((a) => isShellArg(a, net));
  const noArgs = cmd.args.length === 0;
  switch (cmd.via) {
    case 'start':
      if (cmd.ifs) return 'rce:ifs-evasion';
      if (strong && shellArgs) return 'rce:command';
      if (weak && cmd.obfuscated && shellArgs) return 'rce:obfuscated-command';
      // a lone file-reading program with a path: `ls -la /tmp`, `cat /etc/hosts`
      if (weak && FILE_PROGRAMS.has(name) && cmd.args.length <= 3 && cmd.args.some((a) => a.text.startsWith('/') && a.text.length > 2 && a.text.includes('/', 1))) return 'rce:command';
      return null;
    case 'separator':
      if (cmd.ifs || cmd.obfuscated) return cmd.ifs ? 'rce:ifs-evasion' : 'rce:obfuscated-command';
      if (strong && (shellArgs || (noArgs && cmd.sep !== '('))) return 'rce:separator-command';
      if (weak && shellArgs) return 'rce:separator-command';
      if (weak && noArgs && NOARG.has(name) && cmd.sep !== '&' && cmd.sep !== '(') return 'rce:separator-command';
      // blind probes: `; sleep 5`, `| ping -n 10 ...`
      if ((name === 'sleep' || name === 'timeout') && /^\d+$/.test(cmd.args[0]?.text ?? '') && cmd.args.length === 1) return 'rce:separator-command';
      return null;
    case 'substitution':
      return 'rce:substitution';
    case 'backtick':
      // Markdown-style inline code (`npm install x`, `ls -la`) names everyday programs; distinctive
      // ones (`curl ...`, `bash -i`) still count
      if (cmd.spacedTick && weak && !cmd.redirect) return null;
      return 'rce:substitution';
    case 'brace':
      return cmd.args.length > 0 ? 'rce:brace-expansion' : null;
    default:
      return null;
  }
}

/** Code-evaluation sinks called with code-like arguments (a string, a variable, another call). */
const CODE_SINK = /(?<![.$\w])(?:system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec|assert|eval|create_function|call_user_func(?:_array)?|execute(?:global)?|executeglobal|__import__|execsync|spawnsync|processbuilder|io\.popen|kernel\.(?:exec|system|spawn)|createobject|runtime\.exec)\s*\(\s*(?:["'`$@]|[a-z_][\w.]*\s*\(|\[\s*["'])/i;
const CODE_HINT = /system|exec|passthru|popen|proc_open|assert|eval|create_function|call_user_func|__import__|spawn|processbuilder|kernel|createobject|runtime/i;
const CHILD_PROCESS = /getruntime\s*\(\s*\)\s*\.\s*exec\s*\(|require\s*\(\s*["'`]child_process["'`]\s*\)|process\.mainmodule|child_process\s*\.\s*(?:exec|spawn|fork)|subprocess\s*\.\s*(?:call|run|popen|check_output|check_call|getoutput)\s*\(|\bos\s*\.\s*(?:system|popen|exec[lv]p?e?|spawn[lv]p?e?)\s*\(/i;
const PHP_OPEN = /<\?(?:php\b|=)/i;
const DESERIALIZE = /!!(?:python\/|ruby\/|javax?\.|com\.sun\.|org\.(?:apache|springframework)\.)|\brO0AB[A-Za-z0-9+/]|\baced0005|\bO:\d{1,4}:"[\w\\]{1,200}":\d{1,4}:\{|"\$type"\s*:\s*"[\w.]+(?:ObjectDataProvider|Process|ExpandedWrapper|WindowsIdentity|TypeConfuseDelegate)|\bc(?:os|posix|subprocess|builtins|__builtin__)\n(?:system|popen|exec|eval|call|check_output)\b/;

/** Undo `"Ex"&"ecute"` / `'sy'+'stem'` / `"a" . "b"` string splitting. */
function joinSplitStrings(s: string): string {
  return s.replace(/(["'])\s*[&+.]\s*\1/g, '');
}

/** Resolve Log4j nested lookups (`${lower:j}`, `${::-n}`, `${env:X:-d}`) enough to expose `${jndi:`. */
function unwrapLookups(s: string): string {
  let cur = s;
  for (let r = 0; r < 6; r++) {
    const next = cur
      .replace(/\$\{[^{}$]{0,64}?:-([^{}$]{0,64})\}/g, '$1')
      .replace(/\$\{(?:lower|upper|date|sys|env|main|ctx|base64|k8s|docker|web|spring|bundle|jvmrunargs|java|marker|map|sd):([^{}$]{0,64})\}/gi, '$1');
    if (next === cur) break;
    cur = next;
  }
  return cur.replace(/['"]/g, '');
}

function check(value: string, flags: number): { stamp: string; s: number; e: number } | null {
  // Log4Shell
  if (flags & F.DOLLAR && flags & F.LBRACE) {
    const lower = value.toLowerCase();
    let at = lower.indexOf('${jndi:');
    if (at < 0 && /\$\{[^}]{0,80}\$\{/.test(value)) {
      const u = unwrapLookups(value).toLowerCase();
      const k = u.indexOf('${jndi:');
      if (k >= 0) return { stamp: 'rce:log4shell', s: 0, e: Math.min(value.length, 100) };
    }
    if (at >= 0) return { stamp: 'rce:log4shell', s: at, e: at + 60 };
    at = -1;
  }
  // Shellshock
  if (flags & F.LPAREN && flags & F.LBRACE) {
    const m = /\(\s*\)\s*\{[^}]{0,40}\}\s*;/.exec(value);
    if (m) return { stamp: 'rce:shellshock', s: m.index, e: m.index + m[0].length + 30 };
  }
  if (flags & F.SLASH) {
    const d = value.search(/\/dev\/(?:tcp|udp)\/[^/\s]+\/\d/);
    if (d >= 0) return { stamp: 'rce:dev-tcp', s: d, e: d + 30 };
  }
  // deserialization gadgets
  if (flags & (F.EXCL | F.COLON | F.DQUOTE | F.NEWLINE) || /rO0AB|aced0005/.test(value)) {
    const m = DESERIALIZE.exec(value);
    if (m) return { stamp: 'rce:deserialization', s: m.index, e: m.index + m[0].length + 20 };
  }
  // code evaluation sinks
  const joined = flags & F.LPAREN && flags & (F.SQUOTE | F.DQUOTE) ? joinSplitStrings(value) : value;
  if (flags & F.LPAREN && CODE_HINT.test(joined)) {
    let m = CODE_SINK.exec(joined);
    if (m) return { stamp: 'rce:code-injection', s: Math.min(m.index, value.length), e: m.index + m[0].length + 30 };
    m = CHILD_PROCESS.exec(joined);
    if (m) return { stamp: 'rce:code-injection', s: Math.min(m.index, value.length), e: m.index + m[0].length + 30 };
  }
  if (flags & F.LT) {
    const m = PHP_OPEN.exec(value);
    if (m && /[($;]/.test(value.slice(m.index, m.index + 200))) return { stamp: 'rce:php-code', s: m.index, e: m.index + 60 };
  }
  // OS commands: only where the value creates a command position (a separator or substitution),
  // or starts with a known program
  if ((flags & COMMAND_POSITION || startsWithProgram(value)) && mayNameProgram(value, flags)) {
    for (const cmd of shellCommands(value, 128, mayJudge)) {
      const st = judgeCommand(cmd);
      if (st) return { stamp: st, s: cmd.start, e: cmd.end };
    }
  }
  return null;
}

/** judgeCommand returns null for any other command: the lexer need not build those. */
function mayJudge(name: string, word: string): boolean {
  return STRONG.has(name) || WEAK.has(name) || isGlobProgram(word);
}

const COMMAND_POSITION = F.SEMI | F.PIPE | F.AMP | F.NEWLINE | F.BACKTICK | F.DOLLAR | F.LBRACE | F.LPAREN;

const QUOTING = /['"\\^]/;

function startsWithProgram(v: string): boolean {
  let i = 0;
  while (i < v.length && (v.charCodeAt(i) === 32 || v.charCodeAt(i) === 9)) i++;
  let j = i;
  while (j < v.length && j - i < 64) {
    const c = v.charCodeAt(j);
    if (c === 32 || c === 9) break;
    j++;
  }
  let w = v.slice(i, j).toLowerCase();
  if (QUOTING.test(w)) w = w.replace(/['"\\^]/g, '');
  const slash = Math.max(w.lastIndexOf('/'), w.lastIndexOf('\\'));
  if (slash >= 0) w = w.slice(slash + 1);
  if (w.endsWith('.exe')) w = w.slice(0, -4);
  return STRONG.has(w) || WEAK.has(w);
}

const SHELL_CHARS = F.SEMI | F.PIPE | F.AMP | F.NEWLINE | F.BACKTICK | F.DOLLAR | F.LBRACE | F.LPAREN | F.SQUOTE | F.DQUOTE | F.BSLASH | F.SLASH | F.DASH | F.GT | F.LT;

export const rce: Detector = {
  type: 'rce',
  description: 'Command/code execution: shell lexer finds programs in injected command positions; code-eval sinks, Shellshock, Log4Shell, deserialization',
  detect(value: string, _ctx: DetectContext): DetectorMatch | null {
    if (value.length < 2) return null;
    const flags = charFlags(value);
    if (!(flags & (SHELL_CHARS | F.EXCL | F.COLON))) {
      // a bare serialized Java object (base64 or hex) carries no shell characters
      const j = value.indexOf('rO0AB') >= 0 ? value.indexOf('rO0AB') : value.indexOf('aced0005');
      return j >= 0 ? { stamp: 'rce:deserialization', payload: excerpt(value, j, j + 40) } : null;
    }
    const r = check(value, flags);
    return r ? { stamp: r.stamp, payload: excerpt(value, r.s, r.e) } : null;
  },
};
