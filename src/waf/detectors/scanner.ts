/**
 * Security scanners and reconnaissance.
 *
 * - User-Agent (ctx.root 'header', ctx.header 'USER-AGENT') naming a well-known scanner or attack
 *   tool: sqlmap, Nikto, Nmap NSE, Nessus / OpenVAS (and their `.nasl` plugin names), Acunetix,
 *   Netsparker, AppScan, WPScan, dirbuster / gobuster / feroxbuster / ffuf / wfuzz, masscan, zgrab,
 *   Nuclei, ZAP, Burp, Arachni, Skipfish, WhatWeb, commix, Hydra...
 * - Probe paths on the URL ('uri' / 'path'): well-known files scanners look for (`/.git/config`,
 *   `/.env`, `/wp-admin/setup-config.php`, `/phpmyadmin/`, `/server-status`, `/.aws/credentials`,
 *   Spring actuator heap dumps, PHPUnit eval-stdin, debug logs...); editor swap and backup copies of
 *   server scripts (`.index.php.swp`, `config.php~`, `login.asp.bak`: their source is served as
 *   text); segments carrying a scanner's signature (`acunetix-wvs-test-for-some-inexistent-file`,
 *   `nessus_is_probing_you`), which scanners request to learn how the site answers a 404.
 * - Anywhere: out-of-band interaction domains of scanners (Burp Collaborator, interactsh / oast.*,
 *   dnslog, canary tokens) and GraphQL introspection queries (schema reconnaissance).
 */
import type { Detector, DetectorMatch, DetectContext } from '../types.js';
import { F, charFlags, excerpt, lowerOf } from '../lexers/text.js';

/** Tool names matched as whole words of the lower-cased User-Agent (each starts with a letter). */
const UA_WORDS = new Set([
  'sqlmap', 'nikto', 'nmap', 'nessus', 'openvas', 'openvas-vt', 'openvasvt', 'acunetix', 'netsparker', 'invicti', 'appscan',
  'webinspect', 'w3af', 'wpscan', 'joomscan', 'droopescan', 'cmsmap', 'dirbuster', 'dirb', 'gobuster', 'feroxbuster',
  'ffuf', 'wfuzz', 'masscan', 'zgrab', 'zgrab2', 'zmap', 'nuclei', 'projectdiscovery', 'interactsh', 'arachni', 'skipfish',
  'whatweb', 'wapiti', 'commix', 'havij', 'hydra', 'thc-hydra', 'xsstrike', 'xsser', 'jaeles', 'zaproxy', 'burp',
  'burpsuite', 'paros', 'bbqsql', 'sqlninja', 'pangolin', 'metasploit', 'msfconsole', 'morfeus', 'zmeu', 'l9explore',
  'l9tcpid', 'l9scan', 'qualys', 'nexpose', 'detectify', 'hakrawler', 'dotdotpwn', 'fimap', 'sqlsus', 'uniscan', 'webshag',
  'vooki', 'crimscanner', 'cgichk', 'absinthe', 'netlab360', 'censysinspect', 'tsunami', 'goby', 'afrog', 'struts-pwn',
  'log4j-scan', 'mozlila', 'jorgee', 'dirsearch', 'gau', 'katana', 'dalfox', 'sqliv', 'grabber', 'nsauditor',
]);
/** Phrases and tokens that need a substring match. */
const UA_PHRASES = [
  'fuzz faster u fool', 'nmap scripting engine', 'owasp zap', 'zap/', 'vega/', 'xray/', 'medusa/', '.nasl',
  'automatic vulnerability', 'security scan', 'vulnerability scan', 'internet-measurement', 'expanse, a palo alto',
  'teh forest lobster', 'morpheus fucking scanner', 'blackwidow', 'brutus/',
];

const OAST = [
  'burpcollaborator.net', 'oastify.com', 'oast.me', 'oast.pro', 'oast.live', 'oast.site', 'oast.online', 'oast.fun',
  'interact.sh', 'interactsh.com', 'dnslog.cn', 'dnslog.link', 'ceye.io', 'requestbin.net', 'canarytokens.com',
  'canarytokens.org', 'xss.ht', 'bxss.me', 'r87.me', 'dnsbin.zhack.ca', 'pingb.in', 'ngrok.io', 'webhook.site',
  'd.requestrepo.com', 'eyes.sh', 'dig.pm', 'tu4.org',
];

const PROBE_PATHS = [
  '/.git/', '/.git', '/.gitconfig', '/.svn/', '/.hg/', '/.bzr/', '/.ds_store', '/.env', '/.aws/', '/.ssh/',
  '/.htpasswd', '/.htaccess', '/.bash_history', '/.npmrc', '/.dockerenv', '/.vscode/', '/.idea/', '/sftp-config.json',
  '/wp-admin/setup-config.php', '/wp-admin/install.php', '/wp-config.php', '/phpmyadmin', '/pma/', '/myadmin/',
  '/mysqladmin/', '/phpinfo.php', '/server-status', '/server-info', '/actuator/env', '/actuator/heapdump',
  '/actuator/gateway', '/jmx-console', '/manager/html', '/cgi-bin/test-cgi', '/cgi-bin/php', '/hnap1',
  '/vendor/phpunit/', '/_ignition/execute-solution', '/telescope/requests', '/debug/pprof', '/web.config',
  '/config.json.bak', '/backup.sql', '/dump.sql', '/database.sql', '/db.sql', '/docker-compose.yml', '/id_rsa',
  '/boaform/', '/console/login/loginform.jsp', '/solr/admin/', '/_profiler/phpinfo', '/setup.cgi', '/shell.php',
  '/c99.php', '/r57.php', '/wso.php', '/adminer.php', '/owa/auth/x.js',
  '/autodiscover/autodiscover.json', '/ecp/', '/remote/fgt_lang', '/dana-na/', '/+cscoe+/', '/jenkins/script',
  '/invoker/jmxinvokerservlet', '/web-inf/web.xml', '/crossdomain.xml.bak', '/elmah.axd', '/trace.axd',
  '/wp-content/debug.log', '/debug.log', '/error.log', '/error_log', '/storage/logs/laravel.log', '/npm-debug.log',
];

/** Backup / swap copy of a server-side script: vim `.x.php.swp`, editors' `x.php~`, `x.php.bak`. */
const SCRIPT_BACKUP = /\.(?:php\d?|phtml|asp|aspx|jsp|jspx|cgi|pl|inc|config|conf|ini)(?:\.(?:swp|swo|swn|bak|old|orig|save|sav|tmp|backup|copy|dist|1)|~)$/;
/** A scanner's name next to a word saying the request is a probe, as scanners name their 404 tests. */
const SCANNER_MARKS = new Set(['acunetix', 'netsparker', 'nessus', 'nikto', 'openvas', 'w3af', 'sqlmap', 'appscan', 'wvs', 'qualys']);
const PROBE_WORDS = new Set(['test', 'probe', 'probing', 'inexistent', 'nonexistent', 'nonexisting', 'notexist', 'random']);
const MARK_HINT = /acunetix|netsparker|nessus|nikto|openvas|w3af|sqlmap|appscan|wvs|qualys|w00tw00t/;

/** A path segment that is a script backup, or carries a scanner's signature word. */
function probeSegment(p: string): { at: number; len: number } | null {
  const marked = MARK_HINT.test(p);
  let st = 0;
  for (let i = 0; i <= p.length; i++) {
    if (i < p.length && p.charCodeAt(i) !== 47) continue;
    if (i - st >= 4) {
      const seg = p.slice(st, i);
      const last = seg.charCodeAt(seg.length - 1);
      // a backup name has two dots or ends in `~`
      if ((last === 126 || seg.indexOf('.') !== seg.lastIndexOf('.')) && SCRIPT_BACKUP.test(seg)) return { at: st, len: seg.length };
      if (marked) {
        const words = seg.split(/[^a-z0-9]+/);
        if (seg.includes('w00tw00t') || (words.length <= 16 && words.some((w) => SCANNER_MARKS.has(w)) && words.some((w) => PROBE_WORDS.has(w)))) {
          return { at: st, len: seg.length };
        }
      }
    }
    st = i + 1;
  }
  return null;
}

/** Probes by the two characters after their leading `/`, as indices into PROBE_PATHS. */
const PROBE_INDEX = new Map<number, number[]>();
PROBE_PATHS.forEach((probe, k) => {
  const key = (probe.charCodeAt(1) << 16) | probe.charCodeAt(2);
  const list = PROBE_INDEX.get(key);
  if (list) list.push(k);
  else PROBE_INDEX.set(key, [k]);
});

/**
 * The probes that can occur in `p` (each starts with `/` and two characters that must follow some
 * `/` of p), in list order, so the first match is the one a scan of the whole list finds.
 */
function probeCandidates(p: string): number[] {
  const out: number[] = [];
  for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) {
    const list = PROBE_INDEX.get((p.charCodeAt(i + 1) << 16) | p.charCodeAt(i + 2));
    if (list) for (const k of list) if (!out.includes(k)) out.push(k);
  }
  return out.length > 1 ? out.sort((a, b) => a - b) : out;
}

function userAgentTool(lower: string): { at: number; len: number } | null {
  let i = 0;
  const n = lower.length;
  while (i < n) {
    while (i < n && !isWordChar(lower.charCodeAt(i))) i++;
    const st = i;
    while (i < n && isWordChar(lower.charCodeAt(i))) i++;
    if (i > st) {
      let w = lower.slice(st, i);
      if (UA_WORDS.has(w)) return { at: st, len: w.length };
      // `nuclei-v3`, `sqlmap.py`: strip a version or extension (the pattern needs a digit or `.` at
      // the end, or a dot three or four from the end)
      const last = w.charCodeAt(w.length - 1);
      const first = w.charCodeAt(0);
      // every tool name starts with a letter: `5.0`, `537.36` cannot strip down to one
      if (first >= 97 && first <= 122 && ((last >= 48 && last <= 57) || last === 46 || w.charCodeAt(w.length - 3) === 46 || w.charCodeAt(w.length - 4) === 46)) {
        // `dirbuster-1.0-rc1`, `nuclei-v3`, `sqlmap.py`, `w3af.org` (the tool's own site as the agent)
        w = w.replace(/[-_.]v?\d[\w.-]*$|[\d.]+$|\.(?:py|pl|rb|exe|org|com|net|io)$/, '');
        if (UA_WORDS.has(w)) return { at: st, len: w.length };
      }
    }
  }
  for (const p of UA_PHRASES) {
    const at = lower.indexOf(p);
    if (at >= 0) return { at, len: p.length };
  }
  return null;
}

function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 95;
}

/** Tested on the lower-cased value (case-sensitive matching is the cheaper scan). */
const OAST_HINT = /oast|burpcollab|interact|dnslog|ceye|requestbin|canarytoken|xss\.ht|bxss|r87\.me|dnsbin|pingb|ngrok|webhook\.site|requestrepo|eyes\.sh|dig\.pm|tu4\.org/;

function oastDomain(lower: string): number {
  for (const d of OAST) {
    let i = lower.indexOf(d);
    while (i >= 0) {
      const b = i > 0 ? lower.charCodeAt(i - 1) : 32;
      const a = lower.charCodeAt(i + d.length);
      // a domain label boundary before, a non-name character after
      const bOk = b === 46 || b === 64 || b === 47 || b === 32 || i === 0;
      const aOk = Number.isNaN(a) || !((a >= 97 && a <= 122) || (a >= 48 && a <= 57) || a === 45);
      if (bOk && aOk) return i;
      i = lower.indexOf(d, i + 1);
    }
  }
  return -1;
}

/** The lower-cased value, its first 8 Ki characters when longer (memoised by lowerOf). */
function lowHead(value: string): string {
  return value.length > 8192 ? lowerOf(value.slice(0, 8192)) : lowerOf(value);
}

export const scanner: Detector = {
  type: 'scanner',
  description: 'Scanners: tool User-Agents, well-known probe paths, out-of-band interaction domains, GraphQL introspection',
  detect(value: string, ctx: DetectContext): DetectorMatch | null {
    if (value.length < 4) return null;
    const flags = charFlags(value);
    if (ctx.root === 'header' && ctx.header === 'USER-AGENT') {
      const m = userAgentTool(lowHead(value));
      if (m) return { stamp: 'scanner:user-agent', payload: excerpt(value, m.at, m.at + m.len) };
    }
    if ((ctx.root === 'uri' || ctx.root === 'path') && flags & F.SLASH) {
      const p = lowHead(value).split(/[?#]/, 1)[0]!.replace(/\/{2,}/g, '/');
      for (const k of probeCandidates(p)) {
        const probe = PROBE_PATHS[k]!;
        const i = p.indexOf(probe);
        if (i < 0) continue;
        const a = p.charCodeAt(i + probe.length);
        // whole path segment (or prefix of a directory probe)
        if (probe.endsWith('/') || Number.isNaN(a) || a === 47 || a === 46 || a === 95) {
          return { stamp: 'scanner:probe-path', payload: excerpt(value, i, i + probe.length) };
        }
      }
      const seg = probeSegment(p);
      if (seg) return { stamp: 'scanner:probe-path', payload: excerpt(value, seg.at, seg.at + seg.len) };
    }
    if (flags & F.DOT && OAST_HINT.test(lowHead(value))) {
      const at = oastDomain(lowHead(value));
      if (at >= 0) return { stamp: 'scanner:oast-domain', payload: excerpt(value, at, at + 40) };
    }
    if (flags & F.LBRACE && (value.includes('__schema') || value.includes('__type')) && /__schema\s*\{|__type\s*\(/.test(value)) {
      const at = Math.max(0, value.search(/__schema|__type/));
      return { stamp: 'scanner:graphql-introspection', payload: excerpt(value, at, at + 40) };
    }
    return null;
  },
};
