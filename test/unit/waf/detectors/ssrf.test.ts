import { describe, it, expect } from 'vitest';
import { ssrf } from '../../../../src/waf/detectors/ssrf.js';
import { GET, POST_JSON, ctx } from './helpers.js';

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
    ['//169.254.169.254/latest/meta-data/', 'ssrf:metadata'],
    ['//[fd00:ec2::254]/latest/api/token', 'ssrf:metadata'],
    ['//0x7f000001:6379/', 'ssrf:internal-host'],
    ['//10.0.0.12:8500/v1/agent/self', 'ssrf:internal-host'],
    ['\\\\169.254.169.254\\x', 'ssrf:metadata'],
  ])('protocol-relative %s in any parameter', (v, s) => expect(stamp(v, ctx('get', 'a1b2c3'))).toBe(s));
  it.each([
    ['http://7f000001.a9fea9fe.rbndr.us/', 'ssrf:metadata'],
    ['http://c0a80001.7f000001.rbndr.us:8080/', 'ssrf:internal-host'],
    ['http://attacker.example#@169.254.169.254/', 'ssrf:parser-confusion'],
    ['http://good.example?@127.0.0.1/admin', 'ssrf:parser-confusion'],
    ['https://cdn.example.com\\@10.0.0.5/', 'ssrf:parser-confusion'],
  ])('rebinding names and parser confusion: %s', (v, s) => expect(stamp(v)).toBe(s));
  it.each([
    'curl http://169.254.169.254/latest/meta-data/iam/ from the box',
    'it redirects to http://2130706433/ for some reason',
    'see gopher://127.0.0.1:6379/_FLUSHALL in the logs',
  ])('tricks and metadata count inside text: %s', (v) => expect(stamp(v, POST_JSON)).not.toBeNull());
  it.each([
    ['Hello, the "Forgot password" email links to http://localhost:3000/reset instead of your site.', POST_JSON],
    ['server {\n  location / {\n    proxy_pass http://127.0.0.1:3000;\n  }\n}', POST_JSON],
    ['Then open <http://localhost:3000> and select a product.', POST_JSON],
    ['May 14 09:31:23 web-01 node[4242]: listening on http://0.0.0.0:3000', POST_JSON],
    ['jdbc:postgresql://db.example.internal:5432/shop', POST_JSON],
    ['postgres://app:changeme@localhost:5432/shop', ctx('get', 'dsn')],
    ['redis://10.0.0.7:6379/0', ctx('get', 'cache')],
    ['http://localhost:3000/callback', ctx('get', 'redirect_uri')],
    ['http://localhost:3000/', ctx('header', 'referer')],
    ['http://127.0.0.1:5173', ctx('header', 'origin')],
    ['//localhost:3000/cb', ctx('get', 'return_to')],
    ['https://www.example.com/#@cdn.example.com', GET],
  ])('local URLs that are nobody\'s fetch target pass: %s', (v, c) => expect(stamp(v, c)).toBeNull());
  it('a bare local URL as a parameter value is a fetch target', () => {
    expect(stamp('http://localhost:8080/admin', ctx('get', 'x9'))).toBe('ssrf:internal-host');
    expect(stamp('  http://10.0.0.5/  ', POST_JSON)).toBe('ssrf:internal-host');
    expect(stamp('http://db.example.internal/', ctx('header', 'x-target'))).toBe('ssrf:internal-host');
  });
  it('stays linear on long adversarial input', () => {
    const t0 = performance.now();
    for (const v of ['http://a#' + '@'.repeat(100_000), 'http://' + 'a '.repeat(50_000), '//' + '\\'.repeat(100_000), 'http://x/ '.repeat(10_000)]) stamp(v);
    expect(performance.now() - t0).toBeLessThan(500);
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
