// Two gateways on one PostgreSQL database, through the admin API and the proxy.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { Gateway } from '../../../src/gateway.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { openPostgresStore, runMigrations } from '../../../src/store/postgres/index.js';
import { tempDir } from '../../helpers/gateway.js';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { echoServer, type Upstream } from '../../helpers/upstream.js';

let server: TestPostgres;
let upstream: Upstream;
const gateways: Array<{ gw: Gateway; prefix: string }> = [];
beforeAll(async () => {
  server = await startPostgres();
  upstream = await echoServer();
});
afterAll(async () => {
  for (const { gw, prefix } of gateways.splice(0)) {
    await gw.stop().catch(() => undefined);
    fs.rmSync(prefix, { recursive: true, force: true });
  }
  await upstream?.close();
  await server?.stop();
});

/** A gateway whose store is opened on PostgreSQL (what Gateway.openStore does once wired). */
async function gateway(database: string) {
  const prefix = tempDir();
  const config = loadConfig({
    env: {
      KONG_PREFIX: prefix,
      KONG_DATABASE: 'postgres',
      KONG_PG_HOST: '127.0.0.1',
      KONG_PG_PORT: String(server.port),
      KONG_PG_DATABASE: database,
      KONG_PG_USER: 'kong',
      KONG_DB_UPDATE_FREQUENCY: '1',
      KONG_ADMIN_LISTEN: '127.0.0.1:0',
      KONG_PROXY_LISTEN: '127.0.0.1:0',
      PORTCULLIS_NODE_LISTEN: 'off',
    },
    cwd: prefix,
  });
  const gw = new Gateway(config, { logger: silentLogger() });
  gw.store = await openPostgresStore(config, gw.plugins, gw.logger, { nodeId: gw.nodeId, reconnectIntervalMs: 200 });
  await gw.start();
  gateways.push({ gw, prefix });
  const admin = `http://127.0.0.1:${gw.addresses.admin[0]!.port}`;
  const proxy = `http://127.0.0.1:${gw.addresses.proxy[0]!.port}`;
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(admin + path, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined };
  };
  return { gw, call, proxy };
}

async function until(what: string, cond: () => Promise<boolean>, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('two gateways on PostgreSQL', () => {
  it('admin writes on A route traffic on B; name races answer 201 and 409; an outage answers 500', async () => {
    const pg = await server.createDatabase('http');
    expect((await runMigrations('bootstrap', [], { pg })).code).toBe(0);
    const a = await gateway(pg.database);
    const b = await gateway(pg.database);

    const svc = await a.call('POST', '/services', { name: 'echo', url: upstream.url });
    expect(svc.status).toBe(201);
    const t0 = Date.now();
    expect((await a.call('POST', '/services/echo/routes', { name: 'r', paths: ['/echo'] })).status).toBe(201);
    await until('route in force on B', async () => (await fetch(`${b.proxy}/echo/hi`)).status === 200);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect((await b.call('GET', '/routes/r')).status).toBe(200);

    const race = await Promise.all([a.call('POST', '/consumers', { username: 'twin' }), b.call('POST', '/consumers', { username: 'twin' })]);
    expect(race.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(race.find((r) => r.status === 409)!.body).toEqual({
      code: 5,
      name: 'unique constraint violation',
      message: `UNIQUE violation detected on '{username="twin"}'`,
      fields: { username: 'twin' },
    });

    server.stopServer();
    const down = await a.call('POST', '/consumers', { username: 'during-outage' });
    expect(down).toEqual({ status: 500, body: { message: 'An unexpected error occurred' } });
    // both nodes keep proxying from memory
    expect((await fetch(`${a.proxy}/echo/x`)).status).toBe(200);
    expect((await fetch(`${b.proxy}/echo/x`)).status).toBe(200);
    server.startServer();
    await until('writes work again', async () => (await a.call('POST', '/consumers', { username: 'after' })).status === 201, 10_000);
    await until('B resynced', async () => (await b.call('GET', '/consumers/after')).status === 200, 5000);
  }, 60_000);
});
