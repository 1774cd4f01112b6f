// `kong config db_import` / `db_export` on PostgreSQL: a kong.yml goes in, the same entities come out (and
// back in again unchanged), and a gateway already running on the database switches to it as one change.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, tempDir, type TestGateway } from '../../helpers/gateway.js';
import { pgEnv, startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { echoServer, type Upstream } from '../../helpers/upstream.js';

const CLI = path.resolve(import.meta.dirname, '../../../dist/cli.js');
let server: TestPostgres;
let upstream: Upstream;
let dir: string;
const gateways: TestGateway[] = [];

beforeAll(async () => {
  server = await startPostgres();
  upstream = await echoServer();
  dir = tempDir('portcullis-io-');
});
afterAll(async () => {
  for (const g of gateways.splice(0)) await g.stop().catch(() => undefined);
  await upstream?.close();
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function kong(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, [CLI, ...args], { env: { ...process.env, ...env, KONG_PREFIX: dir }, timeout: 30_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err: any) {
    return { code: err.code ?? -1, stdout: String(err.stdout ?? ''), stderr: String(err.stderr ?? '') };
  }
}

function kongYml(upstreamUrl: string): string {
  return YAML.stringify({
    _format_version: '3.0',
    services: [
      {
        name: 'imported',
        url: upstreamUrl,
        tags: ['io'],
        routes: [{ name: 'imported-route', paths: ['/imported'], plugins: [{ name: 'request-transformer', config: { add: { headers: ['x-imported:yes'] } } }] }],
      },
    ],
    consumers: [{ username: 'alice', custom_id: 'A-1', keyauth_credentials: [{ key: 'alice-key' }], acls: [{ group: 'staff' }] }],
    upstreams: [{ name: 'pool.internal', targets: [{ target: '127.0.0.1:9', weight: 10 }] }],
    plugins: [{ name: 'correlation-id', config: { header_name: 'x-io-id' } }],
  });
}

/** Entity lists without the fields a new import may legitimately assign differently. */
function shape(doc: any): Record<string, unknown> {
  const { _format_version: _f, _transform: _t, ...rest } = doc;
  return rest;
}

describe('kong config db_import / db_export on PostgreSQL', () => {
  it('imports a kong.yml, exports the same entities, and an export imports back unchanged', async () => {
    const first = pgEnv(await server.bootstrappedDatabase('io'));
    const file = path.join(dir, 'kong.yml');
    fs.writeFileSync(file, kongYml(upstream.url));
    const imported = await kong(['config', 'db_import', file], first);
    expect(imported).toMatchObject({ code: 0, stdout: 'parse successful, beginning import\nimport successful\n' });
    const exported = await kong(['config', 'db_export'], first);
    expect(exported.code).toBe(0);
    const doc = YAML.parse(exported.stdout);
    expect(doc.services).toHaveLength(1);
    expect(doc.services[0]).toMatchObject({ name: 'imported', tags: ['io'], host: '127.0.0.1', port: upstream.port });
    expect(doc.routes ?? doc.services[0].routes).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'imported-route', paths: ['/imported'] })]));
    expect(JSON.stringify(doc)).toContain('alice-key');

    // the export loads into a second database and exports byte for byte the same
    const second = pgEnv(await server.bootstrappedDatabase('io2'));
    const exportFile = path.join(dir, 'export.yml');
    fs.writeFileSync(exportFile, exported.stdout);
    expect((await kong(['config', 'db_import', exportFile], second)).code).toBe(0);
    const again = await kong(['config', 'db_export'], second);
    expect(shape(YAML.parse(again.stdout))).toEqual(shape(doc));
    expect(again.stdout).toBe(exported.stdout);

    // a bad file changes nothing and says why
    const bad = path.join(dir, 'bad.yml');
    fs.writeFileSync(bad, YAML.stringify({ _format_version: '3.0', services: [{ name: 'broken', port: 70000 }] }));
    const refused = await kong(['config', 'db_import', bad], second);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^Error: .*declarative config is invalid/);
    expect((await kong(['config', 'db_export'], second)).stdout).toBe(exported.stdout);
  }, 60_000);

  it('a gateway running on the database serves the imported configuration at once, as one change', async () => {
    const env = pgEnv(await server.bootstrappedDatabase('live'));
    const gw = await startGateway({ ...env, KONG_DB_UPDATE_FREQUENCY: '600' });
    gateways.push(gw);
    expect((await gw.admin('POST', '/services', { name: 'old', url: upstream.url })).status).toBe(201);
    expect((await gw.admin('POST', '/services/old/routes', { paths: ['/old'] })).status).toBe(201);
    expect((await fetch(`${gw.proxyUrl}/old`)).status).toBe(200);
    const versions: number[] = [];
    gw.gateway.store.on('reload', () => versions.push(gw.gateway.store.version));

    const file = path.join(dir, 'live.yml');
    fs.writeFileSync(file, kongYml(upstream.url));
    expect((await kong(['config', 'db_import', file], env)).code).toBe(0);
    const deadline = Date.now() + 1000;
    while ((await fetch(`${gw.proxyUrl}/imported`)).status !== 200) {
      if (Date.now() > deadline) throw new Error('the import was not in force within 1 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    // the import replaced everything: the old route is gone, in one reload
    expect((await fetch(`${gw.proxyUrl}/old`)).status).toBe(404);
    expect(versions).toHaveLength(1);
    const echoed = (await (await fetch(`${gw.proxyUrl}/imported`)).json()) as any;
    // the route's plugin and the global one both came with the import
    expect(echoed.headers['x-imported']).toBe('yes');
    expect(echoed.headers['x-io-id']).toBeTruthy();
    expect((await gw.admin('GET', '/consumers/alice')).body.custom_id).toBe('A-1');
  }, 60_000);
});
