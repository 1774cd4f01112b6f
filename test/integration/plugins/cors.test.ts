import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { echoServer, nodeRequest, type Upstream } from '../../helpers/upstream.js';

let gw: TestGateway;
let up: Upstream;
let port: number;
const settle = () => new Promise((r) => setTimeout(r, 20));
const preflight = (origin: string, extra: Record<string, string> = {}) => ({
  method: 'OPTIONS',
  headers: { origin, 'access-control-request-method': 'POST', ...extra },
});

beforeAll(async () => {
  up = await echoServer();
  gw = await startGateway();
  port = gw.gateway.addresses.proxy[0]!.port;
  await gw.admin('POST', '/services', { name: 'svc', url: up.url });
  for (const name of ['any', 'full', 'one', 'regex', 'cont', 'absent', 'credstar', 'pna', 'open']) await gw.admin('POST', '/services/svc/routes', { name, paths: [`/${name}`] });
  await gw.admin('POST', '/routes/any/plugins', { name: 'cors' });
  await gw.admin('POST', '/routes/full/plugins', {
    name: 'cors',
    config: { origins: ['http://a.com', 'https://b.com:8443'], headers: ['X-One', 'X-Two'], exposed_headers: ['X-Exp'], methods: ['GET', 'POST'], max_age: 3600, credentials: true },
  });
  await gw.admin('POST', '/routes/one/plugins', { name: 'cors', config: { origins: ['http://only.com'] } });
  await gw.admin('POST', '/routes/regex/plugins', { name: 'cors', config: { origins: [String.raw`.*\.example\.com`, String.raw`http://local\.test:\d+`] } });
  await gw.admin('POST', '/routes/cont/plugins', { name: 'cors', config: { preflight_continue: true } });
  await gw.admin('POST', '/routes/absent/plugins', { name: 'cors', config: { allow_origin_absent: false } });
  await gw.admin('POST', '/routes/credstar/plugins', { name: 'cors', config: { credentials: true } });
  await gw.admin('POST', '/routes/pna/plugins', { name: 'cors', config: { private_network: true } });
  await settle();
});
afterAll(async () => {
  await gw?.stop();
  await up?.close();
});

describe('cors schema', () => {
  it('fills Kong defaults and refuses a consumer scope', async () => {
    const p = await gw.admin('POST', '/routes/open/plugins', { name: 'cors', enabled: false });
    expect(p.status).toBe(201);
    expect(p.body.config).toEqual({
      origins: null,
      headers: null,
      exposed_headers: null,
      methods: ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'],
      max_age: null,
      credentials: false,
      private_network: false,
      preflight_continue: false,
      allow_origin_absent: true,
    });
    await gw.admin('DELETE', `/plugins/${p.body.id}`);
    await gw.admin('POST', '/consumers', { username: 'c' });
    const c = await gw.admin('POST', '/consumers/c/plugins', { name: 'cors' });
    expect(c.body.fields).toEqual({ consumer: 'value must be null' });
  });

  it('validates origins and methods', async () => {
    const o = await gw.admin('POST', '/plugins', { name: 'cors', config: { origins: ['*', 'http://ok.com', '[bad'] } });
    expect(o.body.fields).toEqual({ config: { origins: [null, null, "'[bad' is not a valid regex"] } });
    const m = await gw.admin('POST', '/plugins', { name: 'cors', config: { methods: ['GET', 'FETCH'] } });
    expect(m.body.fields).toEqual({ config: { methods: [null, 'expected one of: GET, HEAD, PUT, PATCH, POST, DELETE, OPTIONS, TRACE, CONNECT'] } });
  });
});

describe('cors preflight', () => {
  it('answers 200 with an empty body without calling the upstream', async () => {
    const before = up.requests;
    const r = await nodeRequest(port, '/any', preflight('http://x.com', { 'access-control-request-headers': 'X-Req, Content-Type' }));
    expect(r.status).toBe(200);
    expect(r.text).toBe('');
    expect(r.headers['content-length']).toBe('0');
    expect(r.headers['access-control-allow-origin']).toBe('*');
    expect(r.headers['access-control-allow-methods']).toBe('GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS,TRACE,CONNECT');
    expect(r.headers['access-control-allow-headers']).toBe('X-Req, Content-Type');
    expect(r.headers['access-control-allow-credentials']).toBeUndefined();
    expect(r.headers['access-control-max-age']).toBeUndefined();
    expect(r.headers['vary']).toBeUndefined();
    expect(up.requests).toBe(before);
  });

  it('sends the configured headers, methods, max age and credentials', async () => {
    const r = await nodeRequest(port, '/full', preflight('http://a.com:80', { 'access-control-request-headers': 'X-Ignored' }));
    expect(r.status).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBe('http://a.com');
    expect(r.headers['vary']).toBe('Origin');
    expect(r.headers['access-control-allow-credentials']).toBe('true');
    expect(r.headers['access-control-allow-headers']).toBe('X-One,X-Two');
    expect(r.headers['access-control-allow-methods']).toBe('GET,POST');
    expect(r.headers['access-control-max-age']).toBe('3600');
  });

  it('omits the origin for an origin that is not allowed', async () => {
    const r = await nodeRequest(port, '/full', preflight('http://evil.com'));
    expect(r.status).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('only treats OPTIONS with Origin and Access-Control-Request-Method as a preflight', async () => {
    const r = await nodeRequest(port, '/any', { method: 'OPTIONS', headers: { origin: 'http://x.com' } });
    expect(r.status).toBe(200);
    expect(r.json.method).toBe('OPTIONS'); // proxied
    expect(r.headers['access-control-allow-origin']).toBe('*');
  });

  it('passes the preflight to the upstream with preflight_continue', async () => {
    const r = await nodeRequest(port, '/cont', preflight('http://x.com'));
    expect(r.json.method).toBe('OPTIONS');
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allows private network access when asked', async () => {
    const r = await nodeRequest(port, '/pna', preflight('http://x.com', { 'access-control-request-private-network': 'true' }));
    expect(r.headers['access-control-allow-private-network']).toBe('true');
    const n = await nodeRequest(port, '/any', preflight('http://x.com', { 'access-control-request-private-network': 'true' }));
    expect(n.headers['access-control-allow-private-network']).toBeUndefined();
  });
});

describe('cors on proxied responses', () => {
  it('adds ACAO * by default', async () => {
    const r = await nodeRequest(port, '/any', { headers: { origin: 'http://x.com' } });
    expect(r.status).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBe('*');
    expect(r.headers['access-control-expose-headers']).toBeUndefined();
    const none = await nodeRequest(port, '/any');
    expect(none.headers['access-control-allow-origin']).toBe('*');
  });

  it('echoes an allowed origin with Vary, credentials and exposed headers', async () => {
    const r = await nodeRequest(port, '/full', { headers: { origin: 'https://b.com:8443' } });
    expect(r.headers['access-control-allow-origin']).toBe('https://b.com:8443');
    expect(r.headers['vary']).toBe('Origin');
    expect(r.headers['access-control-allow-credentials']).toBe('true');
    expect(r.headers['access-control-expose-headers']).toBe('X-Exp');
    const bad = await nodeRequest(port, '/full', { headers: { origin: 'https://b.com' } });
    expect(bad.headers['access-control-allow-origin']).toBeUndefined();
    expect(bad.headers['vary']).toBe('Origin');
  });

  it('sends a single literal origin whatever the request origin', async () => {
    const r = await nodeRequest(port, '/one', { headers: { origin: 'http://other.com' } });
    expect(r.headers['access-control-allow-origin']).toBe('http://only.com');
    expect(r.headers['vary']).toBe('Origin');
  });

  it('matches regex origins, by host when the regex has no ":"', async () => {
    const a = await nodeRequest(port, '/regex', { headers: { origin: 'https://api.example.com' } });
    expect(a.headers['access-control-allow-origin']).toBe('https://api.example.com');
    const b = await nodeRequest(port, '/regex', { headers: { origin: 'http://local.test:3000' } });
    expect(b.headers['access-control-allow-origin']).toBe('http://local.test:3000');
    const c = await nodeRequest(port, '/regex', { headers: { origin: 'https://example.com.evil.net' } });
    expect(c.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('echoes the request origin instead of * when credentials are on', async () => {
    const r = await nodeRequest(port, '/credstar', { headers: { origin: 'http://x.com' } });
    expect(r.headers['access-control-allow-origin']).toBe('http://x.com');
    expect(r.headers['access-control-allow-credentials']).toBe('true');
    expect(r.headers['vary']).toBe('Origin');
    const none = await nodeRequest(port, '/credstar');
    expect(none.headers['access-control-allow-origin']).toBe('*');
    expect(none.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('adds nothing without an Origin when allow_origin_absent is off', async () => {
    const r = await nodeRequest(port, '/absent');
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    const o = await nodeRequest(port, '/absent', { headers: { origin: 'http://x.com' } });
    expect(o.headers['access-control-allow-origin']).toBe('*');
  });

  it('adds the headers to Kong-generated responses too', async () => {
    await gw.admin('POST', '/routes/open/plugins', { name: 'cors', config: { origins: ['http://a.com'] } });
    await gw.admin('POST', '/routes/open/plugins', { name: 'request-termination', config: { status_code: 418, message: 'teapot' } });
    await settle();
    const r = await nodeRequest(port, '/open', { headers: { origin: 'http://a.com' } });
    expect(r.status).toBe(418);
    expect(r.headers['access-control-allow-origin']).toBe('http://a.com');
    // the preflight is answered by cors (priority 2000) before request-termination (2)
    const p = await nodeRequest(port, '/open', preflight('http://a.com'));
    expect(p.status).toBe(200);
  });

  it('applies a global instance where no route instance exists', async () => {
    await gw.admin('POST', '/services/svc/routes', { name: 'bare', paths: ['/bare'] });
    const g = await gw.admin('POST', '/plugins', { name: 'cors', config: { origins: ['http://global.com'] } });
    await settle();
    expect((await nodeRequest(port, '/bare')).headers['access-control-allow-origin']).toBe('http://global.com');
    expect((await nodeRequest(port, '/any')).headers['access-control-allow-origin']).toBe('*');
    await gw.admin('DELETE', `/plugins/${g.body.id}`);
    await settle();
  });
});
