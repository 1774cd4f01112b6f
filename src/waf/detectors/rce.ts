/**
 * Remote code / command execution.
 *
 * OS command injection (rce/commands.ts) is judged with the shell lexer: the commands a value puts
 * in command positions, de-obfuscated the way the shell does it, judged by context. A value that
 * starts with data and then opens a command position (`x; id`, `$(...)`, `` `...` ``, a quote it
 * closes: `';id;'`) injects every known program it names there with telling arguments; a value that
 * is itself a command line (a README step, a script, a Makefile) counts only for execution shapes:
 * a shell fed from a pipe, reverse shells, sensitive files read or sent, planted files,
 * reconnaissance chained on, encoded or downloaded PowerShell and the Windows binaries that fetch and
 * run code (rce/shapes.ts, rce/windows.ts). Also: Shellshock function definitions, /dev/tcp,
 * code-evaluation sinks of PHP/Python/Ruby/Java/Node/ASP (rce/code.ts), expression languages:
 * Log4Shell lookups, OGNL, Spring class-loader binding, servlet EL (rce/expression.ts), and
 * deserialization payloads keyed on their structure (rce/deserialization.ts).
 */
import type { Detector, DetectorMatch, DetectContext } from '../types.js';
import { F, charFlags, excerpt, lowerOf } from '../lexers/text.js';
import { codeInjection } from './rce/code.js';
import { osCommand, type Found } from './rce/commands.js';
import { deserialization } from './rce/deserialization.js';
import { expressionLanguage, springClassLoader } from './rce/expression.js';
import { STRONG, WEAK, mayNameProgram } from './rce/programs.js';

const COMMAND_POSITION = F.SEMI | F.PIPE | F.AMP | F.NEWLINE | F.BACKTICK | F.DOLLAR | F.LBRACE | F.LPAREN;

/** Does the value's first word (quotes, escapes, carets, a path and `.exe` aside) name a known program? */
function startsWithProgram(v: string, flags: number): boolean {
  const lower = lowerOf(v);
  let i = 0;
  while (i < lower.length && (lower.charCodeAt(i) === 32 || lower.charCodeAt(i) === 9)) i++;
  let j = i;
  while (j < lower.length && j - i < 64 && lower.charCodeAt(j) !== 32 && lower.charCodeAt(j) !== 9) j++;
  if (j - i < 1) return false;
  let w = lower.slice(i, j);
  if (flags & (F.SQUOTE | F.DQUOTE | F.BSLASH) || w.indexOf('^') >= 0) w = w.replace(/['"\\^]/g, '');
  const slash = Math.max(w.lastIndexOf('/'), w.lastIndexOf('\\'));
  if (slash >= 0) w = w.slice(slash + 1);
  if (w.endsWith('.exe')) w = w.slice(0, -4);
  return STRONG.has(w) || WEAK.has(w);
}

function check(value: string, flags: number, ctx: DetectContext): Found | null {
  const el = expressionLanguage(value, flags);
  if (el) return el;
  // Shellshock: a function definition where an environment variable's value starts (`() { :;};`)
  if (flags & F.LPAREN && flags & F.LBRACE) {
    const m = /(?:^|[='"])\s*\(\s*\)\s*\{[^}]{0,40}\}\s*;/.exec(value);
    if (m) return { stamp: 'rce:shellshock', s: m.index, e: m.index + m[0].length + 30 };
  }
  if (flags & F.SLASH) {
    const d = value.search(/\/dev\/(?:tcp|udp)\/[^/\s]+\/\d/);
    if (d >= 0) return { stamp: 'rce:dev-tcp', s: d, e: d + 30 };
  }
  const de = deserialization(value, flags, ctx);
  if (de) return de;
  const code = codeInjection(value, flags);
  if (code) return code;
  // OS commands: only where the value creates a command position (a separator or substitution),
  // or starts with a known program
  if ((flags & COMMAND_POSITION || startsWithProgram(value, flags)) && mayNameProgram(value, flags)) {
    return osCommand(value);
  }
  return null;
}

const SHELL_CHARS = F.SEMI | F.PIPE | F.AMP | F.NEWLINE | F.BACKTICK | F.DOLLAR | F.LBRACE | F.LPAREN | F.SQUOTE | F.DQUOTE | F.BSLASH | F.SLASH | F.DASH | F.GT | F.LT;

export const rce: Detector = {
  type: 'rce',
  description: 'Command/code execution: shell commands by context (injected vs a written command line), code-eval sinks, expression languages (Log4Shell, OGNL, EL), deserialization structures',
  detect(value: string, ctx: DetectContext): DetectorMatch | null {
    if (value.length < 2) return null;
    const flags = charFlags(value);
    if (!(flags & (SHELL_CHARS | F.EXCL | F.COLON | F.AT | F.HASH | F.PERCENT))) {
      // no shell or code syntax: a class-loader property path, or a bare serialized object (base64, hex)
      if (value.length < 12 && ctx.point.length < 3) return null;
      const d = (flags & F.DOT ? springClassLoader(value) : null) ?? deserialization(value, flags, ctx);
      return d ? { stamp: d.stamp, payload: excerpt(value, d.s, d.e) } : null;
    }
    const r = check(value, flags, ctx);
    return r ? { stamp: r.stamp, payload: excerpt(value, r.s, r.e) } : null;
  },
};
