// The seed's compose command, with our binary in Kong's place: kong migrations bootstrap && kong start.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/gateway.js';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { freePort } from '../../helpers/net.js';

const CLI = path.resolve(import.meta.dirname, '../../../dist/cli.js');
const run = promisify(execFile);
let server: TestPostgres;
const children: ChildProcess[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  await server?.stop();
});


async function envFor(): Promise<Record<string, string>> {
  const pg = await server.createDatabase('cli');
  const prefix = tempDir();
  dirs.push(prefix);
  return {
    KONG_DATABASE: 'postgres',
    KONG_PG_HOST: String(pg.host),
    KONG_PG_PORT: String(pg.port),
    KONG_PG_DATABASE: String(pg.database),
    KONG_PG_USER: String(pg.user),
    KONG_PREFIX: prefix,
    KONG_LOG_LEVEL: 'error',
    KONG_PROXY_LISTEN: 'off',
    PORTCULLIS_NODE_LISTEN: 'off',
  };
}

async function cli(args: string[], env: Record<string, string>) {
  try {
    const r = await run(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 30_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err: any) {
    return { code: err.code as number, stdout: err.stdout as string, stderr: err.stderr as string };
  }
}

describe('kong migrations and kong start on PostgreSQL', () => {
  it('refuses to start before bootstrap, then bootstraps (twice) and serves the admin API', async () => {
    const env = await envFor();
    const adminPort = await freePort();
    const refused = await cli(['start', '--admin-listen', `127.0.0.1:${adminPort}`], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Database needs bootstrapping or is older than Kong 1.0.');
    const list = await cli(['migrations', 'list'], env);
    expect(list.code).toBe(3);
    const boot = await cli(['migrations', 'bootstrap'], env);
    expect(boot.code).toBe(0);
    expect((await cli(['migrations', 'bootstrap'], env)).code).toBe(0);
    expect((await cli(['migrations', 'list'], env)).code).toBe(0);
    const child = spawn(process.execPath, [CLI, 'start', '--admin-listen', `127.0.0.1:${adminPort}`], { env: { ...process.env, ...env }, stdio: 'ignore' });
    children.push(child);
    let up = false;
    for (let i = 0; i < 100 && !up; i++) {
      await new Promise((r) => setTimeout(r, 100));
      up = await fetch(`http://127.0.0.1:${adminPort}/status`).then((r) => r.ok, () => false);
    }
    expect(up).toBe(true);
    const status = (await (await fetch(`http://127.0.0.1:${adminPort}/status`)).json()) as any;
    expect(status.database).toEqual({ reachable: true });
    const created = await fetch(`http://127.0.0.1:${adminPort}/services`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"pg-svc","url":"http://a.test"}' });
    expect(created.status).toBe(201);
    const root = (await (await fetch(`http://127.0.0.1:${adminPort}/`)).json()) as any;
    expect(root.configuration.database).toBe('postgres');
    expect((await cli(['health'], env)).code).toBe(0);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    // the write outlived the process: it is in the database
    const exported = await cli(['config', 'db_export'], env);
    expect(exported.stdout).toContain('name: pg-svc');
  }, 60_000);
});
