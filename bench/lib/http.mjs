// Small HTTP helpers: free loopback ports, a probe that checks a response really came from the bench
// upstream (and that a POST body arrived whole), readiness polling, and the JSON body generator.
import http from 'node:http';
import net from 'node:net';
import { MARKER } from './upstream-server.mjs';
import { sleep, tail } from './procs.mjs';

/** A free TCP port on 127.0.0.1 (racy by nature; good enough for a bench on loopback). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * One request; resolves { ok, status, body, error }. ok = 200 from the bench upstream (and, with a body,
 * the upstream reports receiving every byte).
 */
export function probe(url, { body = null, headers = {}, timeoutMs = 2000 } = {}) {
  const u = new URL(url);
  const h = { ...headers };
  if (body) {
    h['content-type'] = 'application/json';
    h['content-length'] = String(body.length);
  }
  return new Promise((resolve) => {
    const req = http.request(
      { hostname: u.hostname, port: u.port || 80, path: u.pathname + u.search, method: body ? 'POST' : 'GET', headers: h, agent: false, timeout: timeoutMs },
      (res) => {
        let s = '';
        res.setEncoding('utf8');
        res.on('data', (c) => { s += c; });
        res.on('end', () => {
          const ok = res.statusCode === 200 && s.includes(MARKER) && (!body || s.includes(`"received":${body.length}`));
          resolve({ ok, status: res.statusCode, body: s, headers: res.headers, error: null });
        });
        res.on('error', (e) => resolve({ ok: false, status: res.statusCode, body: s, error: e.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ ok: false, status: 0, body: '', error: e.message }));
    req.end(body ?? undefined);
  });
}

/** Poll probe() until ok, the process group exits, or timeoutMs passes (then throws with the log tail). */
export async function waitReady(name, url, { proc = null, timeoutMs = 20_000, body = null, headers = {} } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = null;
  for (;;) {
    last = await probe(url, { body, headers });
    if (last.ok) return last;
    if (proc?.exitInfo) {
      throw new Error(`${name} exited during start-up (${JSON.stringify(proc.exitInfo)})${proc.logFile ? `; log:\n${tail(proc.logFile)}` : ''}`);
    }
    if (Date.now() > deadline) {
      const why = last.error ?? `status ${last.status} body ${last.body.slice(0, 200)}`;
      throw new Error(`${name} not ready at ${url} after ${timeoutMs} ms: ${why}${proc?.logFile ? `; log:\n${tail(proc.logFile)}` : ''}`);
    }
    await sleep(150);
  }
}

/** A JSON document of exactly n bytes (an order with items, padded), like the reference harness's --post body. */
export function jsonBody(n) {
  const items = [];
  let s = '';
  for (let i = 0; ; i++) {
    items.push({ id: i, sku: `SKU-${100000 + i}`, name: `Item number ${i}`, qty: (i % 7) + 1, price: +(i * 1.37).toFixed(2), tags: ['a', 'b'] });
    s = JSON.stringify({ order: 'ord-123', items, note: '' });
    if (s.length > n) {
      items.pop();
      break;
    }
  }
  const o = { order: 'ord-123', items, note: '' };
  o.note = 'p'.repeat(Math.max(0, n - JSON.stringify(o).length));
  s = JSON.stringify(o);
  if (s.length !== n) s = JSON.stringify({ note: 'p'.repeat(Math.max(0, n - 11)) });
  return Buffer.from(s);
}
