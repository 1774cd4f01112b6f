import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { echoServer, encodeFrame, decodeFrame, nodeRequest, rawRequest, rawServer, type Upstream } from '../../helpers/upstream.js';

let gw: TestGateway;
let up: Upstream;
let proxyPort: number;

beforeAll(async () => {
  up = await echoServer('a');
  gw = await startGateway();
  proxyPort = gw.gateway.addresses.proxy[0]!.port;
  await gw.admin('POST', '/services', { name: 'echo', url: `${up.url}/base` });
  await gw.admin('POST', '/services/echo/routes', { name: 'r-strip', paths: ['/strip'] });
  await gw.admin('POST', '/services/echo/routes', { name: 'r-keep', paths: ['/keep'], strip_path: false });
  await gw.admin('POST', '/services/echo/routes', { name: 'r-host', hosts: ['api.test'], preserve_host: true });
  await gw.admin('POST', '/services/echo/routes', { name: 'r-regex', paths: ['~/users/(?<id>\\d+)$'] });
});
afterAll(async () => {
  await gw?.stop();
  await up?.close();
});

async function get(path: string, headers: Record<string, string> = {}, method = 'GET', body?: string) {
  const res = await fetch(`http://127.0.0.1:${proxyPort}${path}`, { method, headers, body });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

describe('forwarding', () => {
  it('strips the matched prefix and joins the service path (v0)', async () => {
    expect((await get('/strip/x?a=1&b=2')).json.url).toBe('/base/x?a=1&b=2');
    expect((await get('/strip')).json.url).toBe('/base');
    expect((await get('/keep/x')).json.url).toBe('/base/keep/x');
    expect((await get('/users/42')).json.url).toBe('/base');
  });

  it('sets Kong upstream headers', async () => {
    const r = await nodeRequest(proxyPort, '/strip/h', { headers: { 'X-Forwarded-For': '10.0.0.1', Via: '1.1 dev', 'X-Real-IP': '6.6.6.6', Connection: 'keep-alive, X-Hop', 'X-Hop': 'secret' } });
    const h = r.json.headers;
    expect(h.host).toBe(`127.0.0.1:${up.port}`);
    expect(h['x-forwarded-for']).toBe('10.0.0.1, 127.0.0.1');
    expect(h['x-forwarded-proto']).toBe('http');
    expect(h['x-forwarded-host']).toBe('127.0.0.1');
    expect(h['x-forwarded-port']).toBe(String(proxyPort));
    expect(h['x-forwarded-path']).toBe('/strip/h');
    expect(h['x-forwarded-prefix']).toBe('/strip');
    expect(h['x-real-ip']).toBe('127.0.0.1');
    expect(h.via).toBe('1.1 dev, 1.1 kong/3.10.0');
    expect(h['x-kong-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(h['x-hop']).toBeUndefined();
    expect(h.connection).toBe('keep-alive');
  });

  it('preserves the client Host when asked', async () => {
    const r = await nodeRequest(proxyPort, '/anything', { headers: { Host: 'api.test:8080' } });
    expect(r.json.headers.host).toBe('api.test:8080');
  });

  it('adds Kong response headers and keeps upstream ones', async () => {
    const r = await get('/strip/resp');
    expect(r.headers.get('x-upstream')).toBe('a');
    expect(r.headers.get('via')).toBe('1.1 kong/3.10.0');
    expect(r.headers.get('server')).toBe('kong/3.10.0');
    expect(Number(r.headers.get('x-kong-upstream-latency'))).toBeGreaterThanOrEqual(0);
    expect(Number(r.headers.get('x-kong-proxy-latency'))).toBeGreaterThanOrEqual(0);
    expect(r.headers.get('x-kong-request-id')).toMatch(/^[0-9a-f]{32}$/);
    expect(r.headers.get('x-kong-request-id')).toBe(r.json.headers['x-kong-request-id']);
  });

  it('forwards request bodies with their framing, and upstream statuses untouched', async () => {
    const post = await get('/strip/p', { 'content-type': 'text/plain' }, 'POST', 'hello');
    expect(post.json.body).toBe('hello');
    expect(post.json.method).toBe('POST');
    const big = 'x'.repeat(300_000);
    const large = await get('/strip/p', { 'content-type': 'text/plain' }, 'PUT', big);
    expect(large.json.body.length).toBe(300_000);
    const chunked = await rawRequest(proxyPort, 'POST /strip/c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n');
    expect(chunked).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(chunked).toContain('"body":"hello world"');
    const s500 = await get('/strip/status/500');
    expect(s500.status).toBe(500);
    expect(s500.json.server).toBe('a');
  });

  it('answers 404 with Kong body, negotiated by Accept', async () => {
    const json = await get('/nowhere');
    expect(json.status).toBe(404);
    expect(json.text).toBe(`{\n  "message":"no Route matched with those values",\n  "request_id":"${json.headers.get('x-kong-request-id')}"\n}`);
    expect(json.headers.get('x-kong-response-latency')).not.toBeNull();
    const text = await get('/nowhere', { Accept: 'text/plain' });
    expect(text.text).toBe(`no Route matched with those values\nrequest_id: ${text.headers.get('x-kong-request-id')}\n`);
    const html = await get('/nowhere', { Accept: 'text/html' });
    expect(html.text).toContain('<p>no Route matched with those values.</p>');
  });

  it('streams a slow upstream body in pieces', async () => {
    const res = await fetch(`http://127.0.0.1:${proxyPort}/strip/slow`);
    const reader = res.body!.getReader();
    const arrivals: number[] = [];
    const t0 = Date.now();
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      arrivals.push(Date.now() - t0);
      text += Buffer.from(value).toString();
    }
    expect(text).toBe('piece-0\npiece-1\npiece-2\n');
    expect(arrivals.length).toBeGreaterThanOrEqual(2);
    expect(arrivals[arrivals.length - 1]! - arrivals[0]!).toBeGreaterThanOrEqual(200);
  });

  it('handles pipelined requests in order on one connection', async () => {
    const out = await rawRequest(proxyPort, 'GET /strip/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /strip/2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const urls = [...out.matchAll(/"url":"([^"]+)"/g)].map((m) => m[1]);
    expect(urls).toEqual(['/base/1', '/base/2']);
  });

  it('answers HEAD without a body and keeps the connection usable', async () => {
    const out = await rawRequest(proxyPort, 'HEAD /strip/h HTTP/1.1\r\nHost: x\r\n\r\nGET /strip/after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const parts = out.split('HTTP/1.1 200 OK');
    expect(parts).toHaveLength(3);
    expect(parts[1]).toMatch(/Content-Length: \d+\r\n/);
    expect(parts[1]!.endsWith('\r\n\r\n')).toBe(true);
    expect(parts[2]).toContain('"url":"/base/after"');
  });

  it('reuses upstream connections', async () => {
    const before = gw.gateway.proxyCore.pool.idleCount();
    for (let i = 0; i < 5; i++) await get('/strip/reuse');
    expect(gw.gateway.proxyCore.pool.idleCount()).toBeGreaterThanOrEqual(Math.max(1, before));
    expect(gw.gateway.proxyCore.pool.idleCount()).toBeLessThanOrEqual(2);
  });

  it('passes WebSocket upgrades through', async () => {
    const s = net.connect(proxyPort, '127.0.0.1');
    await new Promise((r) => s.once('connect', r));
    s.write('GET /strip/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    const head = await new Promise<string>((resolve) => s.once('data', (d) => resolve(d.toString('latin1'))));
    expect(head).toMatch(/^HTTP\/1\.1 101 /);
    expect(head).toContain('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    s.write(encodeFrame('hi there', true));
    const reply = await new Promise<Buffer>((resolve) => s.once('data', resolve));
    expect(decodeFrame(reply)).toBe('echo: hi there');
    s.destroy();
  });
});

describe('route changes', () => {
  it('applies admin changes without a restart', async () => {
    expect((await get('/later')).status).toBe(404);
    await gw.admin('POST', '/services/echo/routes', { name: 'r-later', paths: ['/later'] });
    await new Promise((r) => setTimeout(r, 10));
    expect((await get('/later')).status).toBe(200);
    await gw.admin('DELETE', '/routes/r-later');
    await new Promise((r) => setTimeout(r, 10));
    expect((await get('/later')).status).toBe(404);
  });

  it('answers 503 for a route without a service', async () => {
    await gw.admin('POST', '/routes', { name: 'orphan', paths: ['/orphan'] });
    await new Promise((r) => setTimeout(r, 10));
    const r = await get('/orphan');
    expect(r.status).toBe(503);
    expect(r.json.message).toBe('no Service found with those values');
  });

  it('redirects or refuses plain http on https-only routes', async () => {
    await gw.admin('POST', '/services/echo/routes', { name: 'tls-only', paths: ['/secure'], protocols: ['https'] });
    await gw.admin('POST', '/services/echo/routes', { name: 'tls-redirect', paths: ['/moved'], protocols: ['https'], https_redirect_status_code: 301 });
    await new Promise((r) => setTimeout(r, 10));
    const r = await get('/secure');
    expect(r.status).toBe(426);
    expect(r.json.message).toBe('Please use HTTPS protocol');
    expect(r.headers.get('upgrade')).toBe('TLS/1.2, HTTP/1.1');
    const m = await nodeRequest(proxyPort, '/moved/x?q=1', { headers: { Host: 'shop.test:8000' } });
    expect(m.status).toBe(301);
    expect(m.headers.location).toBe('https://shop.test/moved/x?q=1');
  });
});

describe('upstream failures', () => {
  it('answers 502 when the upstream refuses connections', async () => {
    const dead = await echoServer('dead');
    const port = dead.port;
    await dead.close();
    await gw.admin('POST', '/services', { name: 'refused', url: `http://127.0.0.1:${port}`, retries: 1 });
    await gw.admin('POST', '/services/refused/routes', { paths: ['/refused'] });
    await new Promise((r) => setTimeout(r, 10));
    const r = await get('/refused', { Accept: 'application/json' });
    expect(r.status).toBe(502);
    expect(r.json.message).toBe('An invalid response was received from the upstream server');
    // without Accept, nginx-level errors use error_default_type (text/plain)
    const t = await nodeRequest(proxyPort, '/refused');
    expect(t.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(t.text).toBe(`An invalid response was received from the upstream server\nrequest_id: ${t.headers['x-kong-request-id']}\n`);
  });

  it('answers 504 when the upstream does not answer within read_timeout', async () => {
    await gw.admin('POST', '/services', { name: 'slowpoke', url: `${up.url}/hang`, read_timeout: 300 });
    await gw.admin('POST', '/services/slowpoke/routes', { paths: ['/hang'] });
    await new Promise((r) => setTimeout(r, 10));
    const t0 = Date.now();
    const r = await get('/hang', { Accept: 'application/json' });
    expect(r.status).toBe(504);
    expect(r.json.message).toBe('The upstream server is timing out');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
  });

  it('answers 502 for an invalid upstream response and never reuses that socket', async () => {
    const bad = await rawServer((s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc'));
    await gw.admin('POST', '/services', { name: 'liar', url: bad.url, retries: 0 });
    await gw.admin('POST', '/services/liar/routes', { paths: ['/liar'] });
    await new Promise((r) => setTimeout(r, 10));
    const r = await get('/liar', { Accept: 'application/json' });
    expect(r.status).toBe(502);
    expect(gw.gateway.proxyCore.pool.idleCount(`127.0.0.1:${bad.port}`)).toBe(0);
    await bad.close();
  });

  it('cuts the client off when the upstream dies mid-body', async () => {
    const cut = await rawServer((s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial');
      setTimeout(() => s.destroy(), 50);
    });
    await gw.admin('POST', '/services', { name: 'cut', url: cut.url, retries: 0 });
    await gw.admin('POST', '/services/cut/routes', { paths: ['/cut'] });
    await new Promise((r) => setTimeout(r, 10));
    const out = await rawRequest(proxyPort, 'GET /cut HTTP/1.1\r\nHost: x\r\n\r\n', 2000);
    expect(out).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(out.endsWith('partial')).toBe(true);
    await cut.close();
  });
});

describe('request framing', () => {
  it.each([
    ['both Content-Length and Transfer-Encoding', 'POST /strip HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['two different Content-Lengths', 'POST /strip HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!'],
    ['an obfuscated Transfer-Encoding', 'POST /strip HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n'],
    ['bare LF line endings', 'GET /strip HTTP/1.1\nHost: x\n\n'],
    ['obsolete line folding', 'GET /strip HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  continued\r\n\r\n'],
    ['a bad chunk size', 'POST /strip HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n'],
  ])('answers 400 and closes for %s', async (_name, raw) => {
    const before = up.requests;
    const out = await rawRequest(proxyPort, raw);
    expect(out).toMatch(/^HTTP\/1\.1 400 /);
    expect(out).toContain('Connection: close');
    if (!_name.includes('chunk size')) expect(up.requests).toBe(before);
  });

  it('answers 414 for an over-long request line', async () => {
    const out = await rawRequest(proxyPort, `GET /strip/${'a'.repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(out).toMatch(/^HTTP\/1\.1 414 /);
    expect(out).toContain('URI too long');
  });
});
