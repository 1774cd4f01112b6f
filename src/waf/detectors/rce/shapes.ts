// Command shapes that mean code execution whoever wrote the command line: a shell fed from a pipe,
// an interactive shell, a network tool handing out a shell, a sensitive file read or sent away,
// a write into a login, cron or web-root file, a root wipe, a dropped binary run from /tmp. The
// rce detector flags these even in a value that is itself a command line (a README step, a script).
import type { ShellCommand, ShellWord } from '../../lexers/shell.js';

/** Shells and interpreters that run what they read on stdin. */
export const SHELLS = new Set(['sh', 'bash', 'zsh', 'ksh', 'dash', 'csh', 'tcsh', 'fish', 'busybox']);
const STDIN_RUNNERS = new Set([...SHELLS, 'python', 'python2', 'python3', 'perl', 'ruby', 'php', 'node', 'lua', 'pwsh', 'powershell', 'iex', 'cmd', 'invoke-expression']);
/** Programs that run the program named in their arguments. */
const PREFIXES = new Set(['sudo', 'env', 'nohup', 'exec', 'time', 'setsid', 'timeout', 'doas', 'command', 'builtin']);
const NETCATS = new Set(['nc', 'ncat', 'netcat']);
/** Programs that print or send a file named in their arguments. */
const READERS = new Set([
  'cat', 'tac', 'more', 'less', 'head', 'tail', 'nl', 'od', 'xxd', 'hexdump', 'strings', 'base64', 'base32', 'type', 'sort',
  'uniq', 'grep', 'egrep', 'cut', 'awk', 'sed', 'cp', 'scp', 'rsync', 'curl', 'wget', 'nc', 'ncat', 'netcat', 'diff', 'rev',
  'get-content', 'gc', 'findstr', 'zip', 'tar', 'gzip', 'openssl', 'dd', 'vi', 'vim', 'nano', 'view', 'ls', 'stat', 'file',
]);

/**
 * Files whose content is the prize (accounts, keys, shell history, process environment, Windows
 * hives), matched on the path with backslashes turned into slashes, lower-cased.
 */
const SENSITIVE =
  /^(?:\/etc\/(?:passwd|shadow|gshadow|group|sudoers|master\.passwd|security\/|ssh\/)|\/proc\/(?:self|\d+)\/(?:environ|cmdline|maps|mem)|(?:[a-z]:)?\/windows\/(?:win\.ini|system32\/config\/|repair\/)|(?:[a-z]:)?\/boot\.ini$)|(?:^|\/)(?:\.ssh\/(?:id_\w+|authorized_keys\d?|known_hosts)$|id_(?:rsa|dsa|ecdsa)$|\.bash_history$|\.aws\/credentials|\.git-credentials|\.netrc$|\.pgpass$|wp-config\.php$|web\.config$)|^hk(?:lm|ey_local_machine)\/(?:sam|security|system)\b/;
/** Files a write into which runs code later or grants a login. */
const PLANTED = /(?:^|\/)(?:authorized_keys2?$|\.bashrc$|\.profile$|\.bash_profile$|\.zshrc$|crontab$|cron\.d\/|rc\.local$|\.htaccess$|init\.d\/)|^\/etc\/(?:passwd|shadow|sudoers|ld\.so\.preload)|^\/var\/spool\/cron|^\/(?:var\/www|srv\/www|usr\/share\/nginx)\/|\.(?:php\d?|phtml|jspx?|aspx?|cgi)$/;
/** Writable scratch directories droppers run their binary from. */
const SCRATCH = /^\/(?:tmp|var\/tmp|dev\/shm)\//;

const norm = (t: string): string => t.replace(/\\/g, '/').toLowerCase();

export function isSensitivePath(t: string): boolean {
  return t.length > 2 && t.length < 512 && SENSITIVE.test(norm(t));
}

/** The program a prefix runner (`sudo`, `env X=1`, `nohup`) runs, with its arguments; else the command itself. */
export function effective(cmd: ShellCommand): { name: string; args: ShellWord[] } {
  if (!PREFIXES.has(cmd.name)) return { name: cmd.name, args: cmd.args };
  for (let k = 0; k < cmd.args.length; k++) {
    const t = cmd.args[k]!.text;
    if (t.startsWith('-') || t.includes('=') || /^\d+[a-z]?$/.test(t)) continue;
    const base = t.toLowerCase().replace(/^.*\//, '');
    return { name: base, args: cmd.args.slice(k + 1) };
  }
  return { name: cmd.name, args: cmd.args };
}

const isFlag = (t: string): boolean => t === '-' || /^--?[a-z]/i.test(t);

/** The options before a command's first operand (`bash -li script.sh -i`: `-li`). */
function leadingFlags(args: ShellWord[]): string[] {
  const out: string[] = [];
  for (const a of args) {
    if (!a.text.startsWith('-')) break;
    out.push(a.text);
  }
  return out;
}

/** The execution shape of a command, whatever context it stands in, or null. */
export function dangerousShape(cmd: ShellCommand): string | null {
  const { name, args } = effective(cmd);
  // `curl ... | sh`, `| python3 -`, `| iex`: the pipe's content becomes code
  if (cmd.sep === '|' && cmd.via === 'separator' && STDIN_RUNNERS.has(name) && args.every((a) => isFlag(a.text) || a.text === '--')) return 'rce:pipe-to-shell';
  if (SHELLS.has(name) && leadingFlags(args).some((t) => /^-[a-z]*i[a-z]*$/.test(t))) return 'rce:interactive-shell';
  if (NETCATS.has(name) && args.some((a) => /^-[a-z]*[ec]$/i.test(a.text) || a.text === '--exec' || a.text === '--sh-exec')) return 'rce:reverse-shell';
  if (name === 'socat' && args.some((a) => /^(?:exec|system):/i.test(a.text))) return 'rce:reverse-shell';
  if (READERS.has(name)) {
    for (const a of args) {
      // `-d @/etc/passwd`, `--upload-file=/etc/shadow`, `-F f=@~/.ssh/id_rsa`: the file is sent away
      const t = a.text.replace(/^(?:--?[a-z-]+=)?(?:[\w-]+=)?@?/i, '');
      if (isSensitivePath(t)) return 'rce:sensitive-file';
    }
  }
  if (cmd.redirect && args.some((a) => PLANTED.test(norm(a.text)))) return 'rce:file-write';
  if (name === 'rm' && args.some((a) => /^-[a-z]*r/i.test(a.text)) && args.some((a) => /^(?:\/\*?|~\/?|\/\*|[a-z]:\\?)$/i.test(a.text))) return 'rce:destructive';
  if (SCRATCH.test(cmd.word) && cmd.word.length > 5) return 'rce:dropper';
  if (name === 'chmod' && args.some((a) => SCRATCH.test(a.text))) return 'rce:dropper';
  return null;
}
