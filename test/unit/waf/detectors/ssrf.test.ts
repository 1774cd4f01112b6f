import { describe, it, expect } from 'vitest';
import { ssrf } from '../../../../src/waf/detectors/ssrf.js';
import { GET, ctx } from './helpers.js';

const stamp = (v: string, c = GET) => ssrf.detect(v, c)?.stamp ?? null;

describe('ssrf detector', () => {
  it('has the right type', () => expect(ssrf.type).toBe('ssrf'));
  it.each([
    ['http://127.0.0.1:8080/admin', 'ssrf:internal-host'],
    ['http://localhost/server-status', 'ssrf:internal-host'],
    ['https://[::1]/', 'ssrf:internal-host'],
    ['http://[::ffff:127.0.0.1]/', 'ssrf:internal-host'],
    ['http://[0:0:0:0:0:ffff:7f00:1]/', 'ssrf:internal-host'],
    ['http://169.254.169.254/latest/meta-data/', 'ssrf:metadata'],
    ['http://metadata.google.internal/computeMetadata/v1/', 'ssrf:metadata'],
    ['http://2130706433/', 'ssrf:internal-host'],
    ['http://0177.0.0.1/', 'ssrf:internal-host'],
    ['http://0x7f.0x0.0x0.0x1/', 'ssrf:internal-host'],
    ['http://127.1/', 'ssrf:internal-host'],
    ['http://0/', 'ssrf:internal-host'],
    ['http://10.1.2.3/', 'ssrf:internal-host'],
    ['http://192.168.0.10/router', 'ssrf:internal-host'],
    ['http://user:pw@172.16.5.4/', 'ssrf:internal-host'],
    ['http://example.com@127.0.0.1/', 'ssrf:internal-host'],
    ['http://127.0.0.1.nip.io/', 'ssrf:internal-host'],
    ['http://\u2460\u2461\u2466.\u24ea.\u24ea.\u2460/', 'ssrf:internal-host'],
    ['http://3232235777/', 'ssrf:internal-host'],
    ['http://0xd83ad6ce/', 'ssrf:ip-obfuscation'],
    ['gopher://127.0.0.1:6379/_INFO', 'ssrf:scheme'],
    ['dict://internal:11211/stats', 'ssrf:scheme'],
    ['file:///c:/windows/win.ini', 'ssrf:scheme'],
    ['jar:http://x/y.jar!/z', 'ssrf:scheme'],
  ])('%s', (v, s) => expect(stamp(v)).toBe(s));
  it('protocol-relative internal host in a URL parameter', () => {
    expect(stamp('//127.0.0.1/x', ctx('get', 'image_url'))).toBe('ssrf:internal-host');
  });
  it.each([
    'https://www.example.com/path?q=1',
    'http://203.0.113.10/page',
    'url=http://www.example.com/tan?usp=4#8',
    'see the file: report.pdf',
    'localhost is my machine',
    'version 10.0.0.1 released',
    'mailto:john@example.com',
  ])('passes %s', (v) => expect(stamp(v)).toBeNull());
});
