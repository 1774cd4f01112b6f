// The change feed's notifications: a node skips reading the log for its own writes, and a running node
// follows a database that was reset and bootstrapped again (seqs start over under a new epoch).
// Reachability as GET /status reports it.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EntityStore } from '../../../src/store/dao.js';
import { databaseReachable, openPostgresStore, postgresBackendOf, runMigrations } from '../../../src/store/postgres/index.js';
import { startGateway } from '../../helpers/gateway.js';
import { pgEnv, startPostgres, type TestPostgres } from '../../helpers/postgres.js';

const plugins = { get: () => undefined, isEnabled: () => false };
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
// polls far apart: only notifications can explain what a node sees within these tests
const NO_POLL = 600;

let server: TestPostgres;
const open: EntityStore[] = [];
beforeAll(async () => {
  server = await startPostgres();
});
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});
afterAll(async () => {
  await server?.stop();
});

async function node(pg: Awaited<ReturnType<TestPostgres['bootstrappedDatabase']>>, nodeId: string): Promise<EntityStore> {
  const s = await openPostgresStore({ pg, db_update_frequency: NO_POLL }, plugins, quiet, { nodeId });
  open.push(s);
  return s;
}

async function until(what: string, cond: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('change notifications', () => {
  it("a node takes one connection per own write; another node's write still makes it read the log", async () => {
    const pg = await server.bootstrappedDatabase('own');
    const a = await node(pg, 'node-a');
    const b = await node(pg, 'node-b');
    const backend = postgresBackendOf(a)!;
    const connects = vi.spyOn(backend.pool, 'connect');
    for (let i = 0; i < 20; i++) await a.insert('consumers', { username: `own-${i}` });
    await until('b follows', () => b.resolve('consumers', 'own-19') !== undefined);
    // the notifications of a's own writes have arrived by now (b saw the last one)
    await new Promise((r) => setTimeout(r, 100));
    expect(connects).toHaveBeenCalledTimes(20);
    await b.insert('consumers', { username: 'from-b' });
    await until('a follows b', () => a.resolve('consumers', 'from-b') !== undefined, 1000);
    expect(connects.mock.calls.length).toBeGreaterThan(20);
    connects.mockRestore();
  });

  it('a running node follows a database reset and bootstrapped again, without waiting for the poll', async () => {
    const pg = await server.bootstrappedDatabase('reset');
    const a = await node(pg, 'node-a');
    for (let i = 0; i < 5; i++) await a.insert('consumers', { username: `before-${i}` });
    expect((await runMigrations('reset', ['--yes'], { pg })).code).toBe(0);
    expect((await runMigrations('bootstrap', [], { pg })).code).toBe(0);
    const b = await node(pg, 'node-b');
    // seq 1 of the new epoch: lower than what a has seen, still news
    await b.insert('consumers', { username: 'after-reset' });
    await until('a reloads the new database', () => a.resolve('consumers', 'after-reset') !== undefined && a.resolve('consumers', 'before-0') === undefined, 1500);
    expect(a.list('consumers').map((c) => c.username)).toEqual(['after-reset']);
  });
});

describe('database reachability', () => {
  it('GET /status turns reachable false when the server goes away, and true again once it is back', async () => {
    const pg = await server.bootstrappedDatabase('reach');
    const gw = await startGateway({ ...pgEnv(pg), KONG_DB_UPDATE_FREQUENCY: String(NO_POLL) });
    const reachable = async () => (await gw.admin('GET', '/status')).body.database.reachable as boolean;
    try {
      expect(await reachable()).toBe(true);
      expect(databaseReachable(gw.gateway.store)).toBe(true);
      server.stopServer();
      try {
        // the LISTEN connection ends with the server: no poll needed to notice
        await untilAsync('unreachable', async () => !(await reachable()), 3000);
        expect(await gw.admin('POST', '/consumers', { username: 'during' })).toMatchObject({ status: 500, body: { message: 'An unexpected error occurred' } });
      } finally {
        server.startServer();
      }
      await untilAsync('reachable again', reachable, 5000);
      expect((await gw.admin('POST', '/consumers', { username: 'after' })).status).toBe(201);
    } finally {
      await gw.stop();
    }
  });
});

async function untilAsync(what: string, cond: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
