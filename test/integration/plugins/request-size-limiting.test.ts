import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { echoServer, nodeRequest, rawRequest, type Upstream } from '../../helpers/upstream.js';

let gw: TestGateway;
let up: Upstream;
let port: number;
const settle = () => new Promise((r) => setTimeout(r, 20));
const post = (body: string, headers: Record<string, string> = {}) => ({ method: 'POST', body, headers: { 'content-type': 'text/plain', ...headers } });

beforeAll(async () => {
  up = await echoServer();
  gw = await startGateway();
  port = gw.gateway.addresses.proxy[0]!.port;
  await gw.admin('POST', '/services', { name: 'svc', url: up.url });
  for (const name of ['bytes', 'kb', 'strict', 'open']) await gw.admin('POST', '/services/svc/routes', { name, paths: [`/${name}`] });
  await gw.admin('POST', '/routes/bytes/plugins', { name: 'request-size-limiting', config: { allowed_payload_size: 10, size_unit: 'bytes' } });
  await gw.admin('POST', '/routes/kb/plugins', { name: 'request-size-limiting', config: { allowed_payload_size: 1, size_unit: 'kilobytes' } });
  await gw.admin('POST', '/routes/strict/plugins', { name: 'request-size-limiting', config: { allowed_payload_size: 10, size_unit: 'bytes', require_content_length: true } });
  await settle();
});
afterAll(async () => {
  await gw?.stop();
  await up?.close();
});

describe('request-size-limiting schema', () => {
  it('fills Kong defaults', async () => {
    const p = await gw.admin('POST', '/routes/open/plugins', { name: 'request-size-limiting', enabled: false });
    expect(p.status).toBe(201);
    expect(p.body.config).toEqual({ allowed_payload_size: 128, size_unit: 'megabytes', require_content_length: false });
    await gw.admin('DELETE', `/plugins/${p.body.id}`);
  });

  it('validates the unit and the size', async () => {
    const u = await gw.admin('POST', '/plugins', { name: 'request-size-limiting', config: { size_unit: 'gigabytes' } });
    expect(u.body.fields).toEqual({ config: { size_unit: 'expected one of: megabytes, kilobytes, bytes' } });
    const s = await gw.admin('POST', '/plugins', { name: 'request-size-limiting', config: { allowed_payload_size: 1.5 } });
    expect(s.body.fields).toEqual({ config: { allowed_payload_size: 'expected an integer' } });
  });
});

describe('request-size-limiting proxy', () => {
  it('lets bodies up to the limit through and answers 413 above it', async () => {
    const ok = await nodeRequest(port, '/bytes', post('0123456789'));
    expect(ok.status).toBe(200);
    expect(ok.json.body).toBe('0123456789');
    const big = await nodeRequest(port, '/bytes', post('0123456789x'));
    expect(big.status).toBe(413);
    expect(big.json.message).toBe('Request size limit exceeded');
  });

  it('measures chunked bodies without a Content-Length', async () => {
    const ok = await nodeRequest(port, '/bytes', post('short', { 'transfer-encoding': 'chunked' }));
    expect(ok.status).toBe(200);
    expect(ok.json.body).toBe('short');
    const big = await nodeRequest(port, '/bytes', post('a much longer body', { 'transfer-encoding': 'chunked' }));
    expect(big.status).toBe(413);
  });

  it('answers 417 when the client expects 100-continue', async () => {
    const raw = await rawRequest(port, 'POST /bytes HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1\.1 417 /);
    expect(raw).toContain('Request size limit exceeded');
  });

  it('converts kilobytes', async () => {
    expect((await nodeRequest(port, '/kb', post('x'.repeat(1024)))).status).toBe(200);
    expect((await nodeRequest(port, '/kb', post('x'.repeat(1025)))).status).toBe(413);
  });

  it('answers 411 without a Content-Length when one is required', async () => {
    const r = await nodeRequest(port, '/strict', post('abc', { 'transfer-encoding': 'chunked' }));
    expect(r.status).toBe(411);
    expect(r.json.message).toBe('A valid Content-Length header is required');
    expect((await nodeRequest(port, '/strict', post('abc'))).status).toBe(200);
  });

  it('applies per service and is overridden by the route instance', async () => {
    const s = await gw.admin('POST', '/services/svc/plugins', { name: 'request-size-limiting', config: { allowed_payload_size: 2, size_unit: 'bytes' } });
    await settle();
    expect((await nodeRequest(port, '/open', post('abc'))).status).toBe(413);
    expect((await nodeRequest(port, '/bytes', post('abc'))).status).toBe(200);
    await gw.admin('DELETE', `/plugins/${s.body.id}`);
    await settle();
  });
});
