import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { echoServer, nodeRequest, type Upstream } from '../../helpers/upstream.js';
import { sleep } from '../../helpers/time.js';

let gw: TestGateway;
let up: Upstream;
let port: number;

async function route(name: string, config: Record<string, unknown>) {
  await gw.admin('POST', '/services/svc/routes', { name, paths: ['/' + name] });
  const r = await gw.admin('POST', `/routes/${name}/plugins`, { name: 'proxy-cache', config: { strategy: 'memory', ...config } });
  expect(r.status).toBe(201);
  return r.body;
}

beforeAll(async () => {
  up = await echoServer();
  gw = await startGateway();
  port = gw.gateway.addresses.proxy[0]!.port;
  await gw.admin('POST', '/services', { name: 'svc', url: up.url });
  await route('pc', { content_type: ['application/json'] });
  await route('ttl', { content_type: ['application/json'], cache_ttl: 1, storage_ttl: 30 });
  await route('gone', { content_type: ['application/json'], cache_ttl: 1 });
  await route('vary', { content_type: ['application/json'], vary_query_params: ['a'], vary_headers: ['x-v'] });
  await route('cc', { content_type: ['application/json'], cache_control: true });
  await route('quiet', { content_type: ['application/json'], response_headers: { age: false, 'X-Cache-Status': false, 'X-Cache-Key': false } });
  await sleep(20);
});
afterAll(async () => {
  await gw?.stop();
  await up?.close();
});

describe('proxy-cache schema', () => {
  it('fills defaults and requires a strategy', async () => {
    const r = await gw.admin('GET', '/routes/pc/plugins');
    expect(r.body.data[0].config).toEqual({
      response_code: [200, 301, 404],
      request_method: ['GET', 'HEAD'],
      content_type: ['application/json'],
      cache_ttl: 300,
      strategy: 'memory',
      cache_control: false,
      ignore_uri_case: false,
      storage_ttl: null,
      memory: { dictionary_name: 'kong_db_cache' },
      vary_query_params: null,
      vary_headers: null,
      response_headers: { age: true, 'X-Cache-Status': true, 'X-Cache-Key': true },
    });
    const none = await gw.admin('POST', '/plugins', { name: 'proxy-cache' });
    expect(none.body.fields).toEqual({ config: { strategy: 'required field missing' } });
    const bad = await gw.admin('POST', '/plugins', { name: 'proxy-cache', config: { strategy: 'redis', request_method: ['DELETE'], response_code: [] } });
    expect(bad.body.fields).toEqual({
      config: { strategy: 'expected one of: memory', request_method: ['expected one of: HEAD, GET, POST, PATCH, PUT'], response_code: 'length must be at least 1' },
    });
  });
});

describe('proxy-cache through the proxy', () => {
  it('misses, then hits without calling the upstream', async () => {
    const before = up.requests;
    const a = await nodeRequest(port, '/pc/x?q=1');
    expect(a.status).toBe(200);
    expect(a.headers['x-cache-status']).toBe('Miss');
    expect(a.headers['x-cache-key']).toMatch(/^[0-9a-f]{64}$/);
    const b = await nodeRequest(port, '/pc/x?q=1');
    expect(b.headers['x-cache-status']).toBe('Hit');
    expect(b.headers['x-cache-key']).toBe(a.headers['x-cache-key']);
    expect(Number(b.headers['age'])).toBeGreaterThanOrEqual(0);
    expect(b.headers['content-type']).toBe('application/json');
    expect(b.headers['x-upstream']).toBe('echo');
    expect(b.text).toBe(a.text);
    expect(up.requests - before).toBe(1);
    // another query string is another key
    const c = await nodeRequest(port, '/pc/x?q=2');
    expect(c.headers['x-cache-status']).toBe('Miss');
    expect(c.headers['x-cache-key']).not.toBe(a.headers['x-cache-key']);
  });

  it('bypasses methods, status codes and content types it does not cache', async () => {
    const post = await nodeRequest(port, '/pc/p', { method: 'POST', body: 'x' });
    expect(post.headers['x-cache-status']).toBe('Bypass');
    expect(post.headers['x-cache-key']).toBeUndefined();
    const s500 = await nodeRequest(port, '/pc/status/500');
    expect(s500.headers['x-cache-status']).toBe('Bypass');
    expect((await nodeRequest(port, '/pc/status/500')).headers['x-cache-status']).toBe('Bypass');
    const s404 = await nodeRequest(port, '/pc/status/404');
    expect(s404.headers['x-cache-status']).toBe('Miss');
    expect((await nodeRequest(port, '/pc/status/404')).headers['x-cache-status']).toBe('Hit');
    const bin = await nodeRequest(port, '/pc/big/10');
    expect(bin.headers['x-cache-status']).toBe('Bypass');
  });

  it('refreshes a stale stored entry after cache_ttl; an expired one is a miss', async () => {
    expect((await nodeRequest(port, '/gone')).headers['x-cache-status']).toBe('Miss');
    expect((await nodeRequest(port, '/ttl')).headers['x-cache-status']).toBe('Miss');
    expect((await nodeRequest(port, '/ttl')).headers['x-cache-status']).toBe('Hit');
    await sleep(2100);
    expect((await nodeRequest(port, '/ttl')).headers['x-cache-status']).toBe('Refresh');
    expect((await nodeRequest(port, '/gone')).headers['x-cache-status']).toBe('Miss');
    expect((await nodeRequest(port, '/ttl')).headers['x-cache-status']).toBe('Hit');
  });

  it('keys on vary_query_params and vary_headers only', async () => {
    const a = await nodeRequest(port, '/vary?a=1&b=1', { headers: { 'x-v': '1' } });
    expect(a.headers['x-cache-status']).toBe('Miss');
    expect((await nodeRequest(port, '/vary?a=1&b=2', { headers: { 'x-v': '1' } })).headers['x-cache-status']).toBe('Hit');
    expect((await nodeRequest(port, '/vary?a=2&b=1', { headers: { 'x-v': '1' } })).headers['x-cache-status']).toBe('Miss');
    expect((await nodeRequest(port, '/vary?a=1&b=1', { headers: { 'x-v': '2' } })).headers['x-cache-status']).toBe('Miss');
  });

  it('follows Cache-Control when cache_control is on', async () => {
    // the echo upstream sends no Cache-Control: nothing is fresh, so nothing is stored
    expect((await nodeRequest(port, '/cc')).headers['x-cache-status']).toBe('Bypass');
    expect((await nodeRequest(port, '/cc', { headers: { 'cache-control': 'no-cache' } })).headers['x-cache-status']).toBe('Bypass');
    expect((await nodeRequest(port, '/cc', { headers: { authorization: 'x' } })).headers['x-cache-status']).toBe('Bypass');
  });

  it('can hide its headers', async () => {
    await nodeRequest(port, '/quiet');
    const r = await nodeRequest(port, '/quiet');
    expect(r.headers['x-cache-status']).toBeUndefined();
    expect(r.headers['x-cache-key']).toBeUndefined();
    expect(r.headers['age']).toBeUndefined();
  });
});
