import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { runMigrations, openPostgresStore, NEEDS_BOOTSTRAP_MSG } from '../../../src/store/postgres/index.js';
import type { PgSettings } from '../../../src/store/postgres/connection.js';

const plugins = { get: () => undefined, isEnabled: () => false };

function capture() {
  const lines: string[] = [];
  const fn = (_o: object, msg?: string) => void lines.push(msg ?? '');
  return { lines, logger: { info: fn, warn: fn, error: fn } };
}

let server: TestPostgres;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});

const cfg = (pg: PgSettings) => ({ pg, db_update_frequency: 1 });

describe('kong migrations on PostgreSQL', () => {
  it('list before bootstrap says so (exit 3); bootstrap runs every migration; bootstrap again is a no-op', async () => {
    const pg = await server.createDatabase('mig');
    const before = await runMigrations('list', [], cfg(pg));
    expect(before.code).toBe(3);
    expect(before.output).toContain('Database needs bootstrapping or is older than Kong 1.0.');

    const boot = await runMigrations('bootstrap', [], cfg(pg));
    expect(boot.code).toBe(0);
    expect(boot.output).toBe(
      [
        'Bootstrapping database...',
        `migrating core on database '${pg.database}'...`,
        'core migrated up to: 000_base (executed)',
        'core migrated up to: 001_rate_limiting (executed)',
        'core migrated up to: 002_node_state (executed)',
        'core migrated up to: 003_response_ratelimiting (executed)',
        '4 migrations processed',
        '4 executed',
        'Database is up-to-date',
      ].join('\n'),
    );

    const again = await runMigrations('bootstrap', [], cfg(pg));
    expect(again).toEqual({ code: 0, output: 'Database already bootstrapped' });

    const list = await runMigrations('list', [], cfg(pg));
    expect(list).toEqual({ code: 0, output: 'Executed migrations:\ncore: 000_base, 001_rate_limiting, 002_node_state, 003_response_ratelimiting' });
    expect(await runMigrations('up', [], cfg(pg))).toEqual({ code: 0, output: 'Database is already up-to-date' });
    expect(await runMigrations('finish', [], cfg(pg))).toEqual({ code: 0, output: 'No pending migrations to finish' });

    const meta = await server.query(pg.database, "SELECT executed, pending, last_executed FROM schema_meta WHERE key = 'schema_meta'");
    expect(meta.rows).toEqual([{ executed: ['000_base', '001_rate_limiting', '002_node_state', '003_response_ratelimiting'], pending: [], last_executed: '003_response_ratelimiting' }]);
  });

  it('concurrent bootstrap from several clients: one bootstraps, the others find it done', async () => {
    const pg = await server.createDatabase('race');
    const results = await Promise.all([1, 2, 3, 4].map(() => runMigrations('bootstrap', [], cfg(pg))));
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(results.filter((r) => r.output.startsWith('Bootstrapping database...'))).toHaveLength(1);
    expect(results.filter((r) => r.output === 'Database already bootstrapped')).toHaveLength(3);
    const meta = await server.query(pg.database, 'SELECT executed FROM schema_meta');
    expect(meta.rows).toEqual([{ executed: ['000_base', '001_rate_limiting', '002_node_state', '003_response_ratelimiting'] }]);
  });

  it('concurrent bootstrap from two processes (compiled CLI entry point)', async () => {
    const pg = await server.createDatabase('procs');
    const entry = path.resolve(import.meta.dirname, '../../../dist/store/postgres/index.js');
    // exit once the output is written: process.exit() right after a write can drop what is still queued
    const script = `const m = await import(${JSON.stringify(entry)}); const r = await m.runMigrations('bootstrap', [], { pg: JSON.parse(process.argv[1]) }); process.stdout.write(r.output, () => process.exit(r.code));`;
    const run = () =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const c = spawn(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(pg)], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        c.stdout!.on('data', (d) => (out += d));
        c.on('exit', (code) => resolve({ code, out }));
      });
    const results = await Promise.all([run(), run()]);
    expect(results.map((r) => r.code)).toEqual([0, 0]);
    expect(results.map((r) => r.out.split('\n')[0]).sort()).toEqual(['Bootstrapping database...', 'Database already bootstrapped']);
    expect((await runMigrations('list', [], cfg(pg))).code).toBe(0);
  });

  it('up and finish refuse an un-bootstrapped database; reset needs --yes and drops everything', async () => {
    const pg = await server.createDatabase('reset');
    const up = await runMigrations('up', [], cfg(pg));
    expect(up.code).toBe(1);
    expect(up.output).toContain('Error: Cannot run migrations: Database needs bootstrapping');
    expect(await runMigrations('reset', ['--yes'], cfg(pg))).toEqual({ code: 1, output: 'Database not bootstrapped, nothing to reset' });
    await runMigrations('bootstrap', [], cfg(pg));
    const no = await runMigrations('reset', [], cfg(pg));
    expect(no.code).toBe(1);
    expect(no.output).toContain('--yes');
    expect(await runMigrations('reset', ['--yes'], cfg(pg))).toEqual({ code: 0, output: 'Resetting database...\nDatabase successfully reset' });
    expect((await runMigrations('list', [], cfg(pg))).code).toBe(3);
    const tables = await server.query(pg.database, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
    expect(tables.rows).toEqual([]);
    expect((await runMigrations('bootstrap', [], cfg(pg))).code).toBe(0);
  });

  it('honours pg_schema (created by bootstrap)', async () => {
    const base = await server.createDatabase('schema');
    const pg = { ...base, schema: 'kongschema' };
    expect((await runMigrations('bootstrap', [], cfg(pg))).code).toBe(0);
    const t = await server.query(base.database, "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'kongschema'");
    expect(t.rows[0].n).toBeGreaterThanOrEqual(6);
    const store = await openPostgresStore(cfg(pg), plugins, capture().logger);
    await store.insert('services', { name: 's', host: 'h.test' });
    await store.close();
    const rows = await server.query(base.database, 'SELECT count(*)::int AS n FROM kongschema.entities');
    expect(rows.rows[0].n).toBe(1);
  });

  it('an unreachable server fails migrations with a clear error', async () => {
    const pg = { ...server.settings(), port: 1 };
    const r = await runMigrations('list', [], cfg(pg));
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/^Error: \[PostgreSQL error\] failed to connect to PostgreSQL \(127\.0\.0\.1:1\/kong\)/);
  });
});

describe('start-up on PostgreSQL', () => {
  it('refuses an un-bootstrapped database at once with Kong message', async () => {
    const pg = await server.createDatabase('nostart');
    const t0 = Date.now();
    await expect(openPostgresStore(cfg(pg), plugins, capture().logger)).rejects.toThrow(NEEDS_BOOTSTRAP_MSG);
    expect(Date.now() - t0).toBeLessThan(2000);
    await expect(openPostgresStore(cfg(pg), plugins, capture().logger)).rejects.toThrow("run 'kong migrations bootstrap'");
  });

  it('waits for an unreachable database, one log line per attempt, then gives up', async () => {
    const { lines, logger } = capture();
    const pg = { ...server.settings(), port: 1 };
    const t0 = Date.now();
    await expect(openPostgresStore(cfg(pg), plugins, logger, { startupWaitMs: 1000, retryIntervalMs: 200 })).rejects.toThrow(
      /could not connect to PostgreSQL at 127\.0\.0\.1:1\/kong/,
    );
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines[0]).toMatch(/^waiting for PostgreSQL at 127\.0\.0\.1:1\/kong \(attempt 1\): /);
  });

  it('a database that does not exist is refused at once (not waited for)', async () => {
    const { lines, logger } = capture();
    const pg = { ...server.settings(), database: 'nope' };
    const opening = openPostgresStore(cfg(pg), plugins, logger, { startupWaitMs: 10_000, retryIntervalMs: 200 });
    await expect(opening).rejects.toThrow(/database "nope" does not exist/);
    expect(lines).toEqual([]);
  });
});
