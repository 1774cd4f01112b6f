/**
 * Security scanners and reconnaissance.
 *
 * - User-Agent (ctx.root 'header', ctx.header 'USER-AGENT') naming a well-known scanner or attack
 *   tool: sqlmap, Nikto, Nmap NSE, Nessus / OpenVAS (and their `.nasl` plugin names), Acunetix,
 *   Netsparker, AppScan, WPScan, dirbuster / gobuster / feroxbuster / ffuf / wfuzz, masscan, zgrab,
 *   Nuclei, ZAP, Burp, Arachni, Skipfish, WhatWeb, commix, Hydra...
 * - Probe paths on the URL ('uri' / 'path'): well-known files scanners look for (`/.git/config`,
 *   `/.env`, `/wp-admin/setup-config.php`, `/phpmyadmin/`, `/server-status`, `/.aws/credentials`,
 *   Spring actuator heap dumps, PHPUnit eval-stdin...).
 * - Anywhere: out-of-band interaction domains of scanners (Burp Collaborator, interactsh / oast.*,
 *   dnslog, canary tokens) and GraphQL introspection queries (schema reconnaissance).
 */
import type { Detector, DetectorMatch, DetectContext } from '../types.js';
import { F, charFlags, excerpt } from '../lexers/text.js';

const UA_TOOLS = [
  'sqlmap', 'nikto', 'nmap scripting engine', 'nmap', 'nessus', 'openvas', '.nasl', 'acunetix', 'netsparker', 'invicti',
  'appscan', 'webinspect', 'w3af', 'wpscan', 'joomscan', 'droopescan', 'cmsmap', 'dirbuster', 'dirb/', 'gobuster',
  'feroxbuster', 'fuzz faster u fool', 'ffuf', 'wfuzz', 'masscan', 'zgrab', 'zmap', 'nuclei', 'projectdiscovery',
  'interactsh', 'arachni', 'skipfish', 'whatweb', 'wapiti', 'commix', 'havij', 'hydra', 'thc-hydra', 'medusa/',
  'xsstrike', 'xsser', 'jaeles', 'owasp zap', 'zaproxy', 'zap/', 'burp', 'paros', 'vega/', 'grabber', 'bbqsql',
  'sqlninja', 'pangolin', 'metasploit', 'msfconsole', 'morfeus', 'zmeu', 'l9explore', 'l9tcpid', 'l9scan', 'qualys',
  'nexpose', 'detectify', 'hakrawler', 'dotdotpwn', 'fimap', 'sqlsus', 'uniscan', 'webshag', 'vooki', 'crimscanner',
  'cgichk', 'brutus', 'absinthe', 'blackwidow', 'automatic vulnerability', 'security scan', 'vulnerability scan',
  'netlab360', 'censysinspect', 'internet-measurement', 'expanse', 'xray/', 'tsunami', 'goby', 'afrog', 'struts-pwn',
  'log4j-scan', 'arachni/', 'teh forest lobster', 'mozlila', 'morpheus fucking scanner', 'jorgee', 'dirsearch',
];
/** Short names matched only as whole words. */
const WORD_TOOLS = new Set(['nmap', 'burp', 'ffuf', 'zap/', 'hydra', 'goby', 'xray/', 'vega/', 'dirb/', 'medusa/']);

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
];

function hasWord(hay: string, w: string): boolean {
  let i = hay.indexOf(w);
  while (i >= 0) {
    const b = i > 0 ? hay.charCodeAt(i - 1) : 32;
    const a = hay.charCodeAt(i + w.length);
    const bOk = !((b >= 97 && b <= 122) || (b >= 48 && b <= 57));
    const aOk = w.endsWith('/') || Number.isNaN(a) || !((a >= 97 && a <= 122) || (a >= 48 && a <= 57));
    if (bOk && aOk) return true;
    i = hay.indexOf(w, i + 1);
  }
  return false;
}

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

export const scanner: Detector = {
  type: 'scanner',
  description: 'Scanners: tool User-Agents, well-known probe paths, out-of-band interaction domains, GraphQL introspection',
  detect(value: string, ctx: DetectContext): DetectorMatch | null {
    if (value.length < 4) return null;
    const flags = charFlags(value);
    const lower = value.length > 8192 ? value.slice(0, 8192).toLowerCase() : value.toLowerCase();
    if (ctx.root === 'header' && ctx.header === 'USER-AGENT') {
      for (const t of UA_TOOLS) {
        if (WORD_TOOLS.has(t) ? hasWord(lower, t) : lower.includes(t)) {
          const at = lower.indexOf(t);
          return { stamp: 'scanner:user-agent', payload: excerpt(value, at, at + t.length) };
        }
      }
    }
    if ((ctx.root === 'uri' || ctx.root === 'path') && flags & F.SLASH) {
      const p = lower.split(/[?#]/, 1)[0]!.replace(/\/{2,}/g, '/');
      for (const probe of PROBE_PATHS) {
        const i = p.indexOf(probe);
        if (i < 0) continue;
        const a = p.charCodeAt(i + probe.length);
        // whole path segment (or prefix of a directory probe)
        if (probe.endsWith('/') || Number.isNaN(a) || a === 47 || a === 46 || a === 95) {
          return { stamp: 'scanner:probe-path', payload: excerpt(value, i, i + probe.length) };
        }
      }
    }
    if (flags & F.DOT) {
      const at = oastDomain(lower);
      if (at >= 0) return { stamp: 'scanner:oast-domain', payload: excerpt(value, at, at + 40) };
    }
    if (flags & F.LBRACE && (lower.includes('__schema') || lower.includes('__type')) && /__schema\s*\{|__type\s*\(/.test(lower)) {
      const at = Math.max(0, lower.search(/__schema|__type/));
      return { stamp: 'scanner:graphql-introspection', payload: excerpt(value, at, at + 40) };
    }
    return null;
  },
};
