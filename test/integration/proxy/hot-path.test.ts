// The proxy's fast path: heads written as strings with the first body bytes in one write, upstream sockets
// read into reused `onread` buffers, listeners attached once per upstream socket. These tests pin the
// byte-level behaviour those optimisations must not change.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { echoServer, rawRequest, rawServer, type Upstream } from '../../helpers/upstream.js';

let gw: TestGateway;
let echo: Upstream;
let proxyPort: number;
const extra: Upstream[] = [];

beforeAll(async () => {
  echo = await echoServer('hp');
  gw = await startGateway();
  proxyPort = gw.gateway.addresses.proxy[0]!.port;
  await gw.admin('POST', '/services', { name: 'echo', url: echo.url });
  await gw.admin('POST', '/services/echo/routes', { name: 'echo', paths: ['/echo'], strip_path: false });
});
afterAll(async () => {
  await gw?.stop();
  await echo?.close();
  for (const u of extra) await u.close();
});

/** A raw upstream behind its own route `/<name>`; `onRequest` sees each connection's bytes. */
async function scripted(name: string, onData: (s: net.Socket, d: Buffer) => void): Promise<Upstream> {
  const up = await rawServer(onData);
  extra.push(up);
  await gw.admin('POST', '/services', { name, url: up.url, retries: 0 });
  await gw.admin('POST', `/services/${name}/routes`, { paths: [`/${name}`] });
  await new Promise((r) => setTimeout(r, 10));
  return up;
}

/** Opens a client connection; `send` writes, `read` collects until `until(bytes)` holds or the timeout. */
function client() {
  const s = net.connect(proxyPort, '127.0.0.1');
  let buf = Buffer.alloc(0);
  let waiter: (() => void) | null = null;
  s.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    waiter?.();
  });
  s.on('error', () => {});
  return {
    socket: s,
    ready: new Promise<void>((r) => s.once('connect', () => r())),
    send: (d: string | Buffer) => new Promise<void>((r) => s.write(d, () => r())),
    read(until: (b: Buffer) => boolean, ms = 3000): Promise<Buffer> {
      return new Promise((resolve) => {
        const t = setTimeout(() => {
          waiter = null;
          resolve(buf);
        }, ms);
        const check = () => {
          if (until(buf)) {
            clearTimeout(t);
            waiter = null;
            resolve(buf);
          }
        };
        waiter = check;
        s.once('close', () => {
          clearTimeout(t);
          waiter = null;
          resolve(buf);
        });
        check();
      });
    },
    close: () => s.destroy(),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function count(hay: string, needle: string): number {
  return hay.split(needle).length - 1;
}

describe('bytes are forwarded exactly', () => {
  it('keeps UTF-8 bytes in header values byte-exact in both directions', async () => {
    const value = Buffer.from('café ✓ 日本', 'utf8');
    let seen = Buffer.alloc(0);
    await scripted('utf8', (s, d) => {
      seen = Buffer.concat([seen, d]);
      if (seen.includes('\r\n\r\n')) {
        s.write(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nX-Back: '), value, Buffer.from('\r\nContent-Length: 2\r\n\r\nok')]));
      }
    });
    const req = Buffer.concat([Buffer.from('GET /utf8 HTTP/1.1\r\nHost: x\r\nX-Name: '), value, Buffer.from('\r\nConnection: close\r\n\r\n')]);
    const out = Buffer.from(await rawRequest(proxyPort, req), 'latin1');
    expect(seen.includes(Buffer.concat([Buffer.from('\r\nX-Name: '), value, Buffer.from('\r\n')]))).toBe(true);
    expect(out.includes(Buffer.concat([Buffer.from('\r\nX-Back: '), value, Buffer.from('\r\n')]))).toBe(true);
    expect(out.subarray(out.length - 2).toString()).toBe('ok');
  });

  it('never lets a client drop the fields Kong sets by naming them in Connection', async () => {
    const out = await rawRequest(proxyPort, 'GET /echo/conn HTTP/1.1\r\nHost: x\r\nConnection: X-Forwarded-For, X-Real-IP, close\r\nX-Forwarded-For: 9.9.9.9\r\n\r\n');
    const body = JSON.parse(/\{.*\}/.exec(out)![0]);
    expect(body.headers['x-real-ip']).toBe('127.0.0.1');
    expect(body.headers['x-forwarded-for']).toBe('9.9.9.9, 127.0.0.1');
    expect(body.headers.host).toBe(`127.0.0.1:${echo.port}`);
  });

  it('streams a large body to a slow reader without corrupting reused read buffers', async () => {
    const size = 3 * 1024 * 1024 + 17;
    const pattern = Buffer.alloc(size);
    for (let i = 0; i < size; i++) pattern[i] = (i * 7 + (i >> 13)) & 0xff;
    await scripted('pattern', (s) => {
      s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`);
      // many separate writes so the proxy sees many reads
      let off = 0;
      const pump = () => {
        while (off < size) {
          const n = Math.min(10_000, size - off);
          const ok = s.write(pattern.subarray(off, off + n));
          off += n;
          if (!ok) return void s.once('drain', pump);
        }
      };
      pump();
    });
    const c = client();
    await c.ready;
    c.socket.pause(); // let the proxy's writes queue up (its client write keeps references)
    await c.send('GET /pattern HTTP/1.1\r\nHost: x\r\n\r\n');
    await sleep(300);
    c.socket.resume();
    const out = await c.read((b) => {
      const i = b.indexOf('\r\n\r\n');
      return i > 0 && b.length - i - 4 >= size;
    }, 10_000);
    c.close();
    const i = out.indexOf('\r\n\r\n');
    const body = out.subarray(i + 4);
    expect(body.length).toBe(size);
    expect(body.equals(pattern)).toBe(true);
  });
});

describe('pipelining and request bodies', () => {
  it('forwards pipelined POSTs whose bodies are split across chunks', async () => {
    const reqs =
      'POST /echo/a HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world' +
      'POST /echo/b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nchunk\r\n6\r\ned-bod\r\n1\r\ny\r\n0\r\n\r\n' +
      'POST /echo/c HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nxyz' +
      'GET /echo/d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
    for (const step of [1, 7, 23, 64]) {
      const c = client();
      await c.ready;
      for (let i = 0; i < reqs.length; i += step) {
        await c.send(reqs.slice(i, i + step));
        if (i % (step * 5) === 0) await sleep(1);
      }
      const out = (await c.read((b) => count(b.toString('latin1'), 'HTTP/1.1 200 OK') === 4 && b.toString('latin1').includes('"url":"/echo/d"'))).toString('latin1');
      c.close();
      const bodies = [...out.matchAll(/"url":"([^"]+)".*?"body":"([^"]*)"/g)].map((m) => [m[1], m[2]]);
      expect(bodies).toEqual([
        ['/echo/a', 'hello world'],
        ['/echo/b', 'chunked-body'],
        ['/echo/c', 'xyz'],
        ['/echo/d', ''],
      ]);
    }
  });

  it('sends a body that arrived with the head, and one that arrives later, whole', async () => {
    const c = client();
    await c.ready;
    await c.send('POST /echo/late HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\n01234');
    await sleep(50);
    await c.send('56789');
    const out = (await c.read((b) => b.includes('"body"'))).toString('latin1');
    c.close();
    expect(out).toContain('"body":"0123456789"');
  });

  it('closes after an upstream that answers before the request body ended, and never reuses it', async () => {
    let conns = 0;
    const up = await scripted('early', (s, d) => {
      if (d.toString('latin1').startsWith('POST')) {
        conns++;
        s.write('HTTP/1.1 413 Payload Too Large\r\nContent-Length: 4\r\n\r\nnope');
      }
    });
    const c = client();
    await c.ready;
    await c.send('POST /early HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n' + 'a'.repeat(1000));
    const out = (await c.read((b) => b.toString('latin1').endsWith('nope'))).toString('latin1');
    expect(out).toMatch(/^HTTP\/1\.1 413 /);
    expect(out).toContain('Connection: close');
    // the proxy ends the client connection right away (it used to wait for read_timeout)
    const closed = await new Promise<boolean>((resolve) => {
      if (c.socket.readableEnded || c.socket.destroyed) return resolve(true);
      const t = setTimeout(() => resolve(false), 1500);
      c.socket.once('end', () => {
        clearTimeout(t);
        resolve(true);
      });
    });
    expect(closed).toBe(true);
    c.close();
    expect(conns).toBe(1);
    expect(gw.gateway.proxyCore.pool.idleCount(`127.0.0.1:${up.port}`)).toBe(0);
  });
});

describe('response head and body in one write', () => {
  /** Upstream answering every request with `reply` (one write), recording how many requests each socket got. */
  async function replying(name: string, reply: string | ((n: number) => string), closeAfter = false) {
    let n = 0;
    const up = await scripted(name, (s, d) => {
      const text = d.toString('latin1');
      for (let i = text.indexOf('HTTP/1.1\r\n'); i !== -1; i = text.indexOf('HTTP/1.1\r\n', i + 1)) {
        n++;
        s.write(typeof reply === 'string' ? reply : reply(n));
        if (closeAfter) s.end();
      }
    });
    return up;
  }

  it('length bodies: head and body together, keep-alive, then the next request', async () => {
    const up = await replying('len', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-T: 1\r\n\r\nhello');
    const out = await rawRequest(proxyPort, 'GET /len HTTP/1.1\r\nHost: x\r\n\r\nGET /len HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(count(out, 'HTTP/1.1 200 OK\r\n')).toBe(2);
    expect(count(out, 'Content-Length: 5\r\n')).toBe(2);
    expect(out.endsWith('hello')).toBe(true);
    expect(out.split('\r\n\r\n')[1]).toMatch(/^helloHTTP\/1\.1 200 OK/);
    expect(gw.gateway.proxyCore.pool.idleCount(`127.0.0.1:${up.port}`)).toBe(1);
  });

  it('chunked bodies: forwarded chunked to 1.1 clients, decoded for 1.0 clients', async () => {
    await replying('chk', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n');
    const out11 = await rawRequest(proxyPort, 'GET /chk HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(out11).toContain('Transfer-Encoding: chunked\r\n');
    expect(out11.endsWith('\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n')).toBe(true);
    const out10 = await rawRequest(proxyPort, 'GET /chk HTTP/1.0\r\nHost: x\r\n\r\n');
    expect(out10).not.toContain('Transfer-Encoding');
    expect(out10).toContain('Connection: close\r\n');
    expect(out10.endsWith('\r\n\r\nhello world')).toBe(true);
  });

  it('close-delimited bodies: chunk-wrapped for 1.1 clients, passed as is to 1.0 clients', async () => {
    await replying('cls', 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close', true);
    const out11 = await rawRequest(proxyPort, 'GET /cls HTTP/1.1\r\nHost: x\r\n\r\nGET /cls HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(count(out11, 'HTTP/1.1 200 OK\r\n')).toBe(2);
    expect(out11).toContain('Transfer-Encoding: chunked\r\n');
    expect(count(out11, '\r\n\r\nb\r\nuntil close\r\n0\r\n\r\n')).toBe(2);
    const out10 = await rawRequest(proxyPort, 'GET /cls HTTP/1.0\r\nHost: x\r\n\r\n');
    expect(out10.endsWith('\r\n\r\nuntil close')).toBe(true);
  });

  it('head and body in separate upstream writes still arrive whole', async () => {
    await scripted('split', (s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Le');
      setTimeout(() => s.write('ngth: 6\r\n\r\nab'), 20);
      setTimeout(() => s.write('cdef'), 40);
    });
    const out = await rawRequest(proxyPort, 'GET /split HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(out).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(out.endsWith('\r\nContent-Length: 6\r\nConnection: close\r\n\r\nabcdef')).toBe(true);
  });

  it('HEAD, 204 and 304 answers carry no body and keep the connection usable', async () => {
    await replying('nobody', (n) =>
      n === 1 ? 'HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n' : n === 2 ? 'HTTP/1.1 204 No Content\r\n\r\n' : 'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n',
    );
    const out = await rawRequest(
      proxyPort,
      'HEAD /nobody HTTP/1.1\r\nHost: x\r\n\r\nGET /nobody HTTP/1.1\r\nHost: x\r\n\r\nGET /nobody HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    const parts = out.split(/(?=HTTP\/1\.1 \d{3} )/);
    expect(parts).toHaveLength(3);
    expect(parts[0]).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*Content-Length: 42\r\n[^]*\r\n\r\n$/);
    expect(parts[1]).toMatch(/^HTTP\/1\.1 204 No Content\r\n/);
    expect(parts[1]).not.toContain('Content-Length');
    expect(parts[1]!.endsWith('\r\n\r\n')).toBe(true);
    expect(parts[2]).toMatch(/^HTTP\/1\.1 304 Not Modified\r\n/);
    expect(parts[2]!.endsWith('\r\n\r\n')).toBe(true);
  });

  it('surplus bytes after a response: the answer is complete and the upstream is not reused', async () => {
    const up = await replying('surplus', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokGARBAGE');
    const out = await rawRequest(proxyPort, 'GET /surplus HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(out.endsWith('\r\n\r\nok')).toBe(true);
    await sleep(20);
    expect(gw.gateway.proxyCore.pool.idleCount(`127.0.0.1:${up.port}`)).toBe(0);
  });

  it('invalid body framing in the first chunk: a clean 502, nothing half-sent', async () => {
    await replying('badchunk', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n');
    const out = await rawRequest(proxyPort, 'GET /badchunk HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\nConnection: close\r\n\r\n');
    expect(out).toMatch(/^HTTP\/1\.1 502 /);
    expect(count(out, 'HTTP/1.1')).toBe(1);
  });

  it('an upgrade passes the 101 head and the first tunnel bytes together', async () => {
    await scripted('upg', (s, d) => {
      if (d.toString('latin1').startsWith('GET')) s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nhello-from-upstream');
      else s.write(Buffer.concat([Buffer.from('echo:'), d]));
    });
    const c = client();
    await c.ready;
    await c.send('GET /upg HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
    const head = (await c.read((b) => b.toString('latin1').endsWith('hello-from-upstream'))).toString('latin1');
    expect(head).toMatch(/^HTTP\/1\.1 101 /);
    expect(head).toContain('Upgrade: echo\r\n');
    await c.send('ping');
    const all = (await c.read((b) => b.toString('latin1').endsWith('echo:ping'))).toString('latin1');
    expect(all.endsWith('hello-from-upstreamecho:ping')).toBe(true);
    c.close();
  });
});
