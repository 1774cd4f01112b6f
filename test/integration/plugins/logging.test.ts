import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, tempDir, type TestGateway } from '../../helpers/gateway.js';
import { echoServer, nodeRequest, type Upstream } from '../../helpers/upstream.js';
import { sleep } from '../../helpers/time.js';

let gw: TestGateway;
let up: Upstream;
let port: number;

/** An HTTP collector on loopback; `fail` answers that many requests with 500 first. */
async function collector() {
  const got: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }> = [];
  const state = { fail: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (state.fail > 0) {
        state.fail--;
        res.writeHead(500);
        return res.end('nope');
      }
      got.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(200);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const p = (server.address() as net.AddressInfo).port;
  return { got, state, url: `http://127.0.0.1:${p}`, close: () => new Promise((r) => (server.closeAllConnections(), server.close(r))) };
}

async function until<T>(fn: () => T | undefined | false, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(10);
  }
}

beforeAll(async () => {
  up = await echoServer();
  gw = await startGateway();
  port = gw.gateway.addresses.proxy[0]!.port;
  await gw.admin('POST', '/services', { name: 'svc', url: up.url });
});
afterAll(async () => {
  await gw?.stop();
  await up?.close();
});

describe('http-log', () => {
  it('has Kong defaults and validates headers', async () => {
    const r = await gw.admin('POST', '/plugins', { name: 'http-log', enabled: false, config: { http_endpoint: 'http://127.0.0.1:9/x' } });
    expect(r.status).toBe(201);
    expect(r.body.config).toEqual({
      http_endpoint: 'http://127.0.0.1:9/x',
      method: 'POST',
      content_type: 'application/json',
      timeout: 10000,
      keepalive: 60000,
      headers: null,
      queue: { max_batch_size: 1, max_coalescing_delay: 1, max_entries: 10000, max_bytes: null, max_retry_time: 60, initial_retry_delay: 0.01, max_retry_delay: 60, concurrency_limit: 1 },
      custom_fields_by_lua: null,
    });
    await gw.admin('DELETE', `/plugins/${r.body.id}`);
    const missing = await gw.admin('POST', '/plugins', { name: 'http-log' });
    expect(missing.body.fields).toEqual({ config: { http_endpoint: 'required field missing' } });
    const host = await gw.admin('POST', '/plugins', { name: 'http-log', config: { http_endpoint: 'http://x.test', headers: { Host: 'a' } } });
    expect(host.body.fields).toEqual({ config: { headers: { Host: "cannot contain 'Host' header" } } });
    const method = await gw.admin('POST', '/plugins', { name: 'http-log', config: { http_endpoint: 'http://x.test', method: 'GET' } });
    expect(method.body.fields).toEqual({ config: { method: 'expected one of: POST, PUT, PATCH' } });
    const legacy = await gw.admin('POST', '/plugins', { name: 'http-log', enabled: false, config: { http_endpoint: 'http://x.test', queue_size: 5, flush_timeout: 2, retry_count: 3 } });
    expect(legacy.status).toBe(201);
    expect(legacy.body.config.queue).toMatchObject({ max_batch_size: 5, max_coalescing_delay: 2 });
    await gw.admin('DELETE', `/plugins/${legacy.body.id}`);
  });

  it('posts one log object per request with Kong fields, custom headers and basic auth', async () => {
    const c = await collector();
    try {
      const u = new URL(c.url);
      await gw.admin('POST', '/services/svc/routes', { name: 'hl1', paths: ['/hl1'] });
      await gw.admin('POST', '/routes/hl1/plugins', {
        name: 'http-log',
        config: { http_endpoint: `http://user:pa%20ss@${u.host}/logs`, method: 'PUT', headers: { 'X-Token': 't1' }, custom_fields_by_lua: { x: 'return 1' } },
      });
      await sleep(20);
      const r = await nodeRequest(port, '/hl1/path?a=1', { headers: { 'x-req': 'v' } });
      expect(r.status).toBe(200);
      const got = await until(() => c.got[0]);
      expect(got.method).toBe('PUT');
      expect(got.url).toBe('/logs');
      expect(got.headers['content-type']).toBe('application/json');
      expect(got.headers['x-token']).toBe('t1');
      expect(got.headers['authorization']).toBe('Basic ' + Buffer.from('user:pa ss').toString('base64'));
      const entry = JSON.parse(got.body);
      expect(entry.request.method).toBe('GET');
      expect(entry.request.uri).toBe('/hl1/path?a=1');
      expect(entry.request.querystring).toEqual({ a: '1' });
      expect(entry.request.headers['x-req']).toBe('v');
      expect(entry.response.status).toBe(200);
      expect(entry.route.name).toBe('hl1');
      expect(entry.service.name).toBe('svc');
      expect(entry.upstream_uri).toBe('/path?a=1');
      expect(entry.client_ip).toBe('127.0.0.1');
      expect(typeof entry.latencies.request).toBe('number');
      expect(typeof entry.started_at).toBe('number');
      expect(entry.x).toBeUndefined(); // custom_fields_by_lua is accepted but not evaluated
    } finally {
      await c.close();
    }
  });

  it('batches entries into a JSON array and retries failed batches', async () => {
    const c = await collector();
    try {
      c.state.fail = 2;
      await gw.admin('POST', '/services/svc/routes', { name: 'hl2', paths: ['/hl2'] });
      await gw.admin('POST', '/routes/hl2/plugins', {
        name: 'http-log',
        config: { http_endpoint: c.url, queue: { max_batch_size: 3, max_coalescing_delay: 0.2, initial_retry_delay: 0.01, max_retry_delay: 0.05 } },
      });
      await sleep(20);
      for (let i = 0; i < 3; i++) await nodeRequest(port, `/hl2?i=${i}`);
      const got = await until(() => c.got[0]);
      const batch = JSON.parse(got.body);
      expect(Array.isArray(batch)).toBe(true);
      expect(batch.map((e: any) => e.request.querystring.i)).toEqual(['0', '1', '2']);
      expect(c.state.fail).toBe(0);
      // a partial batch leaves after max_coalescing_delay, still as an array
      await nodeRequest(port, '/hl2?i=3');
      const second = await until(() => c.got[1]);
      expect(JSON.parse(second.body).length).toBe(1);
    } finally {
      await c.close();
    }
  });

  it('drops a batch after max_retry_time and keeps working', async () => {
    const c = await collector();
    try {
      c.state.fail = 1000;
      await gw.admin('POST', '/services/svc/routes', { name: 'hl3', paths: ['/hl3'] });
      await gw.admin('POST', '/routes/hl3/plugins', {
        name: 'http-log',
        config: { http_endpoint: c.url, queue: { max_retry_time: 0.1, initial_retry_delay: 0.02, max_retry_delay: 0.02 } },
      });
      await sleep(20);
      await nodeRequest(port, '/hl3?n=lost');
      await sleep(300);
      c.state.fail = 0;
      await nodeRequest(port, '/hl3?n=kept');
      const got = await until(() => c.got[0]);
      expect(JSON.parse(got.body).request.querystring.n).toBe('kept');
      await sleep(50);
      expect(c.got.length).toBe(1);
    } finally {
      await c.close();
    }
  });
});

describe('file-log', () => {
  it('appends one JSON line per request', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'access.log');
    try {
      const bad = await gw.admin('POST', '/plugins', { name: 'file-log', config: { path: '/tmp/a*b' } });
      expect(bad.body.fields).toEqual({ config: { path: 'not a valid filename' } });
      await gw.admin('POST', '/services/svc/routes', { name: 'fl', paths: ['/fl'] });
      const p = await gw.admin('POST', '/routes/fl/plugins', { name: 'file-log', config: { path: file } });
      expect(p.body.config).toEqual({ path: file, reopen: false, custom_fields_by_lua: null });
      await sleep(20);
      await nodeRequest(port, '/fl?n=1');
      await nodeRequest(port, '/fl/missing?n=2', { method: 'POST', body: 'abc' });
      const lines = await until(() => {
        const t = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
        const l = t.split('\n').filter(Boolean);
        return l.length >= 2 && l;
      });
      const [a, b] = lines.map((l) => JSON.parse(l));
      expect(a.request.querystring).toEqual({ n: '1' });
      expect(b.request.method).toBe('POST');
      expect(b.request.size).toBeGreaterThan(0);
      expect(a.route.name).toBe('fl');
      // reopen: a file moved away is recreated on the next write
      await gw.admin('PATCH', `/plugins/${p.body.id}`, { config: { reopen: true } });
      await sleep(20);
      fs.renameSync(file, file + '.1');
      await nodeRequest(port, '/fl?n=3');
      const again = await until(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8'));
      expect(JSON.parse(again.trim()).request.querystring).toEqual({ n: '3' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('tcp-log', () => {
  it('sends newline-delimited JSON over one kept-alive connection', async () => {
    const lines: string[] = [];
    let connections = 0;
    const server = net.createServer((s) => {
      connections++;
      let buf = '';
      s.on('data', (d) => {
        buf += d.toString();
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          lines.push(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      });
      s.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const tp = (server.address() as net.AddressInfo).port;
      const bad = await gw.admin('POST', '/plugins', { name: 'tcp-log', config: { host: '127.0.0.1' } });
      expect(bad.body.fields).toEqual({ config: { port: 'required field missing' } });
      await gw.admin('POST', '/services/svc/routes', { name: 'tl', paths: ['/tl'] });
      const p = await gw.admin('POST', '/routes/tl/plugins', { name: 'tcp-log', config: { host: '127.0.0.1', port: tp } });
      expect(p.body.config).toEqual({ host: '127.0.0.1', port: tp, timeout: 10000, keepalive: 60000, tls: false, tls_sni: null, custom_fields_by_lua: null });
      await sleep(20);
      await nodeRequest(port, '/tl?n=1');
      await nodeRequest(port, '/tl?n=2');
      await until(() => lines.length >= 2);
      expect(lines.map((l) => JSON.parse(l).request.querystring.n)).toEqual(['1', '2']);
      expect(connections).toBe(1);
    } finally {
      server.close();
    }
  });
});
