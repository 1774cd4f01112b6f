// The cluster-state migrations (001_rate_limiting, 002_node_state, 003_response_ratelimiting) on a database bootstrapped before
// they existed: listed as new, start-up refused until `migrations up`, which applies them.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../../../src/store/postgres/index.js';
import { startGateway, tempDir } from '../../helpers/gateway.js';
import { pgEnv, startPostgres, type TestPostgres } from '../../helpers/postgres.js';

let server: TestPostgres;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});

const NEW_TABLES = ['node_attacks', 'node_hits', 'node_ip_lists', 'ratelimiting_metrics', 'response_ratelimiting_metrics'];

describe('cluster-state migrations', () => {
  it('an older database lists them as new, refuses start-up, and `migrations up` applies them', async () => {
    const pg = await server.bootstrappedDatabase('older');
    // the database as a build with only 000_base left it
    await server.query(pg.database, `DROP TABLE ${NEW_TABLES.join(', ')}`);
    await server.query(pg.database, `UPDATE schema_meta SET executed = '{000_base}', last_executed = '000_base'`);

    const list = await runMigrations('list', [], { pg });
    expect(list).toEqual({
      code: 5,
      output: "Executed migrations:\ncore: 000_base\n\nNew migrations available:\ncore: 001_rate_limiting, 002_node_state, 003_response_ratelimiting\n\nRun 'kong migrations up' to proceed",
    });
    const prefix = tempDir();
    try {
      await expect(startGateway(pgEnv(pg), { prefix })).rejects.toThrow("New migrations available; run 'kong migrations up' to proceed");
    } finally {
      fs.rmSync(prefix, { recursive: true, force: true });
    }

    const up = await runMigrations('up', [], { pg });
    expect(up).toEqual({
      code: 0,
      output: [
        `migrating core on database '${pg.database}'...`,
        'core migrated up to: 001_rate_limiting (executed)',
        'core migrated up to: 002_node_state (executed)',
        'core migrated up to: 003_response_ratelimiting (executed)',
        '3 migrations processed',
        '3 executed',
      ].join('\n'),
    });
    expect(await runMigrations('list', [], { pg })).toEqual({ code: 0, output: 'Executed migrations:\ncore: 000_base, 001_rate_limiting, 002_node_state, 003_response_ratelimiting' });
    expect(await runMigrations('up', [], { pg })).toEqual({ code: 0, output: 'Database is already up-to-date' });

    const tables = await server.query(pg.database, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename = ANY($1) ORDER BY 1`, [NEW_TABLES]);
    expect(tables.rows.map((r) => r.tablename)).toEqual(NEW_TABLES);
    // Kong's primary key for the counters
    const pk = await server.query(
      pg.database,
      `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
       WHERE i.indrelid = 'ratelimiting_metrics'::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`,
    );
    expect(pk.rows.map((r) => r.attname)).toEqual(['identifier', 'period', 'period_date', 'service_id', 'route_id']);

    const gw = await startGateway(pgEnv(pg));
    await gw.stop();
  });

  it('reset drops the cluster tables too', async () => {
    const pg = await server.bootstrappedDatabase('reset');
    expect((await runMigrations('reset', ['--yes'], { pg })).code).toBe(0);
    const left = await server.query(pg.database, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
    expect(left.rows).toEqual([]);
    expect((await runMigrations('bootstrap', [], { pg })).code).toBe(0);
    const tables = await server.query(pg.database, `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tablename = ANY($1)`, [NEW_TABLES]);
    expect(tables.rows[0].n).toBe(NEW_TABLES.length);
  });
});
