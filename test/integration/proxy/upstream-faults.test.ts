// Upstream faults (issue #10): each answers Kong's status and body, or closes the client connection when the
// response had already started; a broken upstream connection is never pooled; clients that go away free the
// upstream connection; and after the whole file no socket is left open.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { nodeRequest, trackedServer, type TrackedUpstream } from '../../helpers/upstream.js';

let gw: TestGateway;
let proxyPort: number;
let adminPort: number;
let tcpAtStart = 0;
const upstreams: TrackedUpstream[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Open sockets in this process whose local port is `local` and remote port `remote`. */
function openSocketsBetween(local: number, remote: number): number {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles.filter((h) => h instanceof net.Socket && !h.destroyed && h.localPort === local && h.remotePort === remote).length;
}
const tcpHandles = () => process.getActiveResourcesInfo().filter((t) => t === 'TCPSocketWrap').length;

/** Admin writes over one-shot connections (no keep-alive socket stays behind to blur the socket count). */
async function admin(method: string, path: string, body: unknown): Promise<number> {
  const r = await nodeRequest(adminPort, path, { method, headers: { 'content-type': 'application/json', connection: 'close' }, body: JSON.stringify(body) });
  return r.status;
}

/** A scripted upstream behind a service and the route `/<name>`. */
async function scripted(name: string, onData: (s: net.Socket, d: Buffer, conn: number) => void, service: Record<string, unknown> = {}): Promise<TrackedUpstream> {
  const up = await trackedServer(onData);
  upstreams.push(up);
  expect(await admin('POST', '/services', { name, url: up.url, retries: 0, ...service })).toBe(201);
  expect(await admin('POST', `/services/${name}/routes`, { paths: [`/${name}`] })).toBe(201);
  await sleep(20);
  return up;
}

/** Sends raw bytes on a new connection and collects what comes back until the proxy closes it (or `ms`). */
function exchange(data: string, ms = 3000): Promise<{ text: string; closed: boolean; elapsed: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const s = net.connect(proxyPort, '127.0.0.1');
    const out: Buffer[] = [];
    let closed = false;
    const done = () => {
      clearTimeout(timer);
      s.destroy();
      resolve({ text: Buffer.concat(out).toString('latin1'), closed, elapsed: Date.now() - t0 });
    };
    const timer = setTimeout(done, ms);
    s.on('data', (d) => out.push(d));
    s.on('close', () => {
      closed = true;
      done();
    });
    s.on('error', () => {});
    s.write(data);
  });
}

const pool = () => gw.gateway.proxyCore.pool;
const keyOf = (up: TrackedUpstream) => `127.0.0.1:${up.port}`;
const activeUpstreamConnections = () => [...pool().active.values()].reduce((a, b) => a + b, 0);

beforeAll(async () => {
  gw = await startGateway();
  proxyPort = gw.gateway.addresses.proxy[0]!.port;
  adminPort = gw.gateway.addresses.admin[0]!.port;
  tcpAtStart = tcpHandles();
});
afterAll(async () => {
  for (const u of upstreams) await u.close();
  await gw?.stop();
});

describe('upstream faults', () => {
  it('connection refused: 502 with Kong body', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    expect(await admin('POST', '/services', { name: 'refused', url: `http://127.0.0.1:${port}`, retries: 2 })).toBe(201);
    expect(await admin('POST', '/services/refused/routes', { paths: ['/refused'] })).toBe(201);
    await sleep(20);
    const json = await nodeRequest(proxyPort, '/refused', { headers: { accept: 'application/json' } });
    expect(json.status).toBe(502);
    expect(json.text).toBe(`{\n  "message":"An invalid response was received from the upstream server",\n  "request_id":"${json.headers['x-kong-request-id']}"\n}`);
    const text = await nodeRequest(proxyPort, '/refused');
    expect(text.status).toBe(502);
    expect(text.text).toBe(`An invalid response was received from the upstream server\nrequest_id: ${text.headers['x-kong-request-id']}\n`);
  });

  it('reset in the middle of a length body: the started response is cut off by closing the client connection', async () => {
    const up = await scripted('reset-length', (s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial');
      setTimeout(() => s.resetAndDestroy(), 30);
    });
    const r = await exchange('GET /reset-length HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(r.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(r.text).toContain('Content-Length: 1000\r\n');
    expect(r.text.endsWith('\r\n\r\npartial')).toBe(true);
    expect(r.closed).toBe(true);
    expect(r.elapsed).toBeLessThan(2000);
    expect(pool().idleCount(keyOf(up))).toBe(0);
  });

  it('reset in the middle of a chunked or close-delimited body: no last chunk is ever made up', async () => {
    await scripted('reset-chunked', (s) => {
      s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
      setTimeout(() => s.resetAndDestroy(), 30);
    });
    const chunked = await exchange('GET /reset-chunked HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(chunked.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(chunked.text.endsWith('\r\n\r\n5\r\nhello\r\n')).toBe(true);
    expect(chunked.closed).toBe(true);

    await scripted('reset-close', (s) => {
      s.write('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil-close');
      setTimeout(() => s.resetAndDestroy(), 30);
    });
    const wrapped = await exchange('GET /reset-close HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(wrapped.text).toContain('Transfer-Encoding: chunked\r\n');
    expect(wrapped.text.endsWith('\r\n\r\nb\r\nuntil-close\r\n')).toBe(true);
    expect(wrapped.closed).toBe(true);
    // the same body ended by a clean close does get its last chunk
    await scripted('clean-close', (s) => s.end('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil-close'));
    const clean = await exchange('GET /clean-close HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(clean.text.endsWith('\r\n\r\nb\r\nuntil-close\r\n0\r\n\r\n')).toBe(true);
  });

  it('headers, then a stall past read_timeout: the client connection is closed', async () => {
    const up = await scripted('stall-body', (s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc'), { read_timeout: 300 });
    const r = await exchange('GET /stall-body HTTP/1.1\r\nHost: x\r\n\r\n', 4000);
    expect(r.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(r.text.endsWith('\r\n\r\nabc')).toBe(true);
    expect(r.closed).toBe(true);
    expect(r.elapsed).toBeGreaterThanOrEqual(250);
    expect(r.elapsed).toBeLessThan(3000);
    // the gateway dropped its end of the stalled upstream connection
    expect(await up.waitClosed(1)).toBe(true);
  });

  it('a stall before the head is complete: 504 The upstream server is timing out', async () => {
    const silent = await scripted('stall-head', () => {}, { read_timeout: 300 });
    const r = await nodeRequest(proxyPort, '/stall-head', { headers: { accept: 'application/json' } });
    expect(r.status).toBe(504);
    expect(r.json).toEqual({ message: 'The upstream server is timing out', request_id: r.headers['x-kong-request-id'] });
    expect(await silent.waitClosed(1)).toBe(true);

    const half = await scripted('half-head', (s) => s.write('HTTP/1.1 200 OK\r\nContent-Le'), { read_timeout: 300 });
    const t = await nodeRequest(proxyPort, '/half-head');
    expect(t.status).toBe(504);
    expect(t.text).toBe(`The upstream server is timing out\nrequest_id: ${t.headers['x-kong-request-id']}\n`);
    expect(await half.waitClosed(1)).toBe(true);
    expect(pool().idleCount(keyOf(half))).toBe(0);
  });

  it('an oversized upstream response head: 502, connection dropped', async () => {
    const up = await scripted('big-head', (s) => s.write(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(70_000)}\r\nContent-Length: 2\r\n\r\nok`));
    const r = await nodeRequest(proxyPort, '/big-head', { headers: { accept: 'application/json' } });
    expect(r.status).toBe(502);
    expect(r.json.message).toBe('An invalid response was received from the upstream server');
    expect(await up.waitClosed(1)).toBe(true);
    expect(pool().idleCount(keyOf(up))).toBe(0);
  });

  it.each([
    ['a malformed status code', 'HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\nok'],
    ['an HTTP/2 status line', 'HTTP/2 200 OK\r\nContent-Length: 2\r\n\r\nok'],
    ['a non-HTTP protocol', 'ICY 200 OK\r\nContent-Length: 2\r\n\r\nok'],
    ['bare LF line endings', 'HTTP/1.1 200 OK\nContent-Length: 2\n\nok'],
  ])('an invalid status line (%s): 502, and that upstream connection is never reused', async (_name, bad) => {
    const name = `bad-status-${upstreams.length}`;
    const requests = new Map<number, number>();
    const up = await scripted(name, (s, _d, conn) => {
      const n = (requests.get(conn) ?? 0) + 1;
      requests.set(conn, n);
      // the first connection answers once properly (so it is pooled), then garbage
      s.write(conn === 1 && n === 2 ? bad : 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    expect((await nodeRequest(proxyPort, `/${name}`)).text).toBe('ok');
    expect(pool().idleCount(keyOf(up))).toBe(1);
    const r = await nodeRequest(proxyPort, `/${name}`, { headers: { accept: 'application/json' } });
    expect(r.status).toBe(502);
    expect(r.json.message).toBe('An invalid response was received from the upstream server');
    expect(up.accepted).toBe(1);
    expect(await up.waitClosed(1)).toBe(true);
    const after = await nodeRequest(proxyPort, `/${name}`);
    expect(after.status).toBe(200);
    expect(up.accepted).toBe(2);
    expect(requests.get(1)).toBe(2); // never a third request on the broken connection
    expect(pool().idleCount(keyOf(up))).toBe(1);
  });

  it.each([
    ['both Content-Length and Transfer-Encoding', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['two different Content-Lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok!'],
    ['a Content-Length list', 'HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\nok!'],
    ['a Transfer-Encoding not ending in chunked', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, identity\r\n\r\nok'],
    ['a bad chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n'],
  ])('an upstream response with %s: 502, connection discarded', async (_name, bad) => {
    const name = `bad-framing-${upstreams.length}`;
    const up = await scripted(name, (s) => s.write(bad));
    const out = await exchange(`GET /${name} HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\nConnection: close\r\n\r\n`);
    expect(out.text).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\n/);
    expect(out.text).toContain('"message":"An invalid response was received from the upstream server"');
    // nothing of the bad response reached the client: exactly one head and Kong's body
    expect(out.text.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    expect(await up.waitClosed(1)).toBe(true);
    expect(pool().idleCount(keyOf(up))).toBe(0);
  });

  it('a client that aborts mid-upload frees the upstream connection', async () => {
    let received = 0;
    const up = await scripted('upload-abort', (_s, d) => {
      received += d.length;
    });
    const client = net.connect(proxyPort, '127.0.0.1');
    client.on('error', () => {});
    await new Promise((r) => client.once('connect', r));
    client.write(`POST /upload-abort HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n${'u'.repeat(65536)}`);
    for (let i = 0; i < 100 && received < 65536; i++) await sleep(10);
    expect(received).toBeGreaterThan(65536); // the head and the first body bytes went through
    expect(activeUpstreamConnections()).toBe(1);
    client.destroy();
    expect(await up.waitClosed(1)).toBe(true);
    expect(pool().idleCount(keyOf(up))).toBe(0);
    expect(activeUpstreamConnections()).toBe(0);
  });

  it('a client that aborts mid-upload to an upstream that stopped reading frees the upstream connection', async () => {
    let received = 0;
    let stuck: net.Socket | null = null;
    const up = await scripted('upload-stuck', (s, d) => {
      received += d.length;
      stuck = s;
      s.pause(); // reads nothing more: the proxy has to hold the client back
    });
    const client = net.connect(proxyPort, '127.0.0.1');
    client.on('error', () => {});
    await new Promise((r) => client.once('connect', r));
    client.write('POST /upload-stuck HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n\r\n');
    const piece = Buffer.alloc(65536, 117);
    for (let i = 0; i < 200 && client.write(piece); i++);
    await sleep(100);
    expect(received).toBeGreaterThan(0);
    expect(activeUpstreamConnections()).toBe(1);
    const t0 = Date.now();
    client.destroy();
    // the upstream reads nothing, so it cannot notice the close itself: the gateway's counters tell; well before
    // client_body_timeout (60 s) could have ended the exchange
    for (let i = 0; i < 100 && activeUpstreamConnections() > 0; i++) await sleep(20);
    expect(activeUpstreamConnections()).toBe(0);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(gw.gateway.proxyCore.connections.size).toBe(0);
    expect(pool().idleCount(keyOf(up))).toBe(0);
    // its own end never reads the close either: let it go
    (stuck as net.Socket | null)?.destroy();
  });

  it('a client that aborts mid-download frees the upstream connection', async () => {
    let pieces = 0;
    const up = await scripted('download-abort', (s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n');
      const piece = Buffer.alloc(16384, 100);
      const timer = setInterval(() => {
        // bounded: at most 300 pieces, stopped as soon as the connection is gone
        if (s.destroyed || ++pieces > 300) return clearInterval(timer);
        s.write(piece);
      }, 5);
      s.on('close', () => clearInterval(timer));
    });
    const client = net.connect(proxyPort, '127.0.0.1');
    client.on('error', () => {});
    await new Promise((r) => client.once('connect', r));
    let got = 0;
    const firstBytes = new Promise<void>((resolve) =>
      client.on('data', (d) => {
        got += d.length;
        if (got > 50_000) resolve();
      }),
    );
    client.write('GET /download-abort HTTP/1.1\r\nHost: x\r\n\r\n');
    await firstBytes;
    client.destroy();
    expect(await up.waitClosed(1)).toBe(true);
    expect(pieces).toBeLessThan(300); // the upstream stopped because its connection closed, not because it ran out
    expect(pool().idleCount(keyOf(up))).toBe(0);
    expect(activeUpstreamConnections()).toBe(0);
  });

  it('a client slower than read_timeout still gets the whole response (the upstream waits under send_timeout)', async () => {
    const size = 8 * 1024 * 1024;
    await scripted('slow-reader', (s) => {
      s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`);
      s.write(Buffer.alloc(size, 120));
    }, { read_timeout: 300 });
    const client = net.connect(proxyPort, '127.0.0.1');
    client.on('error', () => {});
    await new Promise((r) => client.once('connect', r));
    let got = 0;
    let paused = false;
    const done = new Promise<boolean>((resolve) => {
      client.on('data', (d) => {
        got += d.length;
        if (!paused && got > 65536) {
          // stop reading for longer than read_timeout while the upstream has more to send
          paused = true;
          client.pause();
          setTimeout(() => client.resume(), 800);
        }
      });
      client.on('close', () => resolve(false));
      const check = setInterval(() => {
        if (got >= size + 100) {
          clearInterval(check);
          resolve(true);
        }
      }, 20);
      setTimeout(() => clearInterval(check), 8000);
    });
    client.write('GET /slow-reader HTTP/1.1\r\nHost: x\r\n\r\n');
    const complete = await Promise.race([done, sleep(8000).then(() => false)]);
    client.destroy();
    expect(paused).toBe(true);
    expect(complete).toBe(true);
  });

  it('a client that keeps its side open after a closing answer is closed after the lingering time', async () => {
    const settings = gw.gateway.proxyCore.settings;
    const saved = settings.lingerTimeoutMs;
    settings.lingerTimeoutMs = 200;
    // half-open allowed: this client neither closes its side nor sends anything more
    const client = net.connect({ port: proxyPort, host: '127.0.0.1', allowHalfOpen: true });
    client.on('error', () => {});
    try {
      await new Promise((r) => client.once('connect', r));
      let text = '';
      client.on('data', (d) => (text += d.toString('latin1')));
      const ended = new Promise<void>((r) => client.once('end', () => r()));
      client.write('GET /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n');
      await ended;
      const t0 = Date.now();
      expect(text).toMatch(/^HTTP\/1\.1 400 /);
      expect(text).toContain('Connection: close\r\n');
      // the gateway's end of the connection goes away once the lingering time is over; the client's stays
      const serverSide = () => openSocketsBetween(proxyPort, client.localPort!);
      expect(serverSide()).toBe(1);
      for (let i = 0; i < 100 && serverSide() > 0; i++) await sleep(20);
      expect(serverSide()).toBe(0);
      expect(client.destroyed).toBe(false);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
      expect(gw.gateway.proxyCore.connections.size).toBe(0);
    } finally {
      settings.lingerTimeoutMs = saved;
      client.destroy();
    }
  });

  it('a client that half-closes while its request is in flight is taken for gone (nginx 499): the upstream connection is closed too', async () => {
    const up = await scripted('half-close', (s) => {
      setTimeout(() => {
        if (!s.destroyed) s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      }, 300);
    });
    const client = net.connect({ port: proxyPort, host: '127.0.0.1', allowHalfOpen: true });
    client.on('error', () => {});
    let text = '';
    client.on('data', (d) => (text += d.toString('latin1')));
    const closed = new Promise<void>((r) => client.once('close', () => r()));
    client.end('GET /half-close HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await up.waitClosed(1)).toBe(true);
    await Promise.race([closed, sleep(2000)]);
    client.destroy();
    expect(text).toBe('');
    expect(pool().idleCount(keyOf(up))).toBe(0);
  });

  it('leaves no socket open behind all of the above', async () => {
    const core = gw.gateway.proxyCore;
    for (let i = 0; i < 100 && core.connections.size > 0; i++) await sleep(20);
    expect(core.connections.size).toBe(0);
    expect(gw.gateway.proxyCore.stats.connections_active).toBe(0);
    expect(activeUpstreamConnections()).toBe(0);
    // every upstream connection still open is an idle one in the pool, and nothing else
    pool().sweep();
    const openUpstream = upstreams.reduce((n, u) => n + u.open, 0);
    expect(openUpstream).toBe(pool().idleCount());
    for (const u of upstreams) await u.close();
    upstreams.length = 0;
    let now = tcpHandles();
    for (let i = 0; i < 100 && now !== tcpAtStart; i++) {
      await sleep(20);
      now = tcpHandles();
    }
    expect(now).toBe(tcpAtStart);
  });
});
