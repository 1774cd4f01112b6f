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
