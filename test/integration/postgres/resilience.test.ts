// Crashes and outages: a node killed mid-write, the database restarting under running nodes.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { openPostgresStore, runMigrations } from '../../../src/store/postgres/index.js';
import type { EntityStore, Row } from '../../../src/store/dao.js';
import { DaoError } from '../../../src/store/errors.js';
import type { PgSettings } from '../../../src/store/postgres/connection.js';
import { uniqueKeysOf } from '../../../src/store/postgres/rows.js';
import { entitySchemas } from '../../../src/store/schema/index.js';

const WRITER = path.resolve(import.meta.dirname, 'writer.mjs');
const plugins = { get: () => undefined, isEnabled: () => false };
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

let server: TestPostgres;
const open: EntityStore[] = [];
const children: ChildProcess[] = [];
beforeAll(async () => {
  server = await startPostgres();
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const s of open.splice(0)) await s.close();
});
afterAll(async () => {
  await server?.stop();
});

async function bootstrapped(): Promise<PgSettings> {
  const pg = await server.createDatabase('res');
  expect((await runMigrations('bootstrap', [], { pg })).code).toBe(0);
  return pg;
}

async function node(pg: PgSettings, opts = {}): Promise<EntityStore> {
  const s = await openPostgresStore({ pg, db_update_frequency: 1 }, plugins, quiet, { reconnectIntervalMs: 200, ...opts });
  open.push(s);
  return s;
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function startWriter(pg: PgSettings, tag: string): Promise<{ child: ChildProcess; progress: () => number }> {
  const child = spawn(process.execPath, [WRITER, JSON.stringify(pg), tag], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    const t = setInterval(() => {
      if (out.startsWith('ready')) {
        clearInterval(t);
        resolve({ child, progress: () => out.split('\n').length - 2 });
      } else if (child.exitCode !== null) {
        clearInterval(t);
        reject(new Error(`writer exited ${child.exitCode}: ${err}`));
      }
    }, 10);
  });
}

function dumpOf(s: EntityStore): Record<string, Row[]> {
  const out: Record<string, Row[]> = {};
  for (const e of ['consumers', 'keyauth_credentials', 'acls']) out[e] = s.list(e).sort((x, y) => (x.id < y.id ? -1 : 1));
  return out;
}

describe('a node killed with SIGKILL in the middle of writes', () => {
  it('leaves no partial write: rows, keys and change log agree, and other nodes keep working', async () => {
    const pg = await bootstrapped();
    const observer = await node(pg);
    let midTransaction = 0;
    for (let round = 0; round < 3; round++) {
      const { child, progress } = await startWriter(pg, `r${round}`);
      await until('writes', () => progress() >= 2, 20_000);
      // kill while the writer's transaction has written rows but not committed, when we catch it
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline) {
        const open = await server.query(pg.database, 'SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()');
        if (open.rows.length) {
          child.kill('SIGKILL');
          midTransaction++;
          break;
        }
      }
      child.kill('SIGKILL');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    }
    expect(midTransaction).toBeGreaterThan(0);
    // the killed session's lock is gone: this write goes through at once
    const t0 = Date.now();
    await observer.insert('consumers', { username: 'after-crash' });
    expect(Date.now() - t0).toBeLessThan(2000);

    // a fresh node loads a consistent configuration: no credential without its consumer
    const fresh = await node(pg);
    const d = dumpOf(fresh);
    expect(d.consumers!.length).toBeGreaterThan(1);
    const consumers = new Set(d.consumers!.map((c) => c.id));
    for (const e of ['keyauth_credentials', 'acls']) for (const r of d[e]!) expect(consumers.has(r.consumer.id)).toBe(true);
    // the observer followed the feed to the same state
    await until('observer in sync', () => JSON.stringify(dumpOf(observer)) === JSON.stringify(d));

    // replaying the change log from the start gives exactly the stored rows
    const changes = await server.query(pg.database, 'SELECT ops FROM changes ORDER BY seq');
    const replay = new Map<string, Row>();
    for (const c of changes.rows) {
      for (const op of c.ops) {
        if (op.op === 'put') replay.set(`${op.entity}:${op.row.id}`, op.row);
        else replay.delete(`${op.entity}:${op.id}`);
      }
    }
    const stored = await server.query(pg.database, 'SELECT entity, id::text, row FROM entities');
    expect(stored.rows.length).toBe(replay.size);
    for (const r of stored.rows) expect(replay.get(`${r.entity}:${r.id}`)).toEqual(r.row);

    // unique keys are exactly those of the stored rows
    const keys = await server.query(pg.database, 'SELECT entity, field, value, id::text FROM unique_keys');
    const want = new Set<string>();
    for (const r of stored.rows) for (const k of uniqueKeysOf(entitySchemas[r.entity]!, r.row)) want.add(`${r.entity}|${k.field}|${k.value}|${r.id}`);
    expect(new Set(keys.rows.map((k) => `${k.entity}|${k.field}|${k.value}|${k.id}`))).toEqual(want);
  }, 60_000);
});

describe('PostgreSQL restarting under running nodes', () => {
  it('nodes serve from memory, writes answer 500, and the feed resyncs when the database is back', async () => {
    const pg = await bootstrapped();
    const a = await node(pg);
    const b = await node(pg);
    const svc = await a.insert('services', { name: 'kept', host: 'kept.test' });
    await until('b', () => !!b.get('services', svc.id));

    server.stopServer();
    let err: unknown;
    try {
      await a.insert('services', { name: 'during', host: 'x.test' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DaoError);
    expect((err as DaoError).code).toBe(8);
    expect((err as DaoError).status).toBe(500);
    // reads keep working from memory
    expect(a.resolve('services', 'kept')?.id).toBe(svc.id);
    expect(b.resolve('services', 'kept')?.id).toBe(svc.id);
    expect(a.resolve('services', 'during')).toBeUndefined();

    server.startServer();
    // the first write after the restart goes through (the pool reconnects) ...
    let created: Row | undefined;
    await until(
      'write after restart',
      async () => {
        try {
          created = await a.insert('services', { name: 'after', host: 'after.test' });
          return true;
        } catch {
          return false;
        }
      },
      10_000,
    );
    // ... and b, whose LISTEN connection died, reconnects and catches up without a restart
    await until('b resynced', () => b.get('services', created!.id)?.name === 'after', 5000);
    const fromB = await b.insert('services', { name: 'from-b', host: 'b.test' });
    await until('a sees b', () => !!a.get('services', fromB.id), 2000);
  }, 60_000);

  it('start-up waits for a database that is down, then starts when it comes up', async () => {
    const pg = await bootstrapped();
    server.stopServer();
    const lines: string[] = [];
    const log = (_o: object, msg?: string) => void lines.push(msg ?? '');
    const opening = openPostgresStore({ pg, db_update_frequency: 1 }, plugins, { info: log, warn: log, error: log }, { startupWaitMs: 30_000, retryIntervalMs: 250 });
    await new Promise((r) => setTimeout(r, 1200));
    server.startServer();
    const store = await opening;
    open.push(store);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines[0]).toMatch(/^waiting for PostgreSQL at 127\.0\.0\.1:\d+\/res_\w+ \(attempt 1\): /);
    await store.insert('services', { name: 'up', host: 'up.test' });
  }, 60_000);
});
