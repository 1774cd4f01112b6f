import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { echoServer, nodeRequest, type Upstream } from '../../helpers/upstream.js';
import { freshMinute, sleep } from '../../helpers/time.js';

let redis: TestRedis;
let up: Upstream;
let gwA: TestGateway;
let gwB: TestGateway;

async function setup(gw: TestGateway, config: Record<string, unknown>, name: string) {
  await gw.admin('PUT', '/services/svc', { url: up.url });
  await gw.admin('PUT', `/routes/${name}`, { paths: ['/' + name], service: { name: 'svc' } });
  const r = await gw.admin('POST', `/routes/${name}/plugins`, { name: 'rate-limiting', config });
  expect(r.status).toBe(201);
  return r.body;
}

beforeAll(async () => {
  redis = await startRedis();
  up = await echoServer();
  gwA = await startGateway();
  gwB = await startGateway();
});
afterAll(async () => {
  await gwA?.stop();
  await gwB?.stop();
  await up?.close();
  await redis?.stop();
});

describe('rate-limiting with the redis policy', () => {
  it('shares counters between gateways through Redis', async () => {
    // the same route id on both gateways, so both use the same counter keys
    const conf = { minute: 3, policy: 'redis', redis: { host: redis.host, port: redis.port } };
    const a = await setup(gwA, conf, 'shared');
    const routeId = a.route.id;
    await gwB.admin('PUT', '/services/svc', { url: up.url });
    await gwB.admin('PUT', `/routes/${routeId}`, { name: 'shared', paths: ['/shared'], service: { name: 'svc' } });
    await gwB.admin('POST', `/routes/${routeId}/plugins`, { name: 'rate-limiting', config: conf });
    await sleep(20);
    await freshMinute();
    const pa = gwA.gateway.addresses.proxy[0]!.port;
    const pb = gwB.gateway.addresses.proxy[0]!.port;
    const r1 = await nodeRequest(pa, '/shared');
    expect(r1.status).toBe(200);
    expect(r1.headers['x-ratelimit-remaining-minute']).toBe('2');
    await sleep(30);
    const r2 = await nodeRequest(pb, '/shared');
    expect(r2.headers['x-ratelimit-remaining-minute']).toBe('1');
    await sleep(30);
    expect((await nodeRequest(pa, '/shared')).status).toBe(200);
    await sleep(30);
    const over = await nodeRequest(pb, '/shared');
    expect(over.status).toBe(429);
    expect(over.json.message).toBe('API rate limit exceeded');

    // keys follow Kong's layout and expire with their window
    const client = new Redis({ host: redis.host, port: redis.port });
    try {
      const keys = await client.keys('ratelimit:*');
      const key = keys.find((k) => k.includes(routeId) && k.endsWith(':minute'))!;
      expect(key).toMatch(new RegExp(`^ratelimit:${routeId}:00000000-0000-0000-0000-000000000000:127\\.0\\.0\\.1:\\d+:minute$`));
      expect(await client.get(key)).toBe('3');
      const ttl = await client.ttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60);
    } finally {
      client.disconnect();
    }
  });

  it('uses redis.database and the legacy redis_* fields', async () => {
    await setup(gwA, { minute: 1, policy: 'redis', redis_host: redis.host, redis_port: redis.port, redis_database: 3 }, 'db3');
    await sleep(20);
    await freshMinute();
    const pa = gwA.gateway.addresses.proxy[0]!.port;
    expect((await nodeRequest(pa, '/db3')).status).toBe(200);
    await sleep(30);
    expect((await nodeRequest(pa, '/db3')).status).toBe(429);
    const client = new Redis({ host: redis.host, port: redis.port, db: 3 });
    try {
      expect((await client.keys('ratelimit:*')).length).toBeGreaterThan(0);
    } finally {
      client.disconnect();
    }
  });

  it('is fault tolerant when Redis is unreachable, or answers 500 when not', async () => {
    const dead = { host: '127.0.0.1', port: 1, timeout: 200 };
    await setup(gwA, { minute: 1, policy: 'redis', redis: dead }, 'tolerant');
    await setup(gwA, { minute: 1, policy: 'redis', redis: dead, fault_tolerant: false }, 'strict');
    await sleep(20);
    const pa = gwA.gateway.addresses.proxy[0]!.port;
    const ok = await nodeRequest(pa, '/tolerant');
    expect(ok.status).toBe(200);
    expect(ok.headers['x-ratelimit-limit-minute']).toBeUndefined();
    const fail = await nodeRequest(pa, '/strict');
    expect(fail.status).toBe(500);
    expect(fail.json.message).toBe('An unexpected error occurred');
  });
});
