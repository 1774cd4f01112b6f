// Slow clients must not starve others: 1,000 connections trickling header bytes while ordinary
// requests on fresh connections still succeed. (The latency figure lives in bench/slow-clients.mjs.)
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { echoServer, nodeRequest, rawRequest, type Upstream } from '../../helpers/upstream.js';

let gw: TestGateway;
let up: Upstream;
let port: number;

beforeAll(async () => {
  up = await echoServer();
  gw = await startGateway({ KONG_NGINX_HTTP_CLIENT_HEADER_TIMEOUT: '2s' });
  port = gw.gateway.addresses.proxy[0]!.port;
  await gw.admin('POST', '/services', { name: 's', url: up.url });
  await gw.admin('POST', '/services/s/routes', { paths: ['/'] });
  await new Promise((r) => setTimeout(r, 20));
});
afterAll(async () => {
  await gw?.stop();
  await up?.close();
});

describe('slow clients', () => {
  it('keeps serving ordinary requests while 1,000 connections trickle headers', async () => {
    const slow: net.Socket[] = [];
    await Promise.all(
      Array.from({ length: 1000 }, () =>
        new Promise<void>((resolve) => {
          const s = net.connect(port, '127.0.0.1', () => {
            s.write('GET /slow HTTP/1.1\r\nHost: x\r\n');
            resolve();
          });
          s.on('error', () => resolve());
          slow.push(s);
        }),
      ),
    );
    const trickle = setInterval(() => {
      for (const s of slow) if (!s.destroyed) s.write('X');
    }, 200);
    try {
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => nodeRequest(port, `/ok/${i}`)));
      expect(results.every((r) => r.status === 200)).toBe(true);
    } finally {
      clearInterval(trickle);
    }
    // after the header timeout, the trickling connections get 408 and are closed
    const one = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ', 3500);
    expect(one).toMatch(/^HTTP\/1\.1 408 /);
    for (const s of slow) s.destroy();
  }, 60_000);
});
