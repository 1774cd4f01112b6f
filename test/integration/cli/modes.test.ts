import { spawn, execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/gateway.js';
import { echoServer, nodeRequest, type Upstream } from '../../helpers/upstream.js';
import { freePort } from '../../helpers/net.js';

const CLI = path.resolve(import.meta.dirname, '../../../dist/cli.js');
const run = promisify(execFile);
const children: ChildProcess[] = [];
let up: Upstream;

beforeAll(async () => {
  up = await echoServer('backend');
});
afterAll(async () => {
  await up?.close();
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});


async function startCli(env: Record<string, string>, readyPort: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, 'start'], { env: { ...process.env, KONG_LOG_LEVEL: 'error', ...env }, stdio: 'ignore' });
  children.push(child);
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(readyPort, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('portcullis did not start');
}

describe('filter-only mode (NGINX_BACKEND)', () => {
  it('puts the WAF in front of one backend, configured by environment alone', async () => {
    const port = await freePort();
    const prefix = tempDir();
    await startCli({ NGINX_BACKEND: `127.0.0.1:${up.port}`, WALLARM_MODE: 'block', KONG_PROXY_LISTEN: `127.0.0.1:${port}`, KONG_ADMIN_LISTEN: 'off', PORTCULLIS_NODE_LISTEN: 'off', KONG_PREFIX: prefix }, port);
    const ok = await nodeRequest(port, '/api/items?id=7', { headers: { host: 'shop.test' } });
    expect(ok.status).toBe(200);
    expect(ok.json.url).toBe('/api/items?id=7');
    expect(ok.json.headers.host).toBe('shop.test');
    const attack = await nodeRequest(port, '/etc/passwd');
    expect(attack.status).toBe(403);
    expect(attack.json).toEqual({ error: { code: 403, message: 'request blocked' } });
    const before = up.requests;
    const health = await nodeRequest(port, '/health');
    expect(health.status).toBe(200);
    expect(health.json).toEqual({ status: 'ok' });
    expect(up.requests).toBe(before);
    fs.rmSync(prefix, { recursive: true, force: true });
  });

  it('monitors only with WALLARM_MODE=monitoring, and refuses a bad mode', async () => {
    const port = await freePort();
    const prefix = tempDir();
    await startCli({ NGINX_BACKEND: `http://127.0.0.1:${up.port}`, WALLARM_MODE: 'monitoring', KONG_PROXY_LISTEN: `127.0.0.1:${port}`, KONG_ADMIN_LISTEN: 'off', PORTCULLIS_NODE_LISTEN: 'off', KONG_PREFIX: prefix }, port);
    expect((await nodeRequest(port, '/etc/passwd')).status).toBe(200);
    const bad = await run(process.execPath, [CLI, 'start'], { env: { ...process.env, NGINX_BACKEND: 'x:1', WALLARM_MODE: 'loud', KONG_PREFIX: prefix } }).catch((e) => e);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("invalid WALLARM_MODE 'loud'");
    fs.rmSync(prefix, { recursive: true, force: true });
  });
});

describe('quit and reload', () => {
  it('reloads the declarative file on `portcullis reload` and stops on `portcullis quit`', async () => {
    const port = await freePort();
    const prefix = tempDir();
    const file = path.join(prefix, 'kong.yml');
    fs.writeFileSync(file, `_format_version: "3.0"\nservices:\n- name: s\n  url: ${up.url}\n  routes:\n  - paths: ["/one"]\n`);
    const env = { KONG_DATABASE: 'off', KONG_DECLARATIVE_CONFIG: file, KONG_PROXY_LISTEN: `127.0.0.1:${port}`, KONG_ADMIN_LISTEN: 'off', PORTCULLIS_NODE_LISTEN: 'off', KONG_PREFIX: prefix };
    const child = await startCli(env, port);
    expect((await nodeRequest(port, '/one')).status).toBe(200);
    expect((await nodeRequest(port, '/two')).status).toBe(404);
    fs.writeFileSync(file, `_format_version: "3.0"\nservices:\n- name: s\n  url: ${up.url}\n  routes:\n  - paths: ["/two"]\n`);
    const r = await run(process.execPath, [CLI, 'reload'], { env: { ...process.env, ...env } });
    expect(r.stdout).toMatch(/^reload signal sent to pid \d+/);
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      await new Promise((res) => setTimeout(res, 50));
      status = (await nodeRequest(port, '/two')).status;
    }
    expect(status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await run(process.execPath, [CLI, 'quit'], { env: { ...process.env, ...env } });
    expect(await exited).toBe(0);
    expect(fs.existsSync(path.join(prefix, 'portcullis.pid'))).toBe(false);
    fs.rmSync(prefix, { recursive: true, force: true });
  });
});
