/**
 * Path traversal / local file inclusion.
 *
 * The value is normalised like a file API would (see lexers/path: repeated percent-decoding,
 * overlong UTF-8, Unicode look-alikes, backslashes, NULs, `..;`, `....//`), then its segments are
 * walked. Flags: a path that climbs two or more levels above where it starts (one level for URL
 * paths, which must never leave the web root, or when the dots needed decoding or a NUL byte hides
 * an extension); any `..` together with a sensitive target; a sensitive system file named by an
 * absolute path (`/etc/passwd`, `C:\Windows\win.ini`, `/proc/self/environ`, `~/.ssh/id_rsa`...);
 * UNC paths to administrative shares; PHP stream wrappers used for inclusion (`php://filter`).
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

/** First sensitive target in a normalised path, or -1. */
function findSensitive(norm: string, needSlashBefore: boolean): { at: number; len: number } | null {
  for (const t of SENSITIVE) {
    let i = norm.indexOf(t);
    while (i >= 0) {
      const before = i > 0 ? norm.charCodeAt(i - 1) : 32;
      const okBefore = t.charCodeAt(0) === 46 ? before === 47 || i === 0 : i === 0 ? !needSlashBefore || t.indexOf('/') > 0 : needSlashBefore ? before === 47 : isBoundary(before);
      const last = t.charCodeAt(t.length - 1);
      const okAfter = last === 47 || isEndBoundary(norm.charCodeAt(i + t.length));
      if (okBefore && okAfter) return { at: i, len: t.length };
      i = norm.indexOf(t, i + 1);
    }
  }
  return null;
}

const WRAPPER = /\b(?:php:\/\/(?:filter|input|fd|memory|temp)|phar:\/\/|zip:\/\/|compress\.(?:zlib|bzip2):\/\/|expect:\/\/|glob:\/\/|ogg:\/\/|rar:\/\/|jar:(?:file|https?):)/i;

export const ptrav: Detector = {
  type: 'ptrav',
  description: 'Path traversal / LFI: normalises encodings, walks segments for `..` escapes and sensitive targets',
  detect(value: string, ctx: DetectContext): DetectorMatch | null {
    if (value.length < 3) return null;
    const flags = charFlags(value);
    if (!(flags & (F.DOT | F.SLASH | F.BSLASH | F.PERCENT | F.NONASCII))) return null;
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
    }
    if (hasSep) {
      // an absolute (or drive / UNC / file: URL) path naming a sensitive target
      const s = findSensitive(info.norm, true);
      if (s) return { stamp: 'ptrav:sensitive-file', payload: excerpt(info.norm, s.at, s.at + s.len) };
    }
    if (flags & F.BSLASH && /^\\\\[^\\]+\\[a-z]\$|^\\\\[^\\]+\\(?:admin|ipc)\$/i.test(value)) {
      return { stamp: 'ptrav:unc', payload: excerpt(value, 0, 40) };
    }
    if (info.nul && /\.[a-z0-9]{1,5}\0/i.test(value) && hasSep) {
      return { stamp: 'ptrav:null-byte', payload: excerpt(value, 0, 60) };
    }
    if (flags & F.COLON) {
      const m = WRAPPER.exec(value);
      if (m) return { stamp: 'ptrav:stream-wrapper', payload: excerpt(value, m.index, m.index + m[0].length + 30) };
    }
    return null;
  },
};
