// The programs the rce detector knows, and a cheap test that tells when a value cannot name any of
// them in a command position, so the shell lexer need not run (see mayNameProgram).
import { F, lowerOf } from '../../lexers/text.js';
import { CMDLET_VERBS, EXEC_EXTENSIONS, PS_ALIASES } from './windows.js';

/** Programs whose name is rarely an ordinary word. */
export const STRONG = new Set([
  'wget', 'curl', 'nc', 'ncat', 'netcat', 'socat', 'telnet', 'nslookup', 'getent', 'whoami', 'uname', 'ifconfig',
  'ipconfig', 'netstat', 'bash', 'sh', 'zsh', 'ksh', 'csh', 'tcsh', 'fish', 'powershell', 'pwsh', 'cmd', 'certutil',
  'bitsadmin', 'wmic', 'python', 'python2', 'python3', 'perl', 'ruby', 'php', 'lua', 'busybox', 'base64', 'xxd',
  'chmod', 'chown', 'chattr', 'mkfifo', 'nohup', 'crontab', 'useradd', 'usermod', 'systeminfo', 'tasklist', 'taskkill',
  'regsvr32', 'rundll32', 'mshta', 'cscript', 'wscript', 'schtasks', 'tftp', 'nmap', 'masscan', 'traceroute', 'tracert',
  'printenv', 'sudo', 'xargs', 'awk', 'gawk', 'nawk', 'passwd', 'shutdown', 'reboot', 'iptables', 'msiexec',
  'installutil', 'regasm', 'odbcconf', 'forfiles', 'nohup', 'setsid', 'openssl', 'scp', 'rsync', 'sftp', 'ssh',
  'dnscat', 'nping', 'hping3', 'pkill', 'killall', 'lsof', 'strace',
  // Windows binaries and PowerShell aliases that are no English words
  'vssadmin', 'wevtutil', 'bcdedit', 'netsh', 'icacls', 'cacls', 'takeown', 'nltest', 'dsquery', 'qwinsta', 'quser',
  'cmstp', 'msbuild', 'certreq', 'esentutl', 'ntdsutil', 'diskshadow', 'wbadmin', 'psexec', 'procdump', 'net1', 'regsvcs',
  'findstr', 'dash',
]);
/** Programs that are also everyday words: need shell-like arguments or to stand alone. */
export const WEAK = new Set([
  'cat', 'tac', 'ls', 'dir', 'id', 'pwd', 'ps', 'env', 'echo', 'printf', 'set', 'type', 'more', 'less', 'head', 'tail',
  'find', 'grep', 'egrep', 'rm', 'cp', 'mv', 'touch', 'mkdir', 'rmdir', 'kill', 'who', 'w', 'last', 'date', 'time',
  'rev', 'sort', 'uniq', 'tee', 'sed', 'cut', 'tr', 'od', 'hexdump', 'strings', 'file', 'stat', 'du', 'df', 'mount',
  'net', 'reg', 'sc', 'ver', 'hostname', 'java', 'node', 'ftp', 'su', 'exec', 'eval', 'export', 'source', 'nl', 'wc',
  'timeout', 'start', 'call', 'copy', 'del', 'ren', 'rename', 'move', 'whereis', 'which', 'locate', 'history',
  'arp', 'route', 'ip', 'ss', 'finger', 'groups', 'users', 'lastlog', 'base32', 'zip', 'unzip', 'tar', 'gzip',
  'gunzip', 'bzip2', 'make', 'apt', 'yum', 'pip', 'npm', 'gem', 'git', 'docker', 'kubectl', 'systemctl', 'service',
  'sleep', 'ping', 'dig', 'host', 'ssh', 'gcc', 'shutdown', 'reboot',
]);
/** Shell keywords: a line that starts with one is a script, not data. */
export const KEYWORDS = new Set(['while', 'for', 'if', 'until', 'do', 'then', 'case', 'function']);
/** Weak programs that mean something with no argument at all (`; id`, `| ls`). */
export const NOARG = new Set(['id', 'ls', 'pwd', 'ps', 'env', 'dir', 'ver', 'hostname']);
/** Network programs: a host name or address is a telling argument. */
export const NET = new Set(['ping', 'nslookup', 'dig', 'host', 'getent', 'curl', 'wget', 'nc', 'ncat', 'netcat', 'telnet', 'traceroute', 'tracert', 'ssh', 'ftp', 'tftp', 'nping']);

/** Every program the shell judge can accept by name. */
const PROGRAMS = new Set([...STRONG, ...WEAK, ...PS_ALIASES]);
let maxLen = 0;
for (const p of PROGRAMS) maxLen = Math.max(maxLen, p.length);
const hashOf = (s: string): number => {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
};
const PROGRAM_HASHES = new Set([...PROGRAMS].map(hashOf));
const VERBS = new Set(CMDLET_VERBS);
const VERB_HASHES = new Set(CMDLET_VERBS.map(hashOf));
const key3 = (s: string, i: number): number => (s.charCodeAt(i) << 16) | (s.charCodeAt(i + 1) << 8) | s.charCodeAt(i + 2);
const EXTENSIONS = new Set(EXEC_EXTENSIONS.map((e) => key3(e, 0)));
const isLower = (c: number): boolean => c >= 97 && c <= 122;

/** Characters that can stand right before a program name: word starts, path separators, obfuscation. */
const BEFORE = new Uint8Array(128);
/** Characters that can stand right after one: word ends, `.exe`-style extensions, obfuscation. */
const AFTER = new Uint8Array(128);
for (const ch of ' \t\n\r\v\f;|&()`<>{},\'"\\^$') {
  BEFORE[ch.charCodeAt(0)] = 1;
  AFTER[ch.charCodeAt(0)] = 1;
}
for (const ch of '/%') BEFORE[ch.charCodeAt(0)] = 1;
AFTER[46] = 1; // .

const isAlnum = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90);

/**
 * Is some maximal run of ASCII letters and digits in `s` (lower-case) a program name standing where
 * a command name can (after a word start or a path separator, before a word end or an extension)?
 * With `windows`, also a Windows command by its shape: a file with an executable extension
 * (`calc.exe`), an `%ENV%` expansion, a Verb-Noun cmdlet (`invoke-webrequest`).
 */
function hasProgramRun(s: string, windows: boolean): boolean {
  const n = s.length;
  let h = 0;
  let start = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? s.charCodeAt(i) : 0;
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) {
      h = (Math.imul(h, 31) + c) | 0;
      continue;
    }
    const len = i - start;
    if (len > 0 && len <= maxLen && PROGRAM_HASHES.has(h) && (i === n || (c < 128 && AFTER[c] === 1))) {
      const b = start > 0 ? s.charCodeAt(start - 1) : 32;
      if (b < 128 && BEFORE[b] === 1 && PROGRAMS.has(s.slice(start, i))) return true;
    }
    if (windows && len > 0) {
      if (c === 46 && EXTENSIONS.has(key3(s, i + 1)) && !isLower(s.charCodeAt(i + 4))) return true;
      if (c === 37 && start > 0 && s.charCodeAt(start - 1) === 37 && isLower(s.charCodeAt(start))) return true;
      if (c === 45 && len <= 8 && VERB_HASHES.has(h) && isLower(s.charCodeAt(i + 1)) && VERBS.has(s.slice(start, i))) return true;
    }
    h = 0;
    start = i + 1;
  }
  return false;
}

/**
 * Would undoing quotes, backslashes and carets join two runs of letters and digits? Only then can the
 * de-obfuscated forms hold a name the value itself does not (a run of such characters, or a
 * backslash-newline, with a letter or digit on both sides).
 */
function joinable(s: string): boolean {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c !== 39 && c !== 34 && c !== 92 && c !== 94) continue;
    const left = i > 0 ? s.charCodeAt(i - 1) : 0;
    let j = i;
    while (j < n) {
      c = s.charCodeAt(j);
      if (c === 39 || c === 34 || c === 94) j++;
      else if (c === 92) j += s.charCodeAt(j + 1) === 10 ? 2 : 1;
      else break;
    }
    if (isAlnum(left) && j < n && isAlnum(s.charCodeAt(j))) return true;
    i = j;
  }
  return false;
}

/** `s` with the shell's escapes applied (`\x` -> `x`, backslash-newline dropped), quotes and carets dropped. */
function unescape(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92) {
      if (s.charCodeAt(i + 1) !== 10 && i + 1 < s.length) out += s[i + 1];
      i++;
    } else if (c !== 39 && c !== 34 && c !== 94) out += s[i];
  }
  return out;
}

/**
 * Could the shell lexer find, in `value`, a command whose name judgeCommand accepts? A program
 * name is made of letters and digits (lower-cased, as the lexer does), so it is a maximal run of them
 * in the value once the shell's own de-obfuscation is undone (quotes, backslashes and carets removed,
 * both as escapes and outright, as brace items are read), standing at a word start or after a path
 * separator, and at a word end or before an extension. `$` (empty expansions, `${IFS}`) and glob spellings (`/???/??t`) are not
 * worth modelling: they send the value to the lexer.
 */
export function mayNameProgram(value: string, flags: number): boolean {
  if (flags & F.DOLLAR) return true;
  if (flags & (F.STAR | F.BRACKET) || value.indexOf('?') >= 0) {
    let wild = 0;
    for (let i = value.indexOf('/'); i >= 0 && i < value.length; i++) {
      const c = value.charCodeAt(i);
      if ((c === 63 || c === 42 || c === 91) && ++wild >= 2) return true;
    }
  }
  const lower = lowerOf(value);
  if (hasProgramRun(lower, true)) return true;
  if (!(flags & (F.SQUOTE | F.DQUOTE | F.BSLASH)) && lower.indexOf('^') < 0) return false;
  if (!joinable(lower)) return false;
  return hasProgramRun(unescape(lower), false) || hasProgramRun(lower.replace(/['"\\^]/g, ''), false);
}
