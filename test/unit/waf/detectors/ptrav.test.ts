import { describe, it, expect } from 'vitest';
import { ptrav } from '../../../../src/waf/detectors/ptrav.js';
import { GET, URI, POST_JSON } from './helpers.js';

const stamp = (v: string, c = GET) => ptrav.detect(v, c)?.stamp ?? null;

describe('ptrav detector', () => {
  it('has the right type', () => expect(ptrav.type).toBe('ptrav'));

  describe('dot-dot escapes', () => {
    it.each([
      ['../../../../var/www/app/config.yml', 'ptrav:dotdot'],
      ['..\\..\\..\\boot\\x.cfg', 'ptrav:dotdot'],
      ['%2e%2e%2f%2e%2e%2fsecret.txt', 'ptrav:encoded-dotdot'],
      ['%252e%252e%252fkey.pem', 'ptrav:encoded-dotdot'],
      ['..%c0%af..%c0%afdata.bin', 'ptrav:encoded-dotdot'],
      ['%u002e%u002e%u2215x.txt', 'ptrav:encoded-dotdot'],
      ['....//....//app.log', 'ptrav:dotdot'],
      ['..;/..;/admin.jsp', 'ptrav:dotdot'],
      ['\uff0e\uff0e/\uff0e\uff0e/x', 'ptrav:encoded-dotdot'],
    ])('%s', (v, s) => expect(stamp(v)).toBe(s));
    it('a URL path may not climb above the root at all', () => {
      expect(stamp('/a/../../b', URI)).toBe('ptrav:dotdot');
    });
  });

  describe('sensitive targets', () => {
    it.each([
      '/etc/shadow',
      'file:///etc/./group',
      '../etc/passwd',
      'C:\\Windows\\System32\\drivers\\etc\\hosts',
      'c:/windows/win.ini',
      '/proc/self/environ',
      '/home/deploy/.ssh/id_rsa',
      '....\\\\....\\\\boot.ini',
      '/var/run/secrets/kubernetes.io/serviceaccount/token',
      'WEB-INF/web.xml',
      '/app/../etc/passwd%00.png',
      '%2fetc%2fpasswd',
    ])('%s', (v) => expect(stamp(v)).toBe('ptrav:sensitive-file'));
    it('in a JSON body', () => expect(stamp('../../etc/hosts', POST_JSON)).toBe('ptrav:sensitive-file'));
  });

  it.each(['/..;/manager/html', '/public/..;/admin/users', '/static/..;/WEB-INF/classes/app.properties'])('path parameter on a dot-dot: %s', (v) =>
    expect(stamp(v)).toMatch(/^ptrav:(?:path-parameter|sensitive-file)$/),
  );
  it('data:// stream wrapper', () => {
    expect(stamp('data://text/plain;base64,PD9waHAgc3lzdGVtKCRfR0VUWydjJ10pOyA/Pg==', URI)).toBe('ptrav:stream-wrapper');
    expect(stamp('data://application/x-httpd-php,<?php phpinfo(); ?>')).toBe('ptrav:stream-wrapper');
  });
  describe('absolute sensitive paths in text', () => {
    it.each([
      ';a=c;b=at;$a$b /etc/passwd',
      '; Get-Content C:\\Windows\\win.ini',
      "{{['cat /etc/passwd']|map('system')|join}}",
      '{ ping(host: "127.0.0.1; cat /etc/passwd") { output } }',
      'form-data; name="file"; filename="/etc/shadow"',
      'include("/proc/self/environ")',
      'x=/etc/passwd',
    ])('code or a value naming the file counts: %s', (v) => expect(stamp(v, POST_JSON)).toBe('ptrav:sensitive-file'));
    it.each([
      "I can't edit /etc/hosts on my Mac to add the staging entry; it says permission denied.",
      'I%20can%27t%20edit%20%2Fetc%2Fhosts%20on%20my%20Mac%20to%20add%20the%20staging%20entry.',
      'Usually yes, but keep an eye on /var/log/apt/history.log after the upgrade.',
      'ssh -i ~/.ssh/id_ed25519 deploy@203.0.113.10',
      'tail -n 50 /var/log/nginx/error.log',
    ])('a sentence or a plain command line mentioning it passes: %s', (v) => expect(stamp(v, POST_JSON)).toBeNull());
    it('stays linear on long prose', () => {
      const t0 = performance.now();
      for (const v of ["a'".repeat(50_000) + ' /etc/passwd', 'word '.repeat(20_000) + '/etc/passwd', "(x'".repeat(30_000) + '1 /etc/hosts']) stamp(v, POST_JSON);
      expect(performance.now() - t0).toBeLessThan(500);
    });
  });

  it('UNC admin shares and stream wrappers', () => {
    expect(stamp('\\\\10.0.0.5\\admin$\\x')).toBe('ptrav:unc');
    expect(stamp('php://filter/convert.base64-encode/resource=index.php')).toBe('ptrav:stream-wrapper');
    expect(stamp('phar://uploads/avatar.jpg/x')).toBe('ptrav:stream-wrapper');
  });

  describe('look-alikes pass', () => {
    it.each([
      '../images/logo.png',
      'docs/guide/../index.html',
      'wait... what?',
      'a/b/c/d.txt',
      '/static/app.js',
      'the shadow of the passwd', 
      'etc. and so on',
      '1.2.3',
      'https://example.com/../x',
      'hosts file is in etc',
    ])('%s', (v) => expect(stamp(v)).toBeNull());
    it('plain URL paths', () => {
      expect(stamp('/a/b/../c', URI)).toBeNull();
      expect(stamp('/downloads/report..pdf', URI)).toBeNull();
    });
  });
});
