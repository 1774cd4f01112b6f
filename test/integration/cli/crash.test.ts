import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/gateway.js';
import { freePort } from '../../helpers/net.js';

const CLI = path.resolve(import.meta.dirname, '../../../dist/cli.js');
const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});


async function startCli(prefix: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, 'start'], {
    env: { ...process.env, KONG_PREFIX: prefix, KONG_ADMIN_LISTEN: `127.0.0.1:${port}`, KONG_PROXY_LISTEN: 'off', PORTCULLIS_NODE_LISTEN: 'off', KONG_LOG_LEVEL: 'error' },
    stdio: 'ignore',
  });
  children.push(child);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/status`);
      if (r.ok) return child;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error('gateway did not start');
}

describe('crash safety', () => {
  it('keeps every write that answered 2xx across kill -9', async () => {
    const prefix = tempDir();
    dirs.push(prefix);
    const port = await freePort();
    let child = await startCli(prefix, port);
    const created: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await fetch(`http://127.0.0.1:${port}/services`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: `svc-${i}`, host: `h${i}.test` }),
      });
      expect(r.status).toBe(201);
      created.push(((await r.json()) as { id: string }).id);
    }
    const patched = await fetch(`http://127.0.0.1:${port}/services/svc-3`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"retries":9}' });
    expect(patched.status).toBe(200);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    child = await startCli(prefix, port);
    const list = (await (await fetch(`http://127.0.0.1:${port}/services?size=1000`)).json()) as { data: Array<{ id: string; name: string; retries: number }> };
    expect(list.data.map((s) => s.id).sort()).toEqual([...created].sort());
    expect(list.data.find((s) => s.name === 'svc-3')?.retries).toBe(9);
    child.kill('SIGKILL');
  });
});
