import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { echoServer, nodeRequest, type Upstream } from '../../helpers/upstream.js';
import { freshMinute, sleep } from '../../helpers/time.js';

let gw: TestGateway;
let up: Upstream;
let port: number;

async function route(name: string, config: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  await gw.admin('POST', '/services/svc/routes', { name, paths: ['/' + name] });
  const r = await gw.admin('POST', `/routes/${name}/plugins`, { name: 'rate-limiting', config, ...extra });
  expect(r.status).toBe(201);
  return r.body;
}

beforeAll(async () => {
  up = await echoServer();
  gw = await startGateway();
  port = gw.gateway.addresses.proxy[0]!.port;
  await gw.admin('POST', '/services', { name: 'svc', url: up.url });
});
afterAll(async () => {
  await gw?.stop();
  await up?.close();
});

describe('rate-limiting schema', () => {
  it('fills Kong defaults', async () => {
    const r = await gw.admin('POST', '/plugins', { name: 'rate-limiting', config: { minute: 5 }, enabled: false });
    expect(r.status).toBe(201);
    expect(r.body.protocols).toEqual(['grpc', 'grpcs', 'http', 'https']);
    expect(r.body.config).toEqual({
      second: null,
      minute: 5,
      hour: null,
      day: null,
      month: null,
      year: null,
      limit_by: 'consumer',
      header_name: null,
      path: null,
      policy: 'local',
      fault_tolerant: true,
      redis: { host: null, port: 6379, timeout: 2000, username: null, password: null, database: 0, ssl: false, ssl_verify: false, server_name: null },
      hide_client_headers: false,
      error_code: 429,
      error_message: 'API rate limit exceeded',
      sync_rate: -1,
    });
    await gw.admin('DELETE', `/plugins/${r.body.id}`);
  });

  it('requires at least one limit', async () => {
    const r = await gw.admin('POST', '/plugins', { name: 'rate-limiting' });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      code: 2,
      name: 'schema violation',
      message:
        "schema violation (at least one of these fields must be non-empty: 'config.second', 'config.minute', 'config.hour', 'config.day', 'config.month', 'config.year')",
      fields: {
        '@entity': ["at least one of these fields must be non-empty: 'config.second', 'config.minute', 'config.hour', 'config.day', 'config.month', 'config.year'"],
      },
    });
  });

  it('rejects a larger window with a lower limit', async () => {
    const r = await gw.admin('POST', '/plugins', { name: 'rate-limiting', config: { minute: 10, hour: 5 } });
    expect(r.status).toBe(400);
    expect(r.body.fields).toEqual({ config: 'The limit for hour(5.0) cannot be lower than the limit for minute(10.0)' });
    expect(r.body.message).toBe('schema violation (config: The limit for hour(5.0) cannot be lower than the limit for minute(10.0))');
  });

  it('checks field values', async () => {
    const zero = await gw.admin('POST', '/plugins', { name: 'rate-limiting', config: { minute: 0 } });
    expect(zero.body.fields).toEqual({ config: { minute: 'value must be greater than 0' } });
    const by = await gw.admin('POST', '/plugins', { name: 'rate-limiting', config: { minute: 1, limit_by: 'planet' } });
    expect(by.body.fields).toEqual({ config: { limit_by: 'expected one of: consumer, credential, ip, service, header, path' } });
    const pol = await gw.admin('POST', '/plugins', { name: 'rate-limiting', config: { minute: 1, policy: 'memcached' } });
    expect(pol.body.fields).toEqual({ config: { policy: 'expected one of: local, cluster, redis' } });
  });

  it('allows sync_rate only with redis', async () => {
    const r = await gw.admin('POST', '/plugins', { name: 'rate-limiting', config: { minute: 1, sync_rate: 10 } });
    expect(r.status).toBe(400);
    expect(r.body.fields).toEqual({ config: 'sync_rate can only be used with the redis policy' });
  });

  it('requires redis.host with the redis policy, and header_name / path for those limit_by', async () => {
    const r = await gw.admin('POST', '/plugins', { name: 'rate-limiting', config: { minute: 1, policy: 'redis' } });
    expect(r.status).toBe(400);
    expect(r.body.fields).toEqual({ '@entity': ["failed conditional validation given value of field 'config.policy'"], config: { redis: { host: 'required field missing' } } });
    expect(r.body.message).toBe("2 schema violations (failed conditional validation given value of field 'config.policy'; config.redis.host: required field missing)");
    const h = await gw.admin('POST', '/plugins', { name: 'rate-limiting', config: { minute: 1, limit_by: 'header' } });
    expect(h.body.fields).toEqual({ '@entity': ["failed conditional validation given value of field 'config.limit_by'"], config: { header_name: 'required field missing' } });
    const p = await gw.admin('POST', '/plugins', { name: 'rate-limiting', config: { minute: 1, limit_by: 'path' } });
    expect(p.body.fields).toEqual({ '@entity': ["failed conditional validation given value of field 'config.limit_by'"], config: { path: 'required field missing' } });
  });

  it('maps the legacy redis_* shorthands into redis', async () => {
    const r = await gw.admin('POST', '/plugins', {
      name: 'rate-limiting',
      enabled: false,
      config: { minute: 1, policy: 'redis', redis_host: '127.0.0.1', redis_port: 6380, redis_timeout: 100, redis_database: 2, redis_password: 'pw' },
    });
    expect(r.status).toBe(201);
    expect(r.body.config.redis).toMatchObject({ host: '127.0.0.1', port: 6380, timeout: 100, database: 2, password: 'pw' });
    expect(r.body.config.redis_host).toBeUndefined();
    await gw.admin('DELETE', `/plugins/${r.body.id}`);
  });

  it('refuses the cluster policy in DB-less mode, as Kong does', async () => {
    const dbless = await startGateway({ KONG_DATABASE: 'off' });
    try {
      const r = await dbless.admin('POST', '/config?flatten_errors=1', { _format_version: '3.0', plugins: [{ name: 'rate-limiting', config: { minute: 5, policy: 'cluster' } }] });
      expect(r.status).toBe(400);
      expect(JSON.stringify(r.body)).toContain('expected one of: local, redis');
      const ok = await dbless.admin('POST', '/config', { _format_version: '3.0', plugins: [{ name: 'rate-limiting', config: { minute: 5, policy: 'local' } }] });
      expect(ok.status).toBe(201);
    } finally {
      await dbless.stop();
    }
  });
});

describe('rate-limiting through the proxy', () => {
  it('counts per minute, sets headers and answers 429 past the limit', async () => {
    await route('rl-basic', { minute: 3 });
    await sleep(20);
    await freshMinute();
    const before = up.requests;
    for (let i = 1; i <= 3; i++) {
      const r = await nodeRequest(port, '/rl-basic');
      expect(r.status).toBe(200);
      expect(r.headers['x-ratelimit-limit-minute']).toBe('3');
      expect(r.headers['x-ratelimit-remaining-minute']).toBe(String(3 - i));
      expect(r.headers['ratelimit-limit']).toBe('3');
      expect(r.headers['ratelimit-remaining']).toBe(String(3 - i));
      const reset = Number(r.headers['ratelimit-reset']);
      expect(reset).toBeGreaterThanOrEqual(1);
      expect(reset).toBeLessThanOrEqual(60);
    }
    const over = await nodeRequest(port, '/rl-basic');
    expect(over.status).toBe(429);
    expect(over.json.message).toBe('API rate limit exceeded');
    expect(over.json.request_id).toMatch(/^[0-9a-f]+$/);
    expect(over.text).toMatch(/^\{\n {2}"message":"API rate limit exceeded",\n {2}"request_id":"[0-9a-f]+"\n\}$/);
    expect(over.headers['x-ratelimit-remaining-minute']).toBe('0');
    expect(over.headers['ratelimit-remaining']).toBe('0');
    expect(Number(over.headers['retry-after'])).toBe(Number(over.headers['ratelimit-reset']));
    expect(up.requests - before).toBe(3);
  });

  it('reports the most restrictive window in RateLimit-*', async () => {
    await route('rl-multi', { minute: 2, hour: 50, day: 100 });
    await sleep(20);
    await freshMinute();
    const r = await nodeRequest(port, '/rl-multi');
    expect(r.headers['x-ratelimit-limit-day']).toBe('100');
    expect(r.headers['x-ratelimit-remaining-day']).toBe('99');
    expect(r.headers['x-ratelimit-limit-hour']).toBe('50');
    expect(r.headers['x-ratelimit-remaining-hour']).toBe('49');
    expect(r.headers['x-ratelimit-limit-second']).toBeUndefined();
    expect(r.headers['ratelimit-limit']).toBe('2');
    expect(r.headers['ratelimit-remaining']).toBe('1');
    await nodeRequest(port, '/rl-multi');
    const over = await nodeRequest(port, '/rl-multi');
    expect(over.status).toBe(429);
    // only the exceeded window is charged for the rejected request
    expect(over.headers['x-ratelimit-remaining-hour']).toBe('48');
    expect(over.headers['x-ratelimit-remaining-minute']).toBe('0');
  });

  it('hides headers and honours error_code / error_message', async () => {
    await route('rl-hidden', { minute: 1, hide_client_headers: true, error_code: 503, error_message: 'slow down' });
    await sleep(20);
    await freshMinute();
    const ok = await nodeRequest(port, '/rl-hidden');
    expect(ok.status).toBe(200);
    expect(Object.keys(ok.headers).filter((h) => h.includes('ratelimit'))).toEqual([]);
    const over = await nodeRequest(port, '/rl-hidden');
    expect(over.status).toBe(503);
    expect(over.json.message).toBe('slow down');
    expect(over.headers['retry-after']).toBeUndefined();
    expect(over.headers['ratelimit-remaining']).toBeUndefined();
  });

  it('keeps separate counters per header value, falling back to the client IP', async () => {
    await route('rl-header', { minute: 1, limit_by: 'header', header_name: 'x-tenant' });
    await sleep(20);
    await freshMinute();
    expect((await nodeRequest(port, '/rl-header', { headers: { 'x-tenant': 'a' } })).status).toBe(200);
    expect((await nodeRequest(port, '/rl-header', { headers: { 'x-tenant': 'a' } })).status).toBe(429);
    expect((await nodeRequest(port, '/rl-header', { headers: { 'x-tenant': 'b' } })).status).toBe(200);
    expect((await nodeRequest(port, '/rl-header')).status).toBe(200);
    expect((await nodeRequest(port, '/rl-header')).status).toBe(429);
  });

  it('limits by path only when the path matches', async () => {
    await gw.admin('POST', '/services/svc/routes', { name: 'rl-path', paths: ['/rl-path'] });
    await gw.admin('POST', '/routes/rl-path/plugins', { name: 'rate-limiting', config: { minute: 1, limit_by: 'path', path: '/rl-path/a' } });
    await sleep(20);
    await freshMinute();
    expect((await nodeRequest(port, '/rl-path/a')).status).toBe(200);
    expect((await nodeRequest(port, '/rl-path/a')).status).toBe(429);
    // another path falls back to the IP, a different counter
    expect((await nodeRequest(port, '/rl-path/b')).status).toBe(200);
    expect((await nodeRequest(port, '/rl-path/c')).status).toBe(429);
  });

  it('counts per consumer, and a consumer-scoped instance wins over the route one', async () => {
    await gw.admin('POST', '/services/svc/routes', { name: 'rl-cons', paths: ['/rl-cons'] });
    await gw.admin('POST', '/routes/rl-cons/plugins', { name: 'key-auth' });
    await gw.admin('POST', '/routes/rl-cons/plugins', { name: 'rate-limiting', config: { minute: 1 } });
    for (const u of ['ann', 'bob', 'vip']) {
      await gw.admin('POST', '/consumers', { username: u });
      await gw.admin('POST', `/consumers/${u}/key-auth`, { key: `k-${u}` });
    }
    const scoped = await gw.admin('POST', '/consumers/vip/plugins', { name: 'rate-limiting', config: { minute: 3 } });
    expect(scoped.status).toBe(201);
    await sleep(20);
    await freshMinute();
    const get = (k: string) => nodeRequest(port, '/rl-cons', { headers: { apikey: k } });
    expect((await get('k-ann')).status).toBe(200);
    expect((await get('k-ann')).status).toBe(429);
    expect((await get('k-bob')).status).toBe(200);
    const v = await get('k-vip');
    expect(v.status).toBe(200);
    expect(v.headers['x-ratelimit-limit-minute']).toBe('3');
    expect((await get('k-vip')).status).toBe(200);
    expect((await get('k-vip')).status).toBe(200);
    expect((await get('k-vip')).status).toBe(429);
  });
});

describe('rate-limiting scoping', () => {
  let g2: TestGateway;
  let p2: number;
  beforeAll(async () => {
    g2 = await startGateway();
    p2 = g2.gateway.addresses.proxy[0]!.port;
    await g2.admin('POST', '/services', { name: 's', url: up.url });
    await g2.admin('POST', '/services/s/routes', { name: 'a', paths: ['/a'] });
    await g2.admin('POST', '/services/s/routes', { name: 'b', paths: ['/b'] });
    await g2.admin('POST', '/services/s/routes', { name: 'c', paths: ['/c'] });
    await g2.admin('POST', '/services', { name: 's2', url: up.url });
    await g2.admin('POST', '/services/s2/routes', { name: 'd', paths: ['/d'] });
    await g2.admin('POST', '/services/s2/routes', { name: 'e', paths: ['/e'] });
    await g2.admin('POST', '/plugins', { name: 'rate-limiting', config: { minute: 2 } });
    await g2.admin('POST', '/routes/c/plugins', { name: 'rate-limiting', config: { minute: 4 } });
    await g2.admin('POST', '/services/s2/plugins', { name: 'rate-limiting', config: { minute: 1, limit_by: 'service' } });
    await sleep(20);
  });
  afterAll(async () => {
    await g2?.stop();
  });

  it('a global instance shares one counter across routes; a route instance has its own', async () => {
    await freshMinute();
    expect((await nodeRequest(p2, '/a')).status).toBe(200);
    const b = await nodeRequest(p2, '/b');
    expect(b.status).toBe(200);
    expect(b.headers['x-ratelimit-remaining-minute']).toBe('0');
    expect((await nodeRequest(p2, '/a')).status).toBe(429);
    const c = await nodeRequest(p2, '/c');
    expect(c.status).toBe(200);
    expect(c.headers['x-ratelimit-limit-minute']).toBe('4');
    expect(c.headers['x-ratelimit-remaining-minute']).toBe('3');
  });

  it('limit_by service counts every client of the service together', async () => {
    await freshMinute();
    expect((await nodeRequest(p2, '/d')).status).toBe(200);
    expect((await nodeRequest(p2, '/e')).status).toBe(429);
  });

  it('counters are per gateway', async () => {
    await freshMinute();
    const g3 = await startGateway();
    try {
      const p3 = g3.gateway.addresses.proxy[0]!.port;
      await g3.admin('POST', '/services', { name: 's', url: up.url });
      await g3.admin('POST', '/services/s/routes', { name: 'a', paths: ['/a'] });
      await g3.admin('POST', '/plugins', { name: 'rate-limiting', config: { minute: 1 } });
      await sleep(20);
      expect((await nodeRequest(p3, '/a')).status).toBe(200);
      expect((await nodeRequest(p3, '/a')).status).toBe(429);
    } finally {
      await g3.stop();
    }
  });

  it('on the embedded store the cluster policy counts in this process, which is the whole cluster', async () => {
    await g2.admin('POST', '/services/s/routes', { name: 'cl', paths: ['/cl'] });
    const r = await g2.admin('POST', '/routes/cl/plugins', { name: 'rate-limiting', config: { minute: 1, policy: 'cluster' } });
    expect(r.status).toBe(201);
    await sleep(20);
    await freshMinute();
    expect((await nodeRequest(p2, '/cl')).status).toBe(200);
    expect((await nodeRequest(p2, '/cl')).status).toBe(429);
  });
});
