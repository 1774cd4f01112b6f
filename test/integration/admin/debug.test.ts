// Kong's dynamic log level: /debug/node/log-level.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, tempDir, type TestGateway } from '../../helpers/gateway.js';
import { freePort } from '../../helpers/net.js';
import { nodeRequest } from '../../helpers/upstream.js';
import { sleep } from '../../helpers/time.js';

const started: TestGateway[] = [];
afterEach(async () => {
  for (const g of started.splice(0)) await g.stop();
});

describe('/debug/node/log-level', () => {
  it('reads, changes for a while, and reverts to the configured level', async () => {
    const gw = await startGateway({ KONG_LOG_LEVEL: 'notice' });
    started.push(gw);
    expect(await gw.admin('GET', '/debug/node/log-level')).toMatchObject({ status: 200, body: { message: 'log level: notice' } });
    expect(await gw.admin('PUT', '/debug/node/log-level/debug?timeout=1')).toMatchObject({ status: 200, body: { message: 'log level changed' } });
    expect((await gw.admin('GET', '/debug/node/log-level')).body.message).toBe('log level: debug');
    expect(gw.gateway.logLevel).toBe('debug');
    expect(await gw.admin('PUT', '/debug/node/log-level/debug')).toMatchObject({ status: 200, body: { message: 'log level is already debug' } });
    // the last change had the default 60 s; a new change with its own timeout replaces it
    expect((await gw.admin('PUT', '/debug/node/log-level/warn?timeout=1')).status).toBe(200);
    const deadline = Date.now() + 5_000;
    while ((await gw.admin('GET', '/debug/node/log-level')).body.message !== 'log level: notice' && Date.now() < deadline) await sleep(100);
    expect((await gw.admin('GET', '/debug/node/log-level')).body.message).toBe('log level: notice');
  });

  it("answers Kong's errors", async () => {
    const gw = await startGateway();
    started.push(gw);
    expect(await gw.admin('PUT', '/debug/node/log-level/loud')).toMatchObject({ status: 400, body: { message: 'unknown log level: loud' } });
    expect(await gw.admin('PUT', '/debug/node/log-level/info?timeout=-5')).toMatchObject({ status: 400, body: { message: 'timeout must be greater than or equal to 0' } });
    expect((await gw.admin('GET', '/debug/node/log-level/info')).status).toBe(405);
    const dbless = await startGateway({ KONG_DATABASE: 'off' });
    started.push(dbless);
    expect(await dbless.admin('PUT', '/debug/node/log-level/info')).toMatchObject({ status: 405, body: { message: 'cannot change log level when not using a database' } });
  });
});

describe('/debug/node/log-level with worker processes', () => {
  it('reaches every worker: access lines appear once the level allows them', async () => {
    const prefix = tempDir();
    const [admin, proxy] = [await freePort(), await freePort()];
    const child = spawn(process.execPath, [path.resolve(import.meta.dirname, '../../../dist/cli.js'), 'start'], {
      env: { ...process.env, KONG_PREFIX: prefix, KONG_ADMIN_LISTEN: `127.0.0.1:${admin}`, KONG_PROXY_LISTEN: `127.0.0.1:${proxy}`, PORTCULLIS_NODE_LISTEN: 'off', KONG_NGINX_WORKER_PROCESSES: '2', KONG_LOG_LEVEL: 'notice' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const ok = await fetch(`http://127.0.0.1:${admin}/status/ready`).then((r) => r.status !== 0, () => false);
        if (ok) break;
        if (Date.now() > deadline) throw new Error('gateway did not start');
        await sleep(100);
      }
      while ((await nodeRequest(proxy, '/quiet').catch(() => ({ status: 0 }))).status !== 404 && Date.now() < deadline) await sleep(100);
      await sleep(200);
      expect(out).not.toContain('"log":"access"');
      const put = await fetch(`http://127.0.0.1:${admin}/debug/node/log-level/info?timeout=0`, { method: 'PUT' });
      expect(put.status).toBe(200);
      await put.text();
      await sleep(300);
      for (let i = 0; i < 20; i++) await nodeRequest(proxy, '/loud', { headers: { connection: 'close' } });
      const until = Date.now() + 5_000;
      while (!out.includes('"uri":"/loud"') && Date.now() < until) await sleep(50);
      expect(out).toContain('"log":"access"');
      expect(out).toContain('"uri":"/loud"');
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      fs.rmSync(prefix, { recursive: true, force: true });
    }
  });
});
