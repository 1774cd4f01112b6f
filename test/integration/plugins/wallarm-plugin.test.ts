import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { echoServer, nodeRequest, type Upstream } from '../../helpers/upstream.js';

let gw: TestGateway;
let up: Upstream;
let port: number;
let nodeUrl: string;
const settle = () => new Promise((r) => setTimeout(r, 20));
const BLOCK_BODY = { error: { code: 403, message: 'request blocked' } };

beforeAll(async () => {
  up = await echoServer();
  gw = await startGateway({ PORTCULLIS_NODE_LISTEN: '127.0.0.1:0' });
  port = gw.gateway.addresses.proxy[0]!.port;
  nodeUrl = `http://127.0.0.1:${gw.gateway.addresses.node[0]!.port}`;
  await gw.admin('POST', '/services', { name: 'app', url: up.url });
  await gw.admin('POST', '/services/app/routes', { name: 'inproc', paths: ['/inproc'] });
  await gw.admin('POST', '/services/app/routes', { name: 'remote', paths: ['/remote'] });
  await gw.admin('POST', '/services/app/routes', { name: 'monitor', paths: ['/monitor'] });
  await gw.admin('POST', '/services/app/routes', { name: 'oob', paths: ['/oob'] });
  await gw.admin('POST', '/routes/inproc/plugins', { name: 'wallarm-plugin', instance_name: 'wallarm-protection', protocols: ['http', 'https'], enabled: true, config: { blocking: true } });
  await gw.admin('POST', '/routes/remote/plugins', { name: 'wallarm-plugin', config: { blocking: true, wallarm_node_address: nodeUrl, timeout_ms: 2000 } });
  await gw.admin('POST', '/routes/monitor/plugins', { name: 'wallarm-plugin', config: { mode: 'monitoring' } });
  await gw.admin('POST', '/routes/oob/plugins', { name: 'wallarm-plugin', config: { blocking: false, wallarm_node_address: nodeUrl } });
  await settle();
});
afterAll(async () => {
  await gw?.stop();
  await up?.close();
});

describe('wallarm-plugin', () => {
  it('has the connector config with safe defaults', async () => {
    const p = (await gw.admin('GET', '/plugins/wallarm-protection')).body;
    expect(p.protocols).toEqual(['http', 'https']);
    expect(p.config).toMatchObject({ blocking: true, wallarm_node_address: null, timeout_ms: 1000, fallback_action: 'pass', mode: null, block_status: 403 });
    const bad = await gw.admin('POST', '/plugins', { name: 'wallarm-plugin', config: { wallarm_node_address: 'node:5000', fallback_action: 'maybe' } });
    expect(bad.body.fields.config).toEqual({ wallarm_node_address: 'must be an http:// or https:// URL', fallback_action: 'expected one of: pass, block' });
  });

  it('blocks the walk-through attack in-process and records it in the node', async () => {
    const before = up.requests;
    const r = await nodeRequest(port, '/inproc/etc/passwd');
    expect(r.status).toBe(403);
    expect(r.json).toEqual(BLOCK_BODY);
    expect(r.headers['content-type']).toBe('application/json');
    const rid = r.headers['x-kong-request-id'] as string;
    expect(rid).toMatch(/^[0-9a-f]{32}$/);
    expect(up.requests).toBe(before);
    await settle();
    const hits = (await (await fetch(`${nodeUrl}/v1/hits?request_id=${rid}`)).json()) as any;
    expect(hits.data.length).toBeGreaterThan(0);
    expect(hits.data[0]).toMatchObject({ type: 'ptrav', verdict: 'blocked', method: 'GET', response_status: 403 });
    const attacks = (await (await fetch(`${nodeUrl}/v1/attacks?type=ptrav`)).json()) as any;
    expect(attacks.data.length).toBeGreaterThan(0);
  });

  it('passes legitimate requests untouched', async () => {
    const r = await nodeRequest(port, '/inproc/api/users?name=O%27Brien&q=select+a+good+union+plan', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"comment":"I\'d like to order 2 items, please"}' });
    expect(r.status).toBe(200);
    expect(r.json.body).toBe('{"comment":"I\'d like to order 2 items, please"}');
  });

  it('inspects bodies, headers and encoded payloads', async () => {
    const sqli = await nodeRequest(port, '/inproc/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: "user=admin'+OR+1%3D1--&pass=x" });
    expect(sqli.status).toBe(403);
    const xss = await nodeRequest(port, '/inproc/search', { headers: { 'X-Note': '<script>alert(document.cookie)</script>' } });
    expect(xss.status).toBe(403);
    const b64 = Buffer.from("1' UNION SELECT password FROM users--").toString('base64');
    const hidden = await nodeRequest(port, '/inproc/x', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: b64 }) });
    expect(hidden.status).toBe(403);
  });

  it('only records in monitoring mode', async () => {
    const r = await nodeRequest(port, '/monitor/etc/passwd');
    expect(r.status).toBe(200);
    await settle();
    const hits = (await (await fetch(`${nodeUrl}/v1/hits?request_id=${r.headers['x-kong-request-id']}`)).json()) as any;
    expect(hits.data[0]).toMatchObject({ type: 'ptrav', verdict: 'monitored' });
  });

  it('asks a remote node over HTTP', async () => {
    const r = await nodeRequest(port, '/remote/etc/passwd');
    expect(r.status).toBe(403);
    expect(r.json).toEqual(BLOCK_BODY);
    expect((await nodeRequest(port, '/remote/hello')).status).toBe(200);
  });

  it('mirrors out-of-band without blocking', async () => {
    const r = await nodeRequest(port, '/oob/etc/passwd');
    expect(r.status).toBe(200);
  });

  it('fails open (or closed, when asked) with a hanging or dead node', async () => {
    const sockets = new Set<net.Socket>();
    const hang = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => {});
    });
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    const hangUrl = `http://127.0.0.1:${(hang.address() as net.AddressInfo).port}`;
    await gw.admin('POST', '/services/app/routes', { name: 'failopen', paths: ['/failopen'] });
    await gw.admin('POST', '/services/app/routes', { name: 'failclosed', paths: ['/failclosed'] });
    await gw.admin('POST', '/routes/failopen/plugins', { name: 'wallarm-plugin', config: { wallarm_node_address: hangUrl, timeout_ms: 200 } });
    await gw.admin('POST', '/routes/failclosed/plugins', { name: 'wallarm-plugin', config: { wallarm_node_address: 'http://127.0.0.1:1', timeout_ms: 200, fallback_action: 'block' } });
    await settle();
    const t0 = Date.now();
    const open = await nodeRequest(port, '/failopen/etc/passwd');
    const took = Date.now() - t0;
    expect(open.status).toBe(200);
    expect(took).toBeGreaterThanOrEqual(150);
    expect(took).toBeLessThan(2000);
    const closed = await nodeRequest(port, '/failclosed/anything');
    expect(closed.status).toBe(403);
    const metrics = await (await fetch(`${nodeUrl}/metrics`)).text();
    expect(metrics).toMatch(/portcullis_node_fail_open_total\{reason="timeout"\} [1-9]/);
    for (const s of sockets) s.destroy();
    await new Promise((r) => hang.close(r));
  });
});
