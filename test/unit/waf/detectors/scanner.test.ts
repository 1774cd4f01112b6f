import { describe, it, expect } from 'vitest';
import { scanner } from '../../../../src/waf/detectors/scanner.js';
import { GET, UA, URI, POST_JSON } from './helpers.js';

const stamp = (v: string, c = UA) => scanner.detect(v, c)?.stamp ?? null;

describe('scanner detector', () => {
  it('has the right type', () => expect(scanner.type).toBe('scanner'));
  it.each([
    'sqlmap/1.8#stable (https://sqlmap.org)',
    'Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000003)',
    'Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)',
    'Mozilla/5.0 (compatible; Nuclei - Open-source project)',
    'gobuster/3.6',
    'WPScan v3.8.25 (https://wpscan.com/wordpress-security-scanner)',
    'Mozilla/5.0 zgrab/0.x',
    'masscan/1.3 (https://github.com/robertdavidgraham/masscan)',
    'Fuzz Faster U Fool v2.1.0',
    'Mozilla/4.0 (compatible; Acunetix Web Vulnerability Scanner)',
    'Nessus SOAP',
    'x_wordpress_plugin_check.nasl',
  ])('user agent %s', (v) => expect(stamp(v)).toBe('scanner:user-agent'));

  it.each([
    'DirBuster-1.0-RC1 (http://www.owasp.org/index.php/Category:OWASP_DirBuster_Project)',
    'w3af.org',
    'Mozilla/5.0 (compatible; nuclei-v3.1.0)',
    'sqlmap.org',
    'gobuster-3.6.0',
  ])('tool name with a version or its site: %s', (v) => expect(stamp(v)).toBe('scanner:user-agent'));
  it.each([
    'curl/8.4.0',
    'Wget/1.21.4',
    'python-requests/2.31.0',
    'Go-http-client/1.1',
    'Go-http-client/2.0',
    'okhttp/4.12.0',
    'PostmanRuntime/7.36.0',
    'axios/1.6.2',
    'node-fetch/1.0 (+https://github.com/bitinn/node-fetch)',
    'Apache-HttpClient/4.5.14 (Java/17.0.9)',
  ])('ordinary clients pass: %s', (v) => expect(stamp(v)).toBeNull());
  it.each([
    '/.index.php.swp',
    '/admin/config.php~',
    '/login.aspx.bak',
    '/includes/db.inc.orig',
    '/wp-content/debug.log',
    '/storage/logs/laravel.log',
    '/acunetix-wvs-test-for-some-inexistent-file',
    '/nessus_is_probing_you_',
    '/nikto-test-Qw3rTy.html',
    '/w00tw00t.at.ISC.SANS.DFind:)',
  ])('probe path %s', (v) => expect(stamp(v, URI)).toBe('scanner:probe-path'));
  it.each(['/blog/how-nessus-works', '/files/report.pdf.bak', '/xmlrpc.php', '/index.php', '/docs/vim.swp-guide', '/downloads/backup-2024.tar.gz', '/~jdoe/papers/thesis.pdf'])(
    'ordinary paths pass: %s',
    (v) => expect(stamp(v, URI)).toBeNull(),
  );

  it('only reads tool names in the User-Agent', () => {
    expect(stamp('sqlmap tutorial', GET)).toBeNull();
  });

  it.each(['/.git/config', '/app/.env', '/wp-admin/setup-config.php', '/phpmyadmin/index.php', '/server-status', '/.aws/credentials', '/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php', '/actuator/heapdump'])(
    'probe path %s',
    (v) => expect(stamp(v, URI)).toBe('scanner:probe-path'),
  );

  it.each(['x.burpcollaborator.net', 'http://abc123.oast.fun/x', 'ping abc.interact.sh', 'root@zz.oastify.com'])('OAST domain %s', (v) =>
    expect(stamp(v, GET)).toBe('scanner:oast-domain'),
  );

  it('GraphQL introspection', () => {
    expect(stamp('{"query":"{ __schema { types { name } } }"}', POST_JSON)).toBe('scanner:graphql-introspection');
    expect(stamp('query { __type(name: "User") { fields { name } } }', GET)).toBe('scanner:graphql-introspection');
  });

  it.each([
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120 Safari/537.36', UA],
    ['curl/8.4.0', UA],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) Gecko/20100101 Firefox/120.0', UA],
    ['/api/environment', URI],
    ['/github/.gitignore-templates', URI],
    ['/docs/git/config.html', URI],
    ['/static/script.js', URI],
    ['mybburpcollaborator.network', GET],
    ['{"query":"{ user { name } }"}', POST_JSON],
  ])('passes %s', (v, c) => expect(stamp(v, c)).toBeNull());
});
