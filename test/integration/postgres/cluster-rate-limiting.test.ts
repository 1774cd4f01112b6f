// rate-limiting `policy: cluster` with two gateways on one PostgreSQL database: one set of counters
// (ratelimiting_metrics), Kong's headers and 429, expired windows cleaned up, fault_tolerant on an outage.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { pgEnv, startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { freshMinute } from '../../helpers/time.js';
import { echoServer, nodeRequest, type Upstream } from '../../helpers/upstream.js';

let server: TestPostgres;
let up: Upstream;
let database: string;
let a: TestGateway;
let b: TestGateway;
let pa: number;
let pb: number;

async function until(what: string, cond: () => Promise<boolean>, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A route on A with a rate-limiting instance, once both nodes enforce it; counters then start from zero. */
async function limitedRoute(name: string, config: Record<string, unknown>): Promise<void> {
  expect((await a.admin('POST', '/services/svc/routes', { name, paths: ['/' + name] })).status).toBe(201);
  expect((await a.admin('POST', `/routes/${name}/plugins`, { name: 'rate-limiting', config: { policy: 'cluster', ...config } })).status).toBe(201);
  const headers = { 'x-key': 'probe' };
  for (const p of [pa, pb]) {
    await until(`${name} limited on :${p}`, async () => {
      const r = await nodeRequest(p, '/' + name, { headers });
      return Object.keys(r.headers).some((h) => h.startsWith('x-ratelimit-limit-'));
    });
  }
  await server.query(database, 'DELETE FROM ratelimiting_metrics');
}

beforeAll(async () => {
  server = await startPostgres();
  up = await echoServer();
  const pg = await server.bootstrappedDatabase('rl');
  database = pg.database;
  const env = { ...pgEnv(pg), KONG_DB_UPDATE_FREQUENCY: '1' };
  a = await startGateway(env);
  b = await startGateway(env);
  pa = a.gateway.addresses.proxy[0]!.port;
  pb = b.gateway.addresses.proxy[0]!.port;
  expect((await a.admin('POST', '/services', { name: 'svc', url: up.url })).status).toBe(201);
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await up?.close();
  await server?.stop();
});

describe('rate-limiting policy cluster on PostgreSQL', () => {
  it('counts across two gateways: requests alternated between A and B, the 6th of 5/minute gets 429', async () => {
    await freshMinute(15);
    await limitedRoute('alt', { minute: 5, limit_by: 'ip' });
    const ports = [pa, pb, pa, pb, pa, pb];
    const answers = [];
    for (const p of ports) answers.push(await nodeRequest(p, '/alt'));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(answers.slice(0, 5).map((r) => r.headers['x-ratelimit-remaining-minute'])).toEqual(['4', '3', '2', '1', '0']);
    const last = answers[5]!;
    expect(last.json).toMatchObject({ message: 'API rate limit exceeded' });
    expect(last.headers['x-ratelimit-limit-minute']).toBe('5');
    expect(last.headers['x-ratelimit-remaining-minute']).toBe('0');
    expect(last.headers['ratelimit-limit']).toBe('5');
    expect(last.headers['ratelimit-remaining']).toBe('0');
    const reset = Number(last.headers['ratelimit-reset']);
    expect(reset).toBeGreaterThanOrEqual(1);
    expect(reset).toBeLessThanOrEqual(60);
    expect(last.headers['retry-after']).toBe(String(reset));

    // one row per window in Kong's table, holding the requests let through (the 429 is not counted)
    const route = (await a.admin('GET', '/routes/alt')).body;
    const rows = await server.query(database, 'SELECT identifier, period, value, route_id::text, service_id::text, ttl > period_date AS has_ttl FROM ratelimiting_metrics');
    expect(rows.rows).toEqual([{ identifier: '127.0.0.1', period: 'minute', value: 5, route_id: route.id, service_id: '00000000-0000-0000-0000-000000000000', has_ttl: true }]);
  });

  it('counts every configured period in one row each, and hashes identifiers too long for an index', async () => {
    await freshMinute(15);
    await limitedRoute('long', { minute: 3, hour: 3, limit_by: 'header', header_name: 'x-key' });
    const key = 'k'.repeat(5000);
    const statuses = [];
    for (const p of [pa, pb, pa, pb]) statuses.push((await nodeRequest(p, '/long', { headers: { 'x-key': key } })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const rows = await server.query(database, 'SELECT identifier, period, sum(value)::int AS value FROM ratelimiting_metrics GROUP BY 1, 2 ORDER BY period');
    expect(rows.rows).toEqual([
      { identifier: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), period: 'hour', value: 3 },
      { identifier: rows.rows[0]!.identifier, period: 'minute', value: 3 },
    ]);
  });

  it('removes expired windows', async () => {
    await server.query(
      database,
      `INSERT INTO ratelimiting_metrics (identifier, period, period_date, value, ttl)
       VALUES ('old', 'minute', now() - interval '2 hours', 7, now() - interval '119 minutes')`,
    );
    // a node cleans up when its cluster policy starts and then once a minute: a fresh gateway shows it
    const c = await startGateway({ ...pgEnv(server.settings(database)), KONG_DB_UPDATE_FREQUENCY: '1' });
    try {
      const pc = c.gateway.addresses.proxy[0]!.port;
      await until('alt on C', async () => (await nodeRequest(pc, '/alt')).status !== 404);
      await until('expired row removed', async () => (await server.query(database, `SELECT 1 FROM ratelimiting_metrics WHERE identifier = 'old'`)).rows.length === 0);
    } finally {
      await c.stop();
    }
  });

  it('database unreachable: fault_tolerant lets requests through, otherwise 500', async () => {
    await limitedRoute('tolerant', { minute: 100, fault_tolerant: true });
    await limitedRoute('strict', { minute: 100, fault_tolerant: false });
    server.stopServer();
    try {
      for (const p of [pa, pb]) {
        const ok = await nodeRequest(p, '/tolerant');
        expect(ok.status).toBe(200);
        expect(ok.headers['x-ratelimit-limit-minute']).toBeUndefined();
        const err = await nodeRequest(p, '/strict');
        expect(err.status).toBe(500);
        expect(err.json).toMatchObject({ message: 'An unexpected error occurred' });
      }
    } finally {
      server.startServer();
    }
    await until('counting again', async () => (await nodeRequest(pa, '/strict')).status === 200, 10_000);
  });
});

describe('response-ratelimiting policy cluster on PostgreSQL', () => {
  it("counts what the upstream reports on either node in one table; the spent limit answers 429 on both", async () => {
    // only ?cost=1 reports usage, so the readiness probes below count nothing
    const costly = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', ...(req.url?.includes('cost=1') ? { 'x-kong-limit': 'videos=1' } : {}) });
      res.end('ok');
    });
    await new Promise<void>((r) => costly.listen(0, '127.0.0.1', r));
    try {
      await freshMinute(15);
      const url = `http://127.0.0.1:${(costly.address() as AddressInfo).port}`;
      expect((await a.admin('POST', '/services', { name: 'media', url })).status).toBe(201);
      expect((await a.admin('POST', '/services/media/routes', { name: 'videos', paths: ['/videos'] })).status).toBe(201);
      const plugin = { name: 'response-ratelimiting', config: { policy: 'cluster', limits: { videos: { minute: 3 } } } };
      expect((await a.admin('POST', '/routes/videos/plugins', plugin)).status).toBe(201);
      for (const p of [pa, pb]) {
        await until(`videos limited on :${p}`, async () => (await nodeRequest(p, '/videos')).headers['x-ratelimit-limit-videos-minute'] === '3');
      }
      await server.query(database, 'DELETE FROM response_ratelimiting_metrics');
      const used = async () => Number((await server.query(database, "SELECT coalesce(sum(value), 0)::int AS n FROM response_ratelimiting_metrics WHERE period = 'videos_minute'")).rows[0].n);
      const ports = [pa, pb, pa];
      for (const [i, p] of ports.entries()) {
        const r = await nodeRequest(p, '/videos?cost=1');
        expect(r.status).toBe(200);
        expect(r.headers['x-kong-limit']).toBeUndefined();
        // the log phase counts after the answer: wait for it before the next request reads the usage
        await until(`usage ${i + 1}`, async () => (await used()) === i + 1);
      }
      for (const p of [pb, pa]) expect((await nodeRequest(p, '/videos?cost=1')).status).toBe(429);
      const rows = await server.query(database, "SELECT DISTINCT period FROM response_ratelimiting_metrics WHERE period LIKE 'videos_%' ORDER BY period");
      expect(rows.rows.map((r) => r.period)).toEqual(['videos_day', 'videos_hour', 'videos_minute', 'videos_month', 'videos_second', 'videos_year']);
    } finally {
      await new Promise((r) => costly.close(r));
    }
  });
});
