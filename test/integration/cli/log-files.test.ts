// Kong's log files under the prefix: logs/access.log, logs/admin_access.log, logs/error.log.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, tempDir } from '../../helpers/gateway.js';
import { freePort } from '../../helpers/net.js';
import { sleep } from '../../helpers/time.js';
import { echoServer, nodeRequest, type Upstream } from '../../helpers/upstream.js';

const CLI = path.resolve(import.meta.dirname, '../../../dist/cli.js');
let up: Upstream;

beforeAll(async () => {
  up = await echoServer('backend');
});
afterAll(async () => {
  await up?.close();
});

async function readWhen(file: string, ok: (text: string) => boolean): Promise<string> {
  const deadline = Date.now() + 5_000;
  let text = '';
  while (Date.now() < deadline) {
    text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (ok(text)) return text;
    await sleep(25);
  }
  return text;
}

const COMBINED = /^(\S+) - (\S+) \[(\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\] "([^"]*)" (\d{3}) (\d+) "([^"]*)" "([^"]*)" kong_request_id: "([^"]*)"$/;

describe('log files', () => {
  it('writes access.log in combined format with the request id, credentials in the query masked', async () => {
    const gw = await startGateway();
    try {
      await gw.admin('POST', '/services', { name: 'echo', url: `http://127.0.0.1:${up.port}` });
      await gw.admin('POST', '/services/echo/routes', { name: 'r', paths: ['/api'] });
      await gw.admin('POST', '/routes/r/plugins', { name: 'key-auth', config: { key_names: ['X-Shop-Key'] } });
      await gw.admin('POST', '/consumers', { username: 'ann' });
      await gw.admin('POST', '/consumers/ann/key-auth', { key: 'hunter2-key' });
      const port = Number(new URL(gw.proxyUrl).port);
      const res = await nodeRequest(port, '/api/items?X-Shop-Key=hunter2-key&page=2', {
        headers: { 'user-agent': 'curl/8.5 "quoted"', referer: 'http://shop.test/', authorization: 'Basic ' + Buffer.from('ann:pw').toString('base64') },
      });
      expect(res.status).toBe(200);
      const file = path.join(gw.prefix, 'logs', 'access.log');
      const text = await readWhen(file, (t) => t.includes('/api/items'));
      const line = text.trim().split('\n').find((l) => l.includes('/api/items'))!;
      const m = COMBINED.exec(line);
      expect(m, line).not.toBeNull();
      expect(m![1]).toBe('127.0.0.1');
      expect(m![2]).toBe('ann');
      expect(m![4]).toBe('GET /api/items?X-Shop-Key=REDACTED&page=2 HTTP/1.1');
      expect(m![5]).toBe('200');
      expect(Number(m![6])).toBeGreaterThan(0);
      expect(m![7]).toBe('http://shop.test/');
      expect(m![8]).toBe('curl/8.5 \\x22quoted\\x22');
      expect(m![9]).toBe(res.headers['x-kong-request-id']);
      expect(text).not.toContain('hunter2');

      const admin = await readWhen(path.join(gw.prefix, 'logs', 'admin_access.log'), (t) => t.includes('POST /consumers/ann/key-auth'));
      const adminLine = admin.split('\n').find((l) => l.includes('POST /consumers/ann/key-auth'))!;
      expect(COMBINED.exec(adminLine)?.[5]).toBe('201');
    } finally {
      await gw.stop();
    }
  });

  it('writes nothing when a log is off', async () => {
    const gw = await startGateway({ KONG_PROXY_ACCESS_LOG: 'off', KONG_ADMIN_ACCESS_LOG: 'off' });
    try {
      await gw.admin('GET', '/status');
      await nodeRequest(Number(new URL(gw.proxyUrl).port), '/nothing');
      await sleep(100);
      expect(fs.existsSync(path.join(gw.prefix, 'logs', 'access.log'))).toBe(false);
      expect(fs.existsSync(path.join(gw.prefix, 'logs', 'admin_access.log'))).toBe(false);
    } finally {
      await gw.stop();
    }
  });

  it('writes error.log as nginx-style text beside stdout, from the CLI', async () => {
    const prefix = tempDir();
    const admin = await freePort();
    const child = spawn(process.execPath, [CLI, 'start'], {
      env: { ...process.env, KONG_PREFIX: prefix, KONG_ADMIN_LISTEN: `127.0.0.1:${admin}`, KONG_PROXY_LISTEN: 'off', PORTCULLIS_NODE_LISTEN: 'off', KONG_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    try {
      const file = path.join(prefix, 'logs', 'error.log');
      const started = await readWhen(file, (t) => t.includes('gateway started'));
      expect(started).toMatch(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[info\] \d+#0: gateway started \{.*"admin":\["127\.0\.0\.1:\d+"\]/m);
      expect(stdout).toContain('"msg":"gateway started"');
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      expect(fs.readFileSync(file, 'utf8')).toMatch(/\[info\] \d+#0: gateway stopped/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      fs.rmSync(prefix, { recursive: true, force: true });
    }
  });
});
