import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { echoServer, nodeRequest, type Upstream } from '../../helpers/upstream.js';
import { sleep } from '../../helpers/time.js';

let gw: TestGateway;
let up: Upstream;
let port: number;
let collector: dgram.Socket;
let collectorPort: number;
const datagrams: Buffer[] = [];

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting for datagrams');
    await sleep(10);
  }
}

beforeAll(async () => {
  collector = dgram.createSocket('udp4');
  collector.on('message', (msg) => datagrams.push(msg));
  await new Promise<void>((r) => collector.bind(0, '127.0.0.1', r));
  collectorPort = (collector.address() as AddressInfo).port;
  up = await echoServer();
  gw = await startGateway();
  port = gw.gateway.addresses.proxy[0]!.port;
  await gw.admin('POST', '/services', { name: 'svc', url: up.url });
  await gw.admin('POST', '/services/svc/routes', { name: 'ul', paths: ['/ul'] });
  await gw.admin('POST', '/services/svc/routes', { name: 'quiet', paths: ['/quiet'] });
});
afterAll(async () => {
  await gw?.stop();
  await up?.close();
  await new Promise<void>((r) => collector.close(() => r()));
});

describe('udp-log schema', () => {
  it('serves the config fields and fills Kong defaults', async () => {
    const s = await gw.admin('GET', '/schemas/plugins/udp-log');
    expect(s.status).toBe(200);
    const config = s.body.fields.find((f: any) => f.config).config;
    expect(config.fields.map((f: any) => Object.keys(f)[0])).toEqual(['host', 'port', 'timeout', 'custom_fields_by_lua']);
    const p = await gw.admin('POST', '/plugins', { name: 'udp-log', config: { host: '127.0.0.1', port: 9 }, enabled: false });
    expect(p.status).toBe(201);
    expect(p.body.config).toEqual({ host: '127.0.0.1', port: 9, timeout: 10000, custom_fields_by_lua: null });
    await gw.admin('DELETE', `/plugins/${p.body.id}`);
  });

  it('answers a bad config with Kong 400 schema violation body', async () => {
    const r = await gw.admin('POST', '/plugins', { name: 'udp-log', config: { host: '127.0.0.1', port: 70000, timeout: 'soon' } });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      code: 2,
      name: 'schema violation',
      message: '2 schema violations (config.port: value should be between 0 and 65535; config.timeout: expected a number)',
      fields: { config: { port: 'value should be between 0 and 65535', timeout: 'expected a number' } },
    });
    const missing = await gw.admin('POST', '/plugins', { name: 'udp-log', config: {} });
    expect(missing.body.fields).toEqual({ config: { host: 'required field missing', port: 'required field missing' } });
  });
});

describe('udp-log', () => {
  it('sends one JSON datagram per request with Kong serializer fields', async () => {
    const p = await gw.admin('POST', '/routes/ul/plugins', {
      name: 'udp-log',
      config: { host: '127.0.0.1', port: collectorPort, custom_fields_by_lua: { added: "return 'x'" } },
    });
    expect(p.status).toBe(201);
    await sleep(20);
    datagrams.length = 0;
    const r1 = await nodeRequest(port, '/ul?n=1', { headers: { authorization: 'secret-token' } });
    const r2 = await nodeRequest(port, '/ul/status/404?n=2');
    expect(r1.status).toBe(200);
    expect(r2.status).toBe(404);
    await until(() => datagrams.length >= 2);
    const entries = datagrams.map((d) => JSON.parse(d.toString('utf8')));
    entries.sort((a, b) => a.request.querystring.n.localeCompare(b.request.querystring.n));
    expect(entries.map((e) => e.response.status)).toEqual([200, 404]);
    const [first] = entries;
    expect(first.request.method).toBe('GET');
    expect(first.request.uri).toBe('/ul?n=1');
    expect(first.request.headers.authorization).toBe('REDACTED');
    expect(first.route.id).toBe(p.body.route.id);
    expect(first.service.name).toBe('svc');
    expect(first.client_ip).toBe('127.0.0.1');
    expect(first.upstream_uri).toBe('/?n=1'); // strip_path
    expect(typeof first.latencies.request).toBe('number');
    expect(first.request_id).toEqual(expect.any(String));
  });

  it('keeps serving when the collector is gone', async () => {
    // a port nobody listens on: ICMP unreachable must not break the proxy or the next datagrams
    const spare = dgram.createSocket('udp4');
    await new Promise<void>((r) => spare.bind(0, '127.0.0.1', r));
    const deadPort = (spare.address() as AddressInfo).port;
    await new Promise<void>((r) => spare.close(() => r()));
    await gw.admin('POST', '/routes/quiet/plugins', { name: 'udp-log', config: { host: '127.0.0.1', port: deadPort } });
    await sleep(20);
    for (let i = 0; i < 3; i++) expect((await nodeRequest(port, '/quiet')).status).toBe(200);
    datagrams.length = 0;
    await nodeRequest(port, '/ul?n=3');
    await until(() => datagrams.length >= 1);
    expect(JSON.parse(datagrams[0]!.toString()).request.querystring.n).toBe('3');
  });
});
