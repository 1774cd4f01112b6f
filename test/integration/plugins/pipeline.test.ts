import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { echoServer, nodeRequest, type Upstream } from '../../helpers/upstream.js';
import type { PluginDefinition } from '../../../src/plugins/types.js';

const calls: string[] = [];
const tracer = (name: string, priority: number): PluginDefinition => ({
  name,
  version: '1.0.0',
  priority,
  schema: { name, config: { type: 'record', fields: [{ tag: { type: 'string', default: 'global' } }, { exit: { type: 'boolean', default: false } }, { fail: { type: 'boolean', default: false } }] } },
  handler: {
    access(kong, conf) {
      calls.push(`${name}:access:${conf.tag}`);
      kong.service.request.set_header(`X-${name}`, conf.tag);
      if (conf.fail) throw new Error('boom');
      if (conf.exit) return kong.response.exit(418, { tea: conf.tag }, { 'X-Exit': name });
    },
    header_filter(kong, conf) {
      calls.push(`${name}:header_filter:${conf.tag}`);
      kong.response.set_header(`X-Seen-${name}`, String(kong.response.get_status()));
    },
    log(_kong, conf) {
      calls.push(`${name}:log:${conf.tag}`);
    },
  },
});

let gw: TestGateway;
let up: Upstream;
let port: number;
const get = (path: string, headers: Record<string, string> = {}) => nodeRequest(port, path, { headers });

beforeAll(async () => {
  up = await echoServer();
  gw = await startGateway({ KONG_PLUGINS: 'bundled,tracer-high,tracer-low' }, { extraPlugins: [tracer('tracer-high', 2000), tracer('tracer-low', 10)] });
  port = gw.gateway.addresses.proxy[0]!.port;
  await gw.admin('POST', '/services', { name: 's1', url: up.url });
  await gw.admin('POST', '/services/s1/routes', { name: 'r1', paths: ['/r1'] });
  await gw.admin('POST', '/services/s1/routes', { name: 'r2', paths: ['/r2'] });
  await gw.admin('POST', '/consumers', { username: 'alice' });
  await gw.admin('POST', '/consumers/alice/key-auth', { key: 'alice-key' });
});
afterAll(async () => {
  await gw?.stop();
  await up?.close();
});

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('plugin pipeline', () => {
  it('runs phases in priority order and the most specific instance wins', async () => {
    await gw.admin('POST', '/plugins', { name: 'tracer-low', config: { tag: 'global' } });
    await gw.admin('POST', '/plugins', { name: 'tracer-high', config: { tag: 'global' } });
    await gw.admin('POST', '/routes/r1/plugins', { name: 'tracer-low', config: { tag: 'route' } });
    await gw.admin('POST', '/services/s1/plugins', { name: 'tracer-low', config: { tag: 'service' } });
    await settle();
    calls.length = 0;
    const r = await get('/r1');
    expect(r.json.headers['x-tracer-low']).toBe('route');
    expect(r.json.headers['x-tracer-high']).toBe('global');
    expect(r.headers['x-seen-tracer-low']).toBe('200');
    await settle();
    expect(calls).toEqual([
      'tracer-high:access:global',
      'tracer-low:access:route',
      'tracer-high:header_filter:global',
      'tracer-low:header_filter:route',
      'tracer-high:log:global',
      'tracer-low:log:route',
    ]);
    const r2 = await get('/r2');
    expect(r2.json.headers['x-tracer-low']).toBe('service');
  });

  it('short-circuits on exit: later access handlers skipped, header_filter and log still run', async () => {
    await gw.admin('POST', '/routes/r2/plugins', { name: 'tracer-high', config: { tag: 'stop', exit: true } });
    await settle();
    calls.length = 0;
    const before = up.requests;
    const r = await get('/r2');
    expect(r.status).toBe(418);
    expect(r.json).toEqual({ tea: 'stop' });
    expect(r.headers['x-exit']).toBe('tracer-high');
    expect(r.headers['x-seen-tracer-low']).toBe('418');
    expect(r.headers['server']).toBe('kong/3.10.0');
    expect(r.headers['x-kong-response-latency']).toBeDefined();
    expect(up.requests).toBe(before);
    await settle();
    expect(calls).toEqual(['tracer-high:access:stop', 'tracer-high:header_filter:stop', 'tracer-low:header_filter:service', 'tracer-high:log:stop', 'tracer-low:log:service']);
  });

  it('answers 500 with Kong body when a plugin throws, and keeps serving', async () => {
    await gw.admin('PATCH', `/plugins/${(await gw.admin('GET', '/routes/r2/plugins')).body.data.find((p: any) => p.name === 'tracer-high').id}`, { config: { exit: false, fail: true } });
    await settle();
    const r = await get('/r2');
    expect(r.status).toBe(500);
    expect(r.json.message).toBe('An unexpected error occurred');
    expect(r.json.request_id).toMatch(/^[0-9a-f]{32}$/);
    expect((await get('/r1')).status).toBe(200);
  });

  it('disabled instances are skipped', async () => {
    const p = (await gw.admin('GET', '/routes/r2/plugins')).body.data.find((x: any) => x.name === 'tracer-high');
    await gw.admin('PATCH', `/plugins/${p.id}`, { enabled: false });
    await settle();
    const r = await get('/r2');
    expect(r.status).toBe(200);
    expect(r.json.headers['x-tracer-high']).toBe('global');
  });

  it('lets consumer-scoped configurations apply after authentication', async () => {
    await gw.admin('POST', '/routes/r1/plugins', { name: 'key-auth' });
    await gw.admin('POST', '/consumers/alice/plugins', { name: 'tracer-low', config: { tag: 'alice' } });
    await settle();
    const r = await get('/r1', { apikey: 'alice-key' });
    expect(r.status).toBe(200);
    expect(r.json.headers['x-tracer-low']).toBe('alice');
    expect(r.json.headers['x-consumer-username']).toBe('alice');
  });
});
