// A real PostgreSQL 15 server for tests: initdb into a temp folder (as the unprivileged `postgres`
// user when running as root), pg_ctl start on a free loopback port, role and database `kong`.
// A missing server is an error, not a skip: CI must install the Debian package `postgresql`.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { PgSettings } from '../../src/store/postgres/connection.js';
import { runMigrations } from '../../src/store/postgres/index.js';
import { freePort } from './net.js';

export interface TestPostgres {
  host: string;
  port: number;
  dir: string;
  /** pg_* settings for a database on this server (default: `kong`, user `kong`). */
  settings(database?: string, overrides?: Partial<PgSettings>): PgSettings;
  /** A fresh empty database owned by `kong`; returns its settings. */
  createDatabase(prefix?: string): Promise<PgSettings>;
  /** A fresh database after `migrations bootstrap`, ready for a gateway. */
  bootstrappedDatabase(prefix?: string): Promise<PgSettings>;
  /** Run SQL as the superuser on a database (test inspection). */
  query<T extends pg.QueryResultRow = any>(database: string, sql: string, params?: unknown[]): Promise<pg.QueryResult<T>>;
  /** Stop the server (fast shutdown: connections are terminated), keeping its data. */
  stopServer(): void;
  startServer(): void;
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Folder of initdb/pg_ctl. Default: PG_BIN or the Debian PostgreSQL 15 folder. */
  bin?: string;
  /**
   * Give the `kong` role this password and require it (scram-sha-256) for `kong` over TCP; the
   * superuser keeps trust for test inspection. settings() then carries the password.
   */
  kongPassword?: string;
  /** Serve TLS with a throwaway self-signed certificate and refuse plain TCP to every role but the superuser. */
  ssl?: boolean;
}

const DEFAULT_BIN = '/usr/lib/postgresql/15/bin';


export async function startPostgres(options: StartPostgresOptions | string = {}): Promise<TestPostgres> {
  const opts = typeof options === 'string' ? { bin: options } : options;
  const bin = opts.bin ?? process.env.PG_BIN ?? DEFAULT_BIN;
  const initdb = path.join(bin, 'initdb');
  const pgCtl = path.join(bin, 'pg_ctl');
  if (!fs.existsSync(initdb) || !fs.existsSync(pgCtl)) {
    throw new Error(
      `PostgreSQL 15 server not found (${initdb}): install the Debian package 'postgresql' (apt-get install -y postgresql) or set PG_BIN to its bin folder`,
    );
  }
  const asRoot = process.getuid?.() === 0;
  let uid = -1;
  let gid = -1;
  if (asRoot) {
    const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gidOut = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (id.status !== 0) throw new Error("running as root but there is no 'postgres' user to run the server as (install the Debian package 'postgresql')");
    uid = Number(id.stdout.trim());
    gid = Number(gidOut.stdout.trim());
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portcullis-pg-'));
  const data = path.join(dir, 'data');
  const sock = path.join(dir, 'sock');
  fs.mkdirSync(sock);
  if (asRoot) {
    fs.chownSync(dir, uid, gid);
    fs.chownSync(sock, uid, gid);
  }
  const run = (cmd: string, args: string[]): void => {
    const full = asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
    const r = spawnSync(full[0] as string, full[1] as string[], { encoding: 'utf8', cwd: dir, timeout: 60_000 });
    if (r.status !== 0) {
      let log = '';
      try {
        log = fs.readFileSync(path.join(dir, 'server.log'), 'utf8');
      } catch {
        /* no log yet */
      }
      throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.error?.message}):\n${r.stdout}\n${r.stderr}\n${log}`);
    }
  };
  run(initdb, ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  if (opts.kongPassword !== undefined || opts.ssl) {
    // first match wins: the superuser stays trusted; other roles need TLS and/or their password
    const auth = opts.kongPassword !== undefined ? 'scram-sha-256' : 'trust';
    const hba = ['local all all trust', 'host all postgres 127.0.0.1/32 trust'];
    if (opts.ssl) hba.push('hostnossl all all 127.0.0.1/32 reject');
    hba.push(`host all all 127.0.0.1/32 ${auth}`, '');
    fs.writeFileSync(path.join(data, 'pg_hba.conf'), hba.join('\n'));
  }
  const tlsOpts: string[] = [];
  if (opts.ssl) {
    const cert = path.join(data, 'server.crt');
    const key = path.join(data, 'server.key');
    run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=127.0.0.1', '-days', '2', '-keyout', key, '-out', cert]);
    fs.chmodSync(key, 0o600);
    tlsOpts.push('-c ssl=on', `-c ssl_cert_file=${cert}`, `-c ssl_key_file=${key}`);
  }
  const port = await freePort();
  const serverOpts = [
    `-c listen_addresses=127.0.0.1`,
    `-p ${port}`,
    `-k ${sock}`,
    // throwaway cluster: durability of the server itself is not under test
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
    ...tlsOpts,
  ].join(' ');
  const startServer = () => run(pgCtl, ['-D', data, '-l', path.join(dir, 'server.log'), '-w', '-t', '30', '-o', serverOpts, 'start']);
  const stopServer = () => run(pgCtl, ['-D', data, '-m', 'fast', '-w', 'stop']);
  startServer();

  const superuser = (database: string): pg.ClientConfig => ({ host: '127.0.0.1', port, user: 'postgres', database });
  const query = async (database: string, sql: string, params?: unknown[]) => {
    const c = new pg.Client(superuser(database));
    await c.connect();
    try {
      return await c.query(sql, params);
    } finally {
      await c.end();
    }
  };
  const password = opts.kongPassword ?? null;
  await query('postgres', password === null ? 'CREATE ROLE kong LOGIN' : `CREATE ROLE kong LOGIN PASSWORD ${pg.escapeLiteral(password)}`);
  await query('postgres', 'CREATE DATABASE kong OWNER kong');

  const settings = (database = 'kong', overrides: Partial<PgSettings> = {}): PgSettings => ({
    host: '127.0.0.1',
    port,
    user: 'kong',
    password,
    database,
    schema: null,
    ssl: opts.ssl ?? false,
    ssl_verify: false,
    timeout: 5000,
    pool_size: 10,
    ...overrides,
  });

  const createDatabase = async (prefix = 'db'): Promise<PgSettings> => {
    const name = `${prefix}_${crypto.randomBytes(4).toString('hex')}`;
    await query('postgres', `CREATE DATABASE ${name} OWNER kong`);
    return settings(name);
  };

  let stopped = false;
  return {
    host: '127.0.0.1',
    port,
    dir,
    settings,
    query,
    createDatabase,
    async bootstrappedDatabase(prefix = 'db') {
      const s = await createDatabase(prefix);
      const r = await runMigrations('bootstrap', [], { pg: s });
      if (r.code !== 0) throw new Error(`migrations bootstrap failed: ${r.output}`);
      return s;
    },
    stopServer,
    startServer,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        run(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The KONG_* environment an operator would set for these settings (gateway start-up in tests). */
export function pgEnv(s: PgSettings): Record<string, string> {
  const env: Record<string, string> = {
    KONG_DATABASE: 'postgres',
    KONG_PG_HOST: s.host,
    KONG_PG_PORT: String(s.port),
    KONG_PG_USER: s.user,
    KONG_PG_DATABASE: s.database,
    KONG_PG_SSL: s.ssl ? 'on' : 'off',
    KONG_PG_SSL_VERIFY: s.ssl_verify ? 'on' : 'off',
    KONG_PG_TIMEOUT: String(s.timeout),
    KONG_PG_POOL_SIZE: String(s.pool_size),
  };
  if (s.password !== null) env.KONG_PG_PASSWORD = s.password;
  if (s.schema !== null) env.KONG_PG_SCHEMA = s.schema;
  return env;
}
