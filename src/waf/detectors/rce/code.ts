// Server-side code injection: calls that reach the OS or an evaluator in PHP, Python, Node, Ruby,
// Java and ASP, with code-like arguments (a string, a variable, another call) so that prose naming
// `system` or `eval` passes. Process APIs scripts use every day (`subprocess.run`, `os.system`,
// `child_process.exec`) count by the command they are handed, file APIs by the file (a sensitive
// system file). Also: Java reflection reaching Runtime / ProcessBuilder
// (`Class.forName("java.lang.Runtime")`), PHP statements injected after a `;` (`;phpinfo();`),
// `open("|cmd")` pipes (Ruby, Perl), Ruby `%x(...)` command literals, `preg_replace` with the `/e`
// modifier, the Function constructor reached through `constructor.constructor`, PHP open tags and
// `${@call()}` interpolation. A cheap scan for a call of a known name comes first.
import { F } from '../../lexers/text.js';
import { shellCommands } from '../../lexers/shell.js';
import { baseName } from '../../lexers/shell-words.js';
import { osCommand, type Found } from './commands.js';
import { STRONG, WEAK } from './programs.js';
import { isSensitivePath } from './shapes.js';

const CODE_SINK = /(?<![.$\w])(?:system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec|assert|eval|create_function|call_user_func(?:_array)?|execute(?:global)?|executeglobal|__import__|execsync|spawnsync|processbuilder|io\.popen|kernel\.(?:exec|system|spawn|open)|createobject|runtime\.exec)\s*\(\s*(?:["'`$@]|[a-z_][\w.]*\s*\(|\[\s*["'])/i;
const CHILD_PROCESS = /getruntime\s*\(\s*\)\s*\.\s*exec\s*\(|require\s*\(\s*["'`]child_process["'`]\s*\)|process\.mainmodule|process\.binding\s*\(\s*["'`]spawn_sync|\bpty\s*\.\s*spawn\s*\(/i;
/**
 * Process APIs that scripts use every day (`subprocess.run(["git", "status"])`): they count when the
 * command they are handed, a string or the first item of a list, reaches a shell, a distinctive
 * program or an execution shape.
 */
const PROCESS_CALL = /(?:\bsubprocess\s*\.\s*(?:call|run|popen|check_output|check_call|getoutput|getstatusoutput)|\bos\s*\.\s*(?:system|popen|exec[lv]p?e?|spawn[lv]p?e?)|child_process\s*\.\s*(?:exec|execsync|spawn|spawnsync|execfile|fork))\s*\(\s*\[?\s*(["'`])([^"'`]{1,200})\1/gi;
/** Java: a process builder, or reflection / scripting engines reaching one. */
const JAVA_EXEC = /\bnew\s+(?:java\.lang\.)?processbuilder\s*\(|\b(?:forname|loadclass)\s*\(\s*["'](?:java\.lang\.(?:runtime|processbuilder)|javax\.script\.scriptenginemanager)["']|\bgetmethod\s*\(\s*["'](?:getruntime|exec|start)["']|\bjavax\.script\.scriptenginemanager\s*\(|\bgetenginebyname\s*\(\s*["']/i;
/** A PHP statement of its own: `;phpinfo();`, `phpinfo()` as the whole value, `<?php php_uname()`. */
const PHP_STATEMENT = /(?:^|[;{}]|<\?(?:php)?)\s*(?:phpinfo|php_uname)\s*\(\s*["']?\w{0,3}["']?\s*\)\s*(?:;|\?>|$)/i;
/** `open("|id")`, `open(F, "| id")`, `IO.readlines('|id')`: a pipe opened as a file (Ruby, Perl). */
const PIPE_OPEN = /(?<![\w$])(?:open|readlines|read|foreach|binread)\s*\(\s*(?:[a-z_]\w*\s*,\s*)?["'`]\s*\|\s*[a-z/.]/i;
/** `preg_replace('/x/e', ...)`: the replacement is evaluated as PHP. */
const PREG_E = /preg_replace\s*\(\s*(["'])([^\w\s\\'"])[^'"]{0,300}?\2([a-z]{0,8})\1/i;
/** `[].constructor.constructor("return process")()`: the Function constructor outside any sandbox. */
const FUNCTION_CTOR = /\.\s*constructor\s*\.\s*constructor\s*\(\s*["'`]/i;
const PHP_OPEN = /<\?(?:php\b|=)/i;
/** `${@print(md5(1))}`: a call in PHP's complex string interpolation (the `@` makes it PHP, not a JS template). */
const PHP_INTERPOLATION = /\$\{\s*@[a-z_]\w*\s*\(/i;
/** A file API handed a sensitive system file: `open('/etc/passwd').read()`, `readFileSync('/etc/shadow')`. */
const FILE_API = /(?<![\w$])(?:open|fopen|readfile|file_get_contents|file|readfilesync|read_file|highlight_file|show_source|io\.read|file\.read)\s*\(\s*["'`]([^"'`]{3,200})["'`]/gi;

/** The names (last segment, lower-case) whose call the patterns below are about. */
const SINKS = new Set([
  'system', 'exec', 'shell_exec', 'passthru', 'popen', 'proc_open', 'pcntl_exec', 'assert', 'eval', 'create_function',
  'call_user_func', 'call_user_func_array', 'execute', 'executeglobal', '__import__', 'execsync', 'spawnsync', 'processbuilder',
  'createobject', 'require', 'binding', 'spawn', 'fork', 'call', 'run', 'check_output', 'check_call', 'getoutput',
  'execl', 'execle', 'execlp', 'execv', 'execve', 'execvp', 'execvpe', 'spawnl', 'spawnle', 'spawnlp', 'spawnv', 'spawnve', 'spawnvp',
  'forname', 'loadclass', 'getmethod', 'scriptenginemanager', 'getenginebyname', 'phpinfo', 'php_uname', 'open', 'readlines',
  'read', 'foreach', 'binread', 'preg_replace', 'constructor', 'fopen', 'readfile', 'file_get_contents', 'file', 'readfilesync',
  'read_file', 'highlight_file', 'show_source', 'getruntime', 'mainmodule',
]);
const isIdent = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;

/** Is some `(` in `s` a call of one of SINKS (`name(`, `obj.name (`)? Cheaper than running every pattern. */
function callsSink(s: string): boolean {
  for (let i = s.indexOf('('); i >= 0; i = s.indexOf('(', i + 1)) {
    let e = i;
    while (e > 0 && (s.charCodeAt(e - 1) === 32 || s.charCodeAt(e - 1) === 9)) e--;
    let b = e;
    while (b > 0 && e - b < 24 && isIdent(s.charCodeAt(b - 1))) b--;
    if (b < e && SINKS.has(s.slice(b, e).toLowerCase())) return true;
  }
  return false;
}

/** A command handed to a process API: a shell, a distinctive program, or an execution shape. */
function runsSomething(command: string): boolean {
  const first = baseName(command.trim().split(/\s/, 1)[0]!);
  return STRONG.has(first) || first === 'id' || osCommand(command) !== null;
}

/** Undo `"Ex"&"ecute"` / `'sy'+'stem'` / `"a" . "b"` string splitting. */
function joinSplitStrings(s: string): string {
  return s.replace(/(["'])\s*[&+.]\s*\1/g, '');
}

/** Ruby `%x(id)`, `%x{uname -a}`: a command literal naming a known program. */
function rubyCommandLiteral(value: string): Found | null {
  for (let i = value.indexOf('%x'), tries = 0; i >= 0 && tries < 32; i = value.indexOf('%x', i + 2), tries++) {
    const open = value[i + 2];
    const close = open === '(' ? ')' : open === '{' ? '}' : open === '[' ? ']' : open === '<' ? '>' : open === '|' ? '|' : null;
    if (close === null) continue;
    const k = value.slice(i + 3, i + 259).indexOf(close);
    if (k < 0) continue;
    const end = i + 3 + k;
    const first = shellCommands(value.slice(i + 3, end), 4)[0];
    if (first && (STRONG.has(first.name) || WEAK.has(first.name))) return { stamp: 'rce:code-injection', s: i, e: end + 1 };
  }
  return null;
}

export function codeInjection(value: string, flags: number): Found | null {
  if (flags & F.PERCENT && value.indexOf('%x') >= 0) {
    const r = rubyCommandLiteral(value);
    if (r) return r;
  }
  if (flags & F.LPAREN) {
    const joined = flags & (F.SQUOTE | F.DQUOTE) ? joinSplitStrings(value) : value;
    if (callsSink(joined)) {
      for (const re of [CODE_SINK, CHILD_PROCESS, JAVA_EXEC, PHP_STATEMENT, PIPE_OPEN, FUNCTION_CTOR]) {
        const m = re.exec(joined);
        if (m) return { stamp: 'rce:code-injection', s: Math.min(m.index, value.length), e: m.index + m[0].length + 30 };
      }
      FILE_API.lastIndex = 0;
      for (let f = FILE_API.exec(joined), k = 0; f !== null && k < 16; f = FILE_API.exec(joined), k++) {
        if (isSensitivePath(f[1]!)) return { stamp: 'rce:code-injection', s: f.index, e: f.index + f[0].length };
      }
      PROCESS_CALL.lastIndex = 0;
      for (let c = PROCESS_CALL.exec(joined), k = 0; c !== null && k < 16; c = PROCESS_CALL.exec(joined), k++) {
        if (runsSomething(c[2]!)) return { stamp: 'rce:code-injection', s: c.index, e: c.index + c[0].length };
      }
      const p = PREG_E.exec(joined);
      if (p && p[3]!.toLowerCase().includes('e')) return { stamp: 'rce:code-injection', s: p.index, e: p.index + p[0].length };
    }
  }
  if (flags & F.DOLLAR && flags & F.LBRACE && flags & F.AT) {
    const m = PHP_INTERPOLATION.exec(value);
    if (m) return { stamp: 'rce:code-injection', s: m.index, e: m.index + m[0].length + 30 };
  }
  if (flags & F.LT) {
    const m = PHP_OPEN.exec(value);
    if (m && /[($;`]/.test(value.slice(m.index, m.index + 200))) return { stamp: 'rce:php-code', s: m.index, e: m.index + 60 };
  }
  return null;
}
