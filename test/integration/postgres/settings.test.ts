// KONG_PG_* settings against real servers: a password-protected role (scram-sha-256), a TLS-only
// server, a schema other than public, and the mapping of every setting onto the pg client.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { clientConfig } from '../../../src/store/postgres/connection.js';
import { NEEDS_BOOTSTRAP_MSG, PostgresBackend, postgresBackendOf, runMigrations } from '../../../src/store/postgres/index.js';
import { startGateway, tempDir, type TestGateway } from '../../helpers/gateway.js';
import { freePort } from '../../helpers/net.js';
import { pgEnv, startPostgres, type TestPostgres } from '../../helpers/postgres.js';

const CLI = path.resolve(import.meta.dirname, '../../../dist/cli.js');
const PASSWORD = "k0ng's-s3cret";
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

const servers: TestPostgres[] = [];
const gateways: TestGateway[] = [];
afterAll(async () => {
  for (const g of gateways.splice(0)) await g.stop().catch(() => undefined);
  for (const s of servers.splice(0)) await s.stop();
});

async function server(opts: Parameters<typeof startPostgres>[0]): Promise<TestPostgres> {
  const s = await startPostgres(opts);
  servers.push(s);
  return s;
}

/** `portcullis start` as a process: exit code and output, bounded in time. */
async function cliStart(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const prefix = tempDir();
  const t0 = Date.now();
  try {
    await promisify(execFile)(process.execPath, [CLI, 'start'], {
      env: { ...process.env, ...env, KONG_PREFIX: prefix, KONG_ADMIN_LISTEN: `127.0.0.1:${await freePort()}`, KONG_PROXY_LISTEN: 'off', PORTCULLIS_NODE_LISTEN: 'off' },
      timeout: 20_000,
    });
    return { code: 0, stdout: '', stderr: '', ms: Date.now() - t0 };
  } catch (err: any) {
    return { code: err.code ?? null, stdout: String(err.stdout ?? ''), stderr: String(err.stderr ?? ''), ms: Date.now() - t0 };
  } finally {
    fs.rmSync(prefix, { recursive: true, force: true });
  }
}

function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.trim() !== '');
}

describe('password authentication (scram-sha-256)', () => {
  let pg: TestPostgres;
  beforeAll(async () => {
    pg = await server({ kongPassword: PASSWORD });
  }, 60_000);

  it('bootstraps and serves with KONG_PG_PASSWORD; the role really has a SCRAM secret', async () => {
    const secret = await pg.query('postgres', "SELECT rolpassword FROM pg_authid WHERE rolname = 'kong'");
    expect(secret.rows[0].rolpassword).toMatch(/^SCRAM-SHA-256\$/);
    const settings = await pg.bootstrappedDatabase('auth');
    expect(settings.password).toBe(PASSWORD);
    const gw = await startGateway(pgEnv(settings));
    gateways.push(gw);
    const created = await gw.admin('POST', '/services', { name: 'pw', host: 'pw.test' });
    expect(created.status).toBe(201);
    const rows = await pg.query(settings.database, "SELECT row->>'name' AS name FROM entities WHERE entity = 'services'");
    expect(rows.rows).toEqual([{ name: 'pw' }]);
  });

  it('a wrong password stops start-up at once with one clear line, exit code 1', async () => {
    const settings = await pg.bootstrappedDatabase('wrongpw');
    const r = await cliStart(pgEnv({ ...settings, password: 'not-the-password' }));
    expect(r.code).toBe(1);
    expect(r.ms).toBeLessThan(10_000);
    expect(r.stdout).toBe('');
    expect(errorLines(r.stderr)).toEqual([
      `Error: [PostgreSQL error] could not connect to PostgreSQL at 127.0.0.1:${pg.port}/${settings.database}: password authentication failed for user "kong"`,
    ]);
    await expect(startGateway(pgEnv({ ...settings, password: 'nope' }))).rejects.toThrow(/password authentication failed for user "kong"/);
  });

  it('KONG_PG_SCHEMA, KONG_PG_TIMEOUT and KONG_PG_POOL_SIZE reach the server through the gateway', async () => {
    const base = await pg.createDatabase('schema');
    const settings = { ...base, schema: 'kong_gw', timeout: 4321, pool_size: 3 };
    expect((await runMigrations('bootstrap', [], { pg: settings })).code).toBe(0);
    const gw = await startGateway(pgEnv(settings));
    gateways.push(gw);
    expect((await gw.admin('POST', '/services', { name: 'in-schema', host: 's.test' })).status).toBe(201);
    const where = await pg.query(base.database, "SELECT to_regclass('kong_gw.entities')::text AS ours, to_regclass('public.entities')::text AS public");
    expect(where.rows[0]).toEqual({ ours: 'kong_gw.entities', public: null });
    expect((await pg.query(base.database, 'SELECT count(*)::int AS n FROM kong_gw.entities')).rows[0].n).toBe(1);
    const backend = postgresBackendOf(gw.gateway.store)!;
    expect(backend.pool.options.max).toBe(3);
    const shown = await backend.pool.query('SELECT current_setting($1) AS path, current_setting($2) AS timeout', ['search_path', 'statement_timeout']);
    expect(shown.rows[0]).toEqual({ path: 'kong_gw', timeout: '4321ms' });
    // the same database without the schema setting is empty: start-up refuses it as un-bootstrapped
    await expect(startGateway(pgEnv({ ...settings, schema: null }))).rejects.toThrow(NEEDS_BOOTSTRAP_MSG);
    await expect(startGateway(pgEnv({ ...settings, schema: 'bad;schema' }))).rejects.toThrow("invalid pg_schema 'bad;schema'");
  });

  it('a missing password says which setting to give', async () => {
    const settings = await pg.bootstrappedDatabase('nopw');
    const r = await cliStart(pgEnv({ ...settings, password: null }));
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)).toEqual([
      `Error: [PostgreSQL error] could not connect to PostgreSQL at 127.0.0.1:${pg.port}/${settings.database}: the server requires a password (set pg_password / KONG_PG_PASSWORD)`,
    ]);
  });
});

describe('TLS (KONG_PG_SSL, KONG_PG_SSL_VERIFY)', () => {
  let pg: TestPostgres;
  beforeAll(async () => {
    pg = await server({ ssl: true, kongPassword: PASSWORD });
  }, 60_000);

  it('connects over TLS with pg_ssl on; the server refuses plain connections', async () => {
    const settings = await pg.bootstrappedDatabase('tls');
    expect(settings.ssl).toBe(true);
    const gw = await startGateway(pgEnv(settings));
    gateways.push(gw);
    expect((await gw.admin('POST', '/consumers', { username: 'over-tls' })).status).toBe(201);
    const tls = await pg.query('postgres', "SELECT count(*)::int AS n FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.usename = 'kong' AND s.ssl");
    expect(tls.rows[0].n).toBeGreaterThan(0);
    await expect(startGateway(pgEnv({ ...settings, ssl: false }))).rejects.toThrow(/no encryption/);
  });

  it('pg_ssl_verify on refuses a certificate no trusted CA signed', async () => {
    const settings = await pg.bootstrappedDatabase('tlsverify');
    const r = await cliStart(pgEnv({ ...settings, ssl: true, ssl_verify: true }));
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/could not connect to PostgreSQL at .*: self[- ]signed certificate/);
  });
});

describe('KONG_PG_* onto the pg client', () => {
  const env = {
    KONG_DATABASE: 'postgres',
    KONG_PG_HOST: 'db.internal',
    KONG_PG_PORT: '6543',
    KONG_PG_USER: 'gw',
    KONG_PG_PASSWORD: 'pw',
    KONG_PG_DATABASE: 'gwdb',
    KONG_PG_SCHEMA: 'gw_schema',
    KONG_PG_TIMEOUT: '1500',
    KONG_PG_POOL_SIZE: '4',
  };
  const mapped = (extra: Record<string, string>) => {
    const prefix = tempDir();
    try {
      return loadConfig({ env: { ...env, ...extra, KONG_PREFIX: prefix }, cwd: prefix }).pg;
    } finally {
      fs.rmSync(prefix, { recursive: true, force: true });
    }
  };

  it('maps every setting, with TLS verification only when asked', () => {
    const verified = clientConfig(mapped({ KONG_PG_SSL: 'on', KONG_PG_SSL_VERIFY: 'on' }));
    expect(verified).toMatchObject({
      host: 'db.internal',
      port: 6543,
      user: 'gw',
      password: 'pw',
      database: 'gwdb',
      ssl: { rejectUnauthorized: true },
      connectionTimeoutMillis: 1500,
      statement_timeout: 1500,
      options: '-c search_path=gw_schema',
    });
    expect(clientConfig(mapped({ KONG_PG_SSL: 'on' })).ssl).toEqual({ rejectUnauthorized: false });
    // Kong's default: no TLS at all, whatever pg_ssl_verify says
    expect(clientConfig(mapped({ KONG_PG_SSL_VERIFY: 'on' })).ssl).toBe(false);
    // the LISTEN connection waits for notifications indefinitely: no statement timeout there
    expect(clientConfig(mapped({}), { queryTimeout: false })).toMatchObject({ statement_timeout: undefined, query_timeout: undefined, connectionTimeoutMillis: 1500 });
  });

  it('sizes the pool from pg_pool_size (0: the default of 10)', async () => {
    const four = new PostgresBackend(mapped({}), quiet);
    const unset = new PostgresBackend(mapped({ KONG_PG_POOL_SIZE: '0' }), quiet);
    try {
      expect(four.pool.options.max).toBe(4);
      expect(unset.pool.options.max).toBe(10);
    } finally {
      await four.close();
      await unset.close();
    }
  });
});
