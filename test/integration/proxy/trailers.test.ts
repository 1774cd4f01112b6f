// Chunked trailers. nginx (Kong's proxy) never passes trailers on, in either direction: request bodies are
// re-framed, and an upstream's trailer fields are dropped while the chunked body still ends properly. Kong also
// clears the upstream's `Trailer` field unless the client sent `TE: trailers`. Framing stays valid throughout,
// checked here byte for byte and by sending the next request on the same connection.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { trackedServer, type TrackedUpstream } from '../../helpers/upstream.js';

let gw: TestGateway;
let proxyPort: number;
let sink: TrackedUpstream;
let seen = '';
let trailing: TrackedUpstream;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Collects what arrives on a fresh proxy connection after writing `pieces` (with pauses in between). */
async function exchange(pieces: string[], until: (s: string) => boolean, ms = 3000): Promise<string> {
  const s = net.connect(proxyPort, '127.0.0.1');
  s.on('error', () => {});
  await new Promise((r) => s.once('connect', r));
  let out = '';
  const done = new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    s.on('data', (d) => {
      out += d.toString('latin1');
      if (until(out)) {
        clearTimeout(t);
        resolve();
      }
    });
    s.on('close', () => {
      clearTimeout(t);
      resolve();
    });
  });
  for (const p of pieces) {
    s.write(p);
    await sleep(15);
  }
  await done;
  s.destroy();
  return out;
}

const count = (hay: string, needle: string) => hay.split(needle).length - 1;

beforeAll(async () => {
  gw = await startGateway();
  proxyPort = gw.gateway.addresses.proxy[0]!.port;
  // records the request bytes it receives; answers each complete chunked request (or a bodiless one)
  sink = await trackedServer((s, d) => {
    const text = d.toString('latin1');
    seen += text;
    const own = s as net.Socket & { got?: string; sent?: number };
    own.got = (own.got ?? '') + text;
    const complete = count(own.got, '0\r\n\r\n') + count(own.got, 'GET ');
    for (let i = own.sent ?? 0; i < complete; i++) s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    own.sent = complete;
  });
  // answers chunked with trailers, written in awkward pieces
  trailing = await trackedServer((s) => {
    s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum, X-Other\r\n\r\n5\r\nhello\r\n');
    setTimeout(() => s.write('6\r\n world\r\n0\r\nX-Check'), 10);
    setTimeout(() => s.write('sum: abc\r\nX-Other: 1\r\n'), 20);
    setTimeout(() => s.write('\r\n'), 30);
  });
  await gw.admin('POST', '/services', { name: 'sink', url: sink.url });
  await gw.admin('POST', '/services/sink/routes', { paths: ['/sink'] });
  await gw.admin('POST', '/services', { name: 'trailing', url: trailing.url });
  await gw.admin('POST', '/services/trailing/routes', { paths: ['/trailing'] });
  await sleep(20);
});
afterAll(async () => {
  await gw?.stop();
  await sink?.close();
  await trailing?.close();
});

describe('request trailers', () => {
  it('are not passed upstream; the chunked body still ends properly and the next request follows', async () => {
    seen = '';
    const out = await exchange(
      [
        'POST /sink HTTP/1.1\r\nHost: x\r\nTE: trailers\r\nTrailer: X-Req\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n',
        '6\r\n world\r\n0\r\nX-R',
        'eq: secret\r\nX-More: 2\r\n\r\nGET /sink/next HTTP/1.1\r\nHost: x\r\n\r\n',
      ],
      (s) => count(s, 'HTTP/1.1 200') === 2,
    );
    expect(count(out, 'HTTP/1.1 200 OK')).toBe(2);
    const [first, second] = seen.split(/(?=GET \/next)/);
    expect(first).toMatch(/^POST \/ HTTP\/1\.1\r\n/);
    expect(first!.endsWith('\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n')).toBe(true);
    expect(first).not.toContain('secret');
    expect(first).not.toMatch(/^(te|trailer):/im);
    expect(first).toContain('Transfer-Encoding: chunked\r\n');
    expect(second).toMatch(/^GET \/next HTTP\/1\.1\r\n/);
  });

  it('are dropped when the whole body arrives with the head as well', async () => {
    seen = '';
    const out = await exchange(['POST /sink HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n'], (s) => s.includes('ok'));
    expect(out).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(seen.endsWith('\r\n\r\n3\r\nabc\r\n0\r\n\r\n')).toBe(true);
    expect(seen).not.toContain('X-T');
  });

  it('that are malformed answer 400 and reach nobody', async () => {
    seen = '';
    const out = await exchange(['POST /sink HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nBad Trailer: 1\r\n\r\n'], (s) => s.includes('request_id'));
    expect(out).toMatch(/^HTTP\/1\.1 400 /);
    expect(out).toContain('Connection: close\r\n');
    expect(seen).not.toContain('Bad Trailer');
  });
});

describe('response trailers', () => {
  it('are dropped for HTTP/1.1 clients, with a proper last chunk, and the connection stays usable', async () => {
    const out = await exchange(['GET /trailing HTTP/1.1\r\nHost: x\r\n\r\n'], (s) => s.endsWith('0\r\n\r\n'));
    expect(out).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(out).toContain('Transfer-Encoding: chunked\r\n');
    expect(out.endsWith('\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n')).toBe(true);
    expect(out).not.toContain('X-Checksum: abc');
    // Kong clears `Trailer` when the client did not send TE: trailers
    expect(out).not.toMatch(/^Trailer:/im);
    expect(out).toContain('Connection: keep-alive\r\n');
    // two in a row on one connection: the framing of the first did not swallow or leak bytes
    const two = await exchange(['GET /trailing HTTP/1.1\r\nHost: x\r\n\r\nGET /trailing HTTP/1.1\r\nHost: x\r\n\r\n'], (s) => count(s, '0\r\n\r\n') === 2);
    expect(count(two, 'HTTP/1.1 200 OK')).toBe(2);
    expect(two.split('HTTP/1.1 200 OK')[1]!.endsWith('0\r\n\r\n')).toBe(true);
  });

  it('keep the Trailer field for a client that sent TE: trailers, and still drop the trailers', async () => {
    const out = await exchange(['GET /trailing HTTP/1.1\r\nHost: x\r\nTE: trailers\r\n\r\n'], (s) => s.endsWith('0\r\n\r\n'));
    expect(out).toContain('Trailer: X-Checksum, X-Other\r\n');
    expect(out.endsWith('6\r\n world\r\n0\r\n\r\n')).toBe(true);
    expect(out).not.toContain('sum: abc');
  });

  it('are dropped from the decoded body sent to HTTP/1.0 clients', async () => {
    const out = await exchange(['GET /trailing HTTP/1.0\r\nHost: x\r\n\r\n'], () => false, 1500);
    expect(out).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(out).not.toContain('Transfer-Encoding');
    expect(out.endsWith('\r\n\r\nhello world')).toBe(true);
  });
});
