import http from 'node:http';
import type net from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { nodeRequest } from '../../helpers/upstream.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { freshMinute, sleep } from '../../helpers/time.js';

/** An upstream that reports usage: `?cost=videos=2,images=1` becomes `X-Kong-Limit: videos=2,images=1` (or `?header=`). */
interface CostServer {
  url: string;
  requests: number;
  close(): Promise<void>;
}
async function costServer(): Promise<CostServer> {
  const state = { requests: 0 };
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    state.requests++;
    const u = new URL(req.url ?? '/', 'http://x');
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const cost = u.searchParams.get('cost');
    if (cost !== null) headers[u.searchParams.get('header') ?? 'x-kong-limit'] = cost;
    res.writeHead(200, headers);
    res.end(JSON.stringify({ url: req.url, headers: req.headers }));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

let gw: TestGateway;
let up: CostServer;
let redis: TestRedis;
let port: number;
const settle = () => sleep(20);
const get = (path: string, headers: Record<string, string> = {}) => nodeRequest(port, path, { headers });

async function route(name: string, config: Record<string, unknown>) {
  await gw.admin('POST', '/services/svc/routes', { name, paths: [`/${name}`] });
  const r = await gw.admin('POST', `/routes/${name}/plugins`, { name: 'response-ratelimiting', config });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

beforeAll(async () => {
  redis = await startRedis();
  up = await costServer();
  gw = await startGateway();
  port = gw.gateway.addresses.proxy[0]!.port;
  await gw.admin('POST', '/services', { name: 'svc', url: up.url });
});
afterAll(async () => {
  await gw?.stop();
  await up?.close();
  await redis?.stop();
});

describe('response-ratelimiting schema', () => {
  it('serves the config fields and fills Kong defaults', async () => {
    const s = await gw.admin('GET', '/schemas/plugins/response-ratelimiting');
    expect(s.status).toBe(200);
    const config = s.body.fields.find((f: any) => f.config).config;
    expect(config.fields.map((f: any) => Object.keys(f)[0])).toEqual([
      'header_name',
      'limit_by',
      'policy',
      'fault_tolerant',
      'redis',
      'block_on_first_violation',
      'hide_client_headers',
      'limits',
    ]);
    const p = await gw.admin('POST', '/plugins', { name: 'response-ratelimiting', config: { limits: { videos: { minute: 10 } } }, enabled: false });
    expect(p.status).toBe(201);
    expect(p.body.config).toMatchObject({
      header_name: 'x-kong-limit',
      limit_by: 'consumer',
      policy: 'local',
      fault_tolerant: true,
      block_on_first_violation: false,
      hide_client_headers: false,
      limits: { videos: { second: null, minute: 10, hour: null, day: null, month: null, year: null } },
    });
    expect(p.body.config.redis).toMatchObject({ host: null, port: 6379, timeout: 2000, database: 0 });
    await gw.admin('DELETE', `/plugins/${p.body.id}`);
  });

  it('answers bad configs with Kong 400 schema violation bodies', async () => {
    const missing = await gw.admin('POST', '/plugins', { name: 'response-ratelimiting' });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({
      code: 2,
      name: 'schema violation',
      message: 'schema violation (config.limits: required field missing)',
      fields: { config: { limits: 'required field missing' } },
    });
    const empty = await gw.admin('POST', '/plugins', { name: 'response-ratelimiting', config: { limits: {} } });
    expect(empty.body.fields).toEqual({ config: { limits: 'length must be at least 1' } });
    const order = await gw.admin('POST', '/plugins', { name: 'response-ratelimiting', config: { limits: { videos: { minute: 10, hour: 5 } } } });
    expect(order.status).toBe(400);
    expect(order.body.fields).toEqual({ config: { limits: { videos: 'the limit for hour(5.0) cannot be lower than the limit for minute(10.0)' } } });
    const bad = await gw.admin('POST', '/plugins', {
      name: 'response-ratelimiting',
      config: { limit_by: 'service', limits: { videos: { minute: 0 } } },
    });
    expect(bad.body.fields).toEqual({ config: { limit_by: 'expected one of: consumer, credential, ip', limits: { videos: { minute: 'value must be greater than 0' } } } });
    const none = await gw.admin('POST', '/plugins', { name: 'response-ratelimiting', config: { limits: { videos: {} } } });
    expect(none.status).toBe(400);
    expect(none.body.fields).toEqual({
      config: { limits: { videos: { '@entity': ["at least one of these fields must be non-empty: 'second', 'minute', 'hour', 'day', 'month', 'year'"] } } },
    });
    const redisless = await gw.admin('POST', '/plugins', { name: 'response-ratelimiting', config: { policy: 'redis', limits: { videos: { minute: 1 } } } });
    expect(redisless.status).toBe(400);
    expect(redisless.body.fields).toEqual({
      '@entity': ["failed conditional validation given value of field 'config.policy'"],
      config: { redis: { host: 'required field missing' } },
    });
  });
});

describe('response-ratelimiting proxy (local policy)', () => {
  it('counts what the upstream reports, tells the client, and strips the header', async () => {
    await route('videos', { limits: { videos: { minute: 3, hour: 10 }, images: { minute: 5 } } });
    await settle();
    await freshMinute();
    const r1 = await get('/videos?cost=videos=2,%20images=1');
    expect(r1.status).toBe(200);
    expect(r1.headers['x-kong-limit']).toBeUndefined();
    // the upstream learns what remained before this request: the lowest over the periods
    expect(r1.json.headers['x-ratelimit-remaining-videos']).toBe('3');
    expect(r1.json.headers['x-ratelimit-remaining-images']).toBe('5');
    expect(r1.headers['x-ratelimit-limit-videos-minute']).toBe('3');
    expect(r1.headers['x-ratelimit-remaining-videos-minute']).toBe('1');
    expect(r1.headers['x-ratelimit-limit-videos-hour']).toBe('10');
    expect(r1.headers['x-ratelimit-remaining-videos-hour']).toBe('8');
    expect(r1.headers['x-ratelimit-remaining-images-minute']).toBe('4');
    await settle();

    // a response that costs nothing still reports the headers
    const free = await get('/videos');
    expect(free.json.headers['x-ratelimit-remaining-videos']).toBe('1');
    expect(free.headers['x-ratelimit-remaining-videos-minute']).toBe('1');
    await settle();

    const r2 = await get('/videos?cost=videos=1');
    expect(r2.status).toBe(200);
    expect(r2.headers['x-ratelimit-remaining-videos-minute']).toBe('0');
    await settle();

    // spent: the upstream is still called, but a response that costs more is replaced by a bare 429
    const before = up.requests;
    const over = await get('/videos?cost=videos=1');
    expect(up.requests).toBe(before + 1);
    expect(over.status).toBe(429);
    expect(over.text).toBe('');
    expect(over.headers['x-kong-limit']).toBeUndefined();
    expect(over.headers['x-ratelimit-remaining-videos-minute']).toBe('0');
    await settle();

    // other limits and free responses still pass; the refused response was not counted
    const images = await get('/videos?cost=images=1');
    expect(images.status).toBe(200);
    expect(images.headers['x-ratelimit-remaining-images-minute']).toBe('3');
    expect(images.headers['x-ratelimit-remaining-videos-hour']).toBe('7');
  });

  it('blocks before the upstream with block_on_first_violation', async () => {
    await route('strict', { block_on_first_violation: true, limits: { videos: { minute: 2 } } });
    await settle();
    await freshMinute();
    expect((await get('/strict?cost=videos=2')).status).toBe(200);
    await settle();
    const before = up.requests;
    const r = await get('/strict?cost=videos=1');
    expect(r.status).toBe(429);
    expect(r.json.message).toBe("API rate limit exceeded for 'videos'");
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(up.requests).toBe(before);
  });

  it('honours header_name, hide_client_headers and unknown limit names', async () => {
    await route('quiet', { header_name: 'X-Usage', hide_client_headers: true, limits: { videos: { minute: 1 } } });
    await settle();
    await freshMinute();
    const r = await get('/quiet?cost=videos=1,unknown=5,bogus&header=x-usage');
    expect(r.status).toBe(200);
    expect(r.headers['x-usage']).toBeUndefined();
    expect(Object.keys(r.headers).filter((h) => h.startsWith('x-ratelimit'))).toEqual([]);
    await settle();
    const over = await get('/quiet?cost=videos=1&header=x-usage');
    expect(over.status).toBe(429);
    // x-kong-limit is not the configured header here: it passes through and costs nothing
    const other = await get('/quiet?cost=videos=1');
    expect(other.status).toBe(200);
    expect(other.headers['x-kong-limit']).toBe('videos=1');
  });

  it('counts separately per consumer with limit_by consumer', async () => {
    await gw.admin('POST', '/consumers', { username: 'ann' });
    await gw.admin('POST', '/consumers', { username: 'ben' });
    await gw.admin('POST', '/consumers/ann/key-auth', { key: 'k-ann' });
    await gw.admin('POST', '/consumers/ben/key-auth', { key: 'k-ben' });
    await route('per', { limits: { videos: { minute: 1 } } });
    await gw.admin('POST', '/routes/per/plugins', { name: 'key-auth', config: { anonymous: null } });
    await settle();
    await freshMinute();
    expect((await get('/per?cost=videos=1', { apikey: 'k-ann' })).status).toBe(200);
    await settle();
    expect((await get('/per?cost=videos=1', { apikey: 'k-ann' })).status).toBe(429);
    const ben = await get('/per?cost=videos=1', { apikey: 'k-ben' });
    expect(ben.status).toBe(200);
    expect(ben.headers['x-ratelimit-remaining-videos-minute']).toBe('0');
  });
});

describe('response-ratelimiting proxy (redis policy)', () => {
  it('keeps counters in Redis under Kong keys', async () => {
    const p = await route('shared', { policy: 'redis', redis: { host: redis.host, port: redis.port }, limits: { videos: { minute: 2 } } });
    await settle();
    await freshMinute();
    expect((await get('/shared?cost=videos=2')).headers['x-ratelimit-remaining-videos-minute']).toBe('0');
    await sleep(50);
    expect((await get('/shared?cost=videos=1')).status).toBe(429);
    const client = new Redis({ host: redis.host, port: redis.port });
    try {
      const keys = await client.keys('response-ratelimit:*');
      const key = keys.find((k) => k.endsWith(':videos:minute'))!;
      expect(key).toMatch(new RegExp(`^response-ratelimit:${p.route.id}:00000000-0000-0000-0000-000000000000:127\\.0\\.0\\.1:\\d+:videos:minute$`));
      expect(await client.get(key)).toBe('2');
      const ttl = await client.ttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60);
      expect(keys.filter((k) => k.includes(':videos:')).length).toBe(6);
    } finally {
      client.disconnect();
    }
  });

  it('is fault tolerant when Redis is unreachable, or answers 500 when not', async () => {
    const dead = { host: '127.0.0.1', port: 1, timeout: 200 };
    await route('tolerant', { policy: 'redis', redis: dead, limits: { videos: { minute: 1 } } });
    await route('fragile', { policy: 'redis', redis: dead, fault_tolerant: false, limits: { videos: { minute: 1 } } });
    await settle();
    const ok = await get('/tolerant?cost=videos=1');
    expect(ok.status).toBe(200);
    expect(ok.headers['x-ratelimit-limit-videos-minute']).toBeUndefined();
    // without usage Kong's header_filter returns before it clears the header
    expect(ok.headers['x-kong-limit']).toBe('videos=1');
    const fail = await get('/fragile?cost=videos=1');
    expect(fail.status).toBe(500);
    expect(fail.json.message).toBe('An unexpected error occurred');
  });
});
