// EntityStore on PostgreSQL: two stores on one database are two gateway nodes.
import crypto from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { openPostgresStore, postgresBackendOf, runMigrations } from '../../../src/store/postgres/index.js';
import type { EntityStore } from '../../../src/store/dao.js';
import { DaoError } from '../../../src/store/errors.js';
import type { PgSettings } from '../../../src/store/postgres/connection.js';

const plugins = { get: () => undefined, isEnabled: () => false };
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

let server: TestPostgres;
const open: EntityStore[] = [];

/**
 * Stop a node from applying the change feed (polls and NOTIFYs alike) until the returned function is
 * called: what it has not seen yet stays unseen however the machine schedules the notifications.
 */
function pauseFeed(store: EntityStore): () => void {
  const backend = postgresBackendOf(store)!;
  const { sync, notified } = backend;
  backend.sync = async () => undefined;
  backend.notified = async () => undefined;
  return () => {
    backend.sync = sync;
    backend.notified = notified;
  };
}
beforeAll(async () => {
  server = await startPostgres();
});
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});
afterAll(async () => {
  await server?.stop();
});

async function twoNodes(): Promise<{ pg: PgSettings; a: EntityStore; b: EntityStore }> {
  const pg = await server.createDatabase('store');
  expect((await runMigrations('bootstrap', [], { pg })).code).toBe(0);
  const a = await openPostgresStore({ pg, db_update_frequency: 1 }, plugins, quiet, { nodeId: 'node-a' });
  const b = await openPostgresStore({ pg, db_update_frequency: 1 }, plugins, quiet, { nodeId: 'node-b' });
  open.push(a, b);
  return { pg, a, b };
}

async function until(what: string, cond: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function rejection(p: Promise<unknown>): Promise<DaoError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(DaoError);
    return err as DaoError;
  }
  throw new Error('expected a rejection');
}

describe('EntityStore on PostgreSQL', () => {
  it('creates, updates and deletes durably; a second node follows each change', async () => {
    const { pg, a, b } = await twoNodes();
    const changes: string[] = [];
    b.on('change', (e: { entity: string; op: string }) => changes.push(`${e.op} ${e.entity}`));
    const svc = await a.insert('services', { name: 'billing', host: 'billing.test' });
    await until('create on b', () => b.get('services', svc.id)?.host === 'billing.test');
    await a.update('services', 'billing', { host: 'billing2.test' });
    await until('update on b', () => b.get('services', svc.id)?.host === 'billing2.test');
    const route = await b.insert('routes', { name: 'r1', paths: ['/bill'], service: { name: 'billing' } });
    await until('route on a', () => a.resolve('routes', 'r1')?.id === route.id);

    const rows = await server.query(pg.database, 'SELECT entity, row FROM entities ORDER BY entity');
    expect(rows.rows.map((r) => r.entity)).toEqual(['routes', 'services']);
    expect(rows.rows[1].row).toEqual(a.get('services', svc.id));
    expect(rows.rows[0].row).toEqual(b.get('routes', route.id));

    // a route restricts the deletion of its service, as in Kong
    const restrict = await rejection(a.delete('services', 'billing'));
    expect(restrict.code).toBe(4);
    expect(restrict.message).toBe("an existing 'routes' entity references this 'services' entity");
    expect(await a.delete('routes', 'r1')).toBe(true);
    expect(await a.delete('services', 'billing')).toBe(true);
    await until('deletes on b', () => !b.get('services', svc.id) && !b.get('routes', route.id));
    expect(changes).toEqual(['create services', 'update services', 'create routes', 'delete routes', 'delete services']);
    expect((await server.query(pg.database, 'SELECT count(*)::int AS n FROM entities')).rows[0].n).toBe(0);
    expect((await server.query(pg.database, 'SELECT count(*)::int AS n FROM unique_keys')).rows[0].n).toBe(0);

    // a third node starting later loads everything
    await a.insert('consumers', { username: 'late' });
    const c = await openPostgresStore({ pg, db_update_frequency: 1 }, plugins, quiet);
    open.push(c);
    expect(c.resolve('consumers', 'late')).toBeDefined();
  });

  it('two nodes racing on the same name: one succeeds, the other gets the 409 of the DAO', async () => {
    const { pg, a, b } = await twoNodes();
    for (let round = 0; round < 5; round++) {
      const name = `svc-${round}`;
      const results = await Promise.allSettled([
        a.insert('services', { name, host: 'a.test' }),
        b.insert('services', { name, host: 'b.test' }),
      ]);
      const ok = results.filter((r) => r.status === 'fulfilled');
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(ok).toHaveLength(1);
      expect(failed).toHaveLength(1);
      const err = failed[0]!.reason as DaoError;
      expect(err).toBeInstanceOf(DaoError);
      expect(err.status).toBe(409);
      expect(err.toJSON()).toEqual({
        code: 5,
        name: 'unique constraint violation',
        message: `UNIQUE violation detected on '{name="${name}"}'`,
        fields: { name },
      });
    }
    await until('both nodes agree', () => a.list('services').length === 5 && b.list('services').length === 5);
    const db = await server.query(pg.database, "SELECT count(*)::int AS n FROM entities WHERE entity = 'services'");
    expect(db.rows[0].n).toBe(5);
  });

  it('cache_key races (acls consumer+group) are arbitrated by the database too', async () => {
    const { a, b } = await twoNodes();
    const consumer = await a.insert('consumers', { username: 'alice' });
    await until('consumer on b', () => !!b.get('consumers', consumer.id));
    const results = await Promise.allSettled([
      a.insert('acls', { consumer: { id: consumer.id }, group: 'admins' }),
      b.insert('acls', { consumer: { id: consumer.id }, group: 'admins' }),
    ]);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(failed).toHaveLength(1);
    const err = failed[0]!.reason as DaoError;
    expect(err.code).toBe(5);
    expect(err.message).toBe(`UNIQUE violation detected on '{consumer={id="${consumer.id}"},group="admins"}'`);
  });

  it('deleting a consumer cascades to credentials, including ones only the other node had seen', async () => {
    const { pg, a, b } = await twoNodes();
    const consumer = await a.insert('consumers', { username: 'bob' });
    await a.insert('keyauth_credentials', { consumer: { id: consumer.id }, key: 'k-a' });
    await a.insert('acls', { consumer: { id: consumer.id }, group: 'g' });
    await until('consumer on b', () => !!b.get('consumers', consumer.id));
    // b writes a credential; a deletes the consumer before its feed delivered it: the database cascades
    const resume = pauseFeed(a);
    const fromB = await b.insert('keyauth_credentials', { consumer: { id: consumer.id }, key: 'k-b' });
    expect(a.get('keyauth_credentials', fromB.id)).toBeUndefined();
    expect(await a.delete('consumers', consumer.id)).toBe(true);
    resume();
    for (const s of [a, b]) {
      await until('cascade', () => !s.get('consumers', consumer.id) && s.list('keyauth_credentials').length === 0 && s.list('acls').length === 0);
    }
    expect((await server.query(pg.database, 'SELECT count(*)::int AS n FROM entities')).rows[0].n).toBe(0);
    expect((await server.query(pg.database, 'SELECT count(*)::int AS n FROM refs')).rows[0].n).toBe(0);
    // the key is free again on both nodes
    const c2 = await b.insert('consumers', { username: 'bob' });
    await b.insert('keyauth_credentials', { consumer: { id: c2.id }, key: 'k-b' });
  });

  it('a child created on a parent another node just deleted is refused (foreign key)', async () => {
    const { a, b } = await twoNodes();
    const svc = await a.insert('services', { name: 'gone', host: 'gone.test' });
    await until('service on b', () => !!b.get('services', svc.id));
    const resume = pauseFeed(b);
    await a.delete('services', svc.id);
    const err = await rejection(b.insert('routes', { paths: ['/x'], service: { id: svc.id } }));
    resume();
    expect(err.code).toBe(4);
    expect(err.message).toBe(`the foreign key '{id="${svc.id}"}' does not reference an existing 'services' entity.`);
    expect(err.fields).toEqual({ service: { id: svc.id } });
    // b caught up with the deletion while writing
    expect(b.get('services', svc.id)).toBeUndefined();
  });

  it('a write on one node is in force on the other within 1 s (p99), via LISTEN/NOTIFY', async () => {
    const { a, b } = await twoNodes();
    const seen = new Map<string, number>();
    b.on('change', (e: { row: { id: string } }) => seen.set(e.row.id, performance.now()));
    const lat: number[] = [];
    for (let i = 0; i < 60; i++) {
      const t0 = performance.now();
      const row = await a.insert('services', { name: `p${i}`, host: `p${i}.test` });
      await until('propagation', () => seen.has(row.id), 3000);
      lat.push(seen.get(row.id)! - t0);
    }
    lat.sort((x, y) => x - y);
    const p50 = lat[Math.floor(lat.length * 0.5)]!;
    const p99 = lat[Math.floor(lat.length * 0.99)]!;
    console.log(`postgres propagation write->visible on other node: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${lat[lat.length - 1]!.toFixed(1)} ms`);
    expect(p99).toBeLessThan(1000);
  });

  it('the db_update_frequency poll catches up when a notification is missed', async () => {
    const { pg, a, b } = await twoNodes();
    const tpl = await a.insert('services', { name: 'tpl', host: 't.test' });
    await until('tpl on b', () => !!b.get('services', tpl.id));
    // a change committed without NOTIFY (as if the notification was lost)
    const row = { ...tpl, id: crypto.randomUUID(), name: 'quiet' };
    await server.query(pg.database, 'INSERT INTO entities (entity, id, row) VALUES ($1, $2, $3)', ['services', row.id, JSON.stringify(row)]);
    await server.query(pg.database, 'INSERT INTO changes (node_id, ops) VALUES ($1, $2)', ['by-hand', JSON.stringify([{ op: 'put', entity: 'services', row }])]);
    const t0 = Date.now();
    await until('poll on b', () => b.resolve('services', 'quiet')?.id === row.id, 3000);
    expect(Date.now() - t0).toBeLessThan(2500);
  });

  it('a declarative replace on one node reloads the others', async () => {
    const { pg, a, b } = await twoNodes();
    const old = await a.insert('services', { name: 'old', host: 'old.test' });
    await until('old on b', () => !!b.get('services', old.id));
    const fresh = { ...old, id: crypto.randomUUID(), name: 'fresh' };
    let reloaded = 0;
    b.on('reload', () => reloaded++);
    await a.replaceAll({ services: [fresh] });
    expect(a.list('services').map((r) => r.name)).toEqual(['fresh']);
    await until('reload on b', () => reloaded === 1 && b.list('services').length === 1 && !!b.get('services', fresh.id));
    const keys = await server.query(pg.database, "SELECT value FROM unique_keys WHERE entity = 'services'");
    expect(keys.rows).toEqual([{ value: 'fresh' }]);
    // writes continue normally after a replace
    const next = await b.insert('services', { name: 'next', host: 'n.test' });
    await until('next on a', () => !!a.get('services', next.id));
  });
});
