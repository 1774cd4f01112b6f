/**
 * Path traversal / local file inclusion.
 *
 * The value is normalised like a file API would (see lexers/path: repeated percent-decoding,
 * overlong UTF-8, Unicode look-alikes, backslashes, NULs, `..;`, `....//`), then its segments are
 * walked. Flags: a path that climbs two or more levels above where it starts (one level for URL
 * paths, which must never leave the web root, or when the dots needed decoding or a NUL byte hides
 * an extension); a `..;` segment (a path parameter Tomcat / Spring drop after the proxy checked the
 * path: `/allowed/..;/admin`); any `..` together with a sensitive target; a sensitive system file
 * named by an absolute path (`/etc/passwd`, `C:\Windows\win.ini`, `/proc/self/environ`,
 * `~/.ssh/id_rsa`...) when it is the value (or follows a quote, `=`, a bracket) or sits in a command
 * line with injection syntax (`;cat /etc/passwd`) — not in prose ("I can't edit /etc/hosts on my
 * Mac" is a topic, not a file the value asks for) nor as an argument of a plain command line
 * (`ssh -i ~/.ssh/id_ed25519 deploy@host`); UNC paths to administrative shares; PHP stream
 * wrappers used for inclusion (`php://filter`, `data://`).
 */
import type { Detector, DetectorMatch, DetectContext } from '../types.js';
import { analysePath } from '../lexers/path.js';
import { F, charFlags, excerpt } from '../lexers/text.js';

/** Sensitive targets, lower-case, `/`-separated; matched after a path boundary. */
const SENSITIVE = [
  'etc/passwd', 'etc/shadow', 'etc/gshadow', 'etc/group', 'etc/hosts', 'etc/issue', 'etc/motd', 'etc/crontab',
  'etc/sudoers', 'etc/hostname', 'etc/resolv.conf', 'etc/fstab', 'etc/mtab', 'etc/profile', 'etc/bashrc',
  'etc/environment', 'etc/my.cnf', 'etc/mysql/', 'etc/httpd/', 'etc/apache2/', 'etc/nginx/', 'etc/ssh/',
  'etc/ssl/private', 'etc/security/', 'etc/master.passwd', 'etc/pwd.db', 'etc/spwd.db', 'etc/os-release',
  'etc/lsb-release', 'etc/redhat-release', 'etc/inetd.conf', 'etc/php', 'etc/nsswitch.conf', 'etc/machine-id',
  'etc/kubernetes/', 'etc/rc.local', 'etc/init.d/', 'etc/cron', 'etc/anacrontab', 'etc/at.allow', 'etc/login.defs',
  'proc/self/', 'proc/thread-self/', 'proc/version', 'proc/cpuinfo', 'proc/meminfo', 'proc/net/', 'proc/mounts',
  'proc/sched_debug', 'proc/cmdline', 'proc/kcore', 'proc/1/',
  'var/log/', 'var/run/secrets', 'run/secrets/', 'var/lib/mysql', 'var/mail/', 'var/spool/cron', 'usr/local/apache',
  'usr/local/etc/', 'dev/shm/', 'sys/class/net/',
  '.ssh/', 'id_rsa', 'id_dsa', 'id_ecdsa', 'id_ed25519', 'authorized_keys', '.bash_history', '.zsh_history',
  '.mysql_history', '.psql_history', '.bashrc', '.htpasswd', '.htaccess', '.git/config', '.git/head', '.svn/entries',
  '.aws/credentials', '.aws/config', '.docker/config.json', '.kube/config', '.npmrc', '.pgpass', '.netrc', '.env',
  'web-inf/web.xml', 'web-inf/classes', 'web-inf/lib', 'meta-inf/manifest.mf', 'web.config', 'wp-config.php',
  'configuration.php', 'localsettings.php', 'config/database.yml', 'application.properties', 'appsettings.json',
  'windows/win.ini', 'win.ini', 'system.ini', 'boot.ini', 'windows/system32/', 'winnt/system32/', 'windows/repair/',
  'system32/drivers/etc/hosts', 'system32/config/sam', 'ntuser.dat', 'inetpub/', 'autoexec.bat', 'pagefile.sys',
  'hiberfil.sys', 'windows/debug/netsetup.log', 'sysprep.inf', 'sysprep.xml', 'unattend.xml', 'windows/panther/',
  'windows/iis', 'php.ini', 'httpd.conf', 'my.ini', 'boot/grub',
];

function isBoundary(c: number): boolean {
  // start of a path component: not a letter, digit, `_` or `-`
  return !((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 45 || c === 46);
}
function isEndBoundary(c: number): boolean {
  return Number.isNaN(c) || !((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 45);
}

/**
 * Sensitive targets indexed for a linear scan: by their first two characters, then (for
 * multi-segment targets such as `etc/passwd`) by the first segment and the next two characters, so
 * each candidate position costs a couple of lookups even on `etc/etc/etc/...`.
 */
interface Bucket {
  singles: string[];
  /** first segment with its slash (`etc/`) -> rests indexed by their first two characters */
  groups: Map<string, Map<number, string[]>>;
}
const key2 = (s: string, i: number): number => (s.charCodeAt(i) << 16) | s.charCodeAt(i + 1);
const INDEX = new Map<number, Bucket>();
for (const t of SENSITIVE) {
  const k = key2(t, 0);
  let b = INDEX.get(k);
  if (!b) INDEX.set(k, (b = { singles: [], groups: new Map() }));
  const slash = t.indexOf('/');
  if (slash <= 0 || slash === t.length - 1) {
    b.singles.push(t);
    continue;
  }
  const prefix = t.slice(0, slash + 1);
  const rest = t.slice(slash + 1);
  let g = b.groups.get(prefix);
  if (!g) b.groups.set(prefix, (g = new Map()));
  const rk = key2(rest, 0);
  const list = g.get(rk);
  if (list) list.push(rest);
  else g.set(rk, [rest]);
}

function targetEndsOk(norm: string, t: string, end: number): boolean {
  return t.charCodeAt(t.length - 1) === 47 || isEndBoundary(norm.charCodeAt(end));
}

/**
 * First sensitive target in a normalised path: tried at each path-component start (after `/`, or
 * after any non-name character when `needSlashBefore` is false).
 */
function findSensitive(norm: string, needSlashBefore: boolean): { at: number; len: number } | null {
  const n = norm.length;
  for (let p = 0; p < n - 2; p++) {
    if (p > 0) {
      const before = norm.charCodeAt(p - 1);
      if (needSlashBefore ? before !== 47 : !isBoundary(before)) continue;
    }
    const b = INDEX.get(key2(norm, p));
    if (!b) continue;
    const dotOk = p === 0 || norm.charCodeAt(p - 1) === 47;
    for (const t of b.singles) {
      if (!norm.startsWith(t, p)) continue;
      // dot-files only right after a slash (or at the start); single names need a slash before when asked
      if (t.charCodeAt(0) === 46 ? !dotOk : p === 0 && needSlashBefore) continue;
      if (targetEndsOk(norm, t, p + t.length)) return { at: p, len: t.length };
    }
    for (const [prefix, rests] of b.groups) {
      if (!norm.startsWith(prefix, p)) continue;
      if (prefix.charCodeAt(0) === 46 && !dotOk) continue;
      const q = p + prefix.length;
      const list = rests.get(key2(norm, q));
      if (!list) continue;
      for (const r of list) {
        if (norm.startsWith(r, q) && targetEndsOk(norm, r, q + r.length)) return { at: p, len: prefix.length + r.length };
      }
    }
  }
  return null;
}

const WRAPPER = /\b(?:php:\/\/(?:filter|input|fd|memory|temp)|phar:\/\/|data:\/\/[\w.+-]+\/|zip:\/\/|compress\.(?:zlib|bzip2):\/\/|expect:\/\/|glob:\/\/|ogg:\/\/|rar:\/\/|jar:(?:file|https?):)/i;

export const ptrav: Detector = {
  type: 'ptrav',
  description: 'Path traversal / LFI: normalises encodings, walks segments for `..` escapes and sensitive targets',
  detect(value: string, ctx: DetectContext): DetectorMatch | null {
    if (value.length < 3) return null;
    const flags = charFlags(value);
    if (!(flags & (F.DOT | F.SLASH | F.BSLASH | F.PERCENT | F.NONASCII))) return null;
    // no separator, encoding, NUL, look-alike or `..`: the path walk has nothing to find
    if (!(flags & PATHISH) && value.indexOf('..') < 0) return flags & F.COLON ? wrapper(value) : null;
    const info = analysePath(value);
    const hasSep = info.norm.indexOf('/') >= 0;
    const urlPath = ctx.root === 'uri' || ctx.root === 'path';
    if (info.dotdot > 0) {
      const s = findSensitive(info.norm, false);
      if (s) return { stamp: 'ptrav:sensitive-file', payload: excerpt(info.norm, s.at, s.at + s.len) };
      if (info.escapes >= 2 || (info.escapes >= 1 && (urlPath || info.encoded || info.nul))) {
        const at = info.norm.indexOf('..');
        return { stamp: info.encoded ? 'ptrav:encoded-dotdot' : 'ptrav:dotdot', payload: excerpt(info.norm, at, at + 24) };
      }
      if (info.param) {
        const at = info.norm.indexOf('..;');
        return { stamp: 'ptrav:path-parameter', payload: excerpt(info.norm, at, at + 24) };
      }
    }
    if (hasSep) {
      // an absolute (or drive / UNC / file: URL) path naming a sensitive target
      const s = findSensitive(info.norm, true);
      if (s && !isProse(info.norm) && (standsAsValue(info.norm, s.at) || SHELL_SYNTAX.test(info.norm))) {
        return { stamp: 'ptrav:sensitive-file', payload: excerpt(info.norm, s.at, s.at + s.len) };
      }
    }
    if (flags & F.BSLASH && /^\\\\[^\\]+\\[a-z]\$|^\\\\[^\\]+\\(?:admin|ipc)\$/i.test(value)) {
      return { stamp: 'ptrav:unc', payload: excerpt(value, 0, 40) };
    }
    if (info.nul && /\.[a-z0-9]{1,5}\0/i.test(value) && hasSep) {
      return { stamp: 'ptrav:null-byte', payload: excerpt(value, 0, 60) };
    }
    return flags & F.COLON ? wrapper(value) : null;
  },
};

/** Characters that end a path written inside other text. */
function endsPath(c: number): boolean {
  return c <= 32 || c === 34 || c === 39 || c === 96 || c === 61 || c === 40 || c === 41 || c === 60 || c === 62 || c === 44 || c === 59 || c === 124 || c === 38;
}

/**
 * The path holding the target at `at` stands as a value: it starts the value or follows a quote,
 * `=`, a bracket... — not a blank, as an argument of a command line does.
 */
function standsAsValue(norm: string, at: number): boolean {
  let i = at;
  while (i > 0 && at - i < 4096 && !endsPath(norm.charCodeAt(i - 1))) i--;
  return i === 0 || norm.charCodeAt(i - 1) > 32 || (i <= 64 && norm.slice(0, i).trim() === '');
}

/** Command separators, substitutions, redirections, template braces: a command line that injects. */
const SHELL_SYNTAX = /[;|&$`<>{}\n]/;

/** A word of a sentence, with the punctuation prose puts around words. */
const PLAIN_WORD = /^[("'\u201c\u2018]?[A-Za-z\u00c0-\u024f]+(?:['\u2019-][A-Za-z\u00c0-\u024f]+)*[.,;:!?)"'\u201d\u2019]{0,3}$/;

/**
 * Prose: mostly plain words. A path named in a sentence ("I can't edit /etc/hosts on my Mac") is
 * a topic, not a file the value asks for; a value, a command line or code naming it is not prose.
 */
function isProse(v: string): boolean {
  const toks = (v.length > 4096 ? v.slice(0, 4096) : v).split(/\s+/);
  let n = 0;
  let words = 0;
  for (const t of toks) {
    if (t === '') continue;
    n++;
    if (PLAIN_WORD.test(t)) words++;
  }
  return n >= 4 && words >= 3 && words * 10 >= n * 6;
}

const PATHISH = F.SLASH | F.BSLASH | F.PERCENT | F.NONASCII | F.CTRL;

function wrapper(value: string): DetectorMatch | null {
  const m = WRAPPER.exec(value);
  return m ? { stamp: 'ptrav:stream-wrapper', payload: excerpt(value, m.index, m.index + m[0].length + 30) } : null;
}
