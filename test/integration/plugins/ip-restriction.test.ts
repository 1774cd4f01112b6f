import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { echoServer, nodeRequest, type Upstream } from '../../helpers/upstream.js';

let gw: TestGateway;
let up: Upstream;
let port: number;
const settle = () => new Promise((r) => setTimeout(r, 20));
const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });

beforeAll(async () => {
  up = await echoServer();
  // loopback is a trusted proxy: X-Forwarded-For carries the client address (nginx realip)
  gw = await startGateway({ KONG_TRUSTED_IPS: '127.0.0.1,::1', KONG_REAL_IP_HEADER: 'X-Forwarded-For' });
  port = gw.gateway.addresses.proxy[0]!.port;
  await gw.admin('POST', '/services', { name: 'svc', url: up.url });
  for (const name of ['deny', 'allow', 'custom', 'both', 'v6', 'byconsumer', 'open']) await gw.admin('POST', '/services/svc/routes', { name, paths: [`/${name}`] });
  await gw.admin('POST', '/routes/deny/plugins', { name: 'ip-restriction', config: { deny: ['10.0.0.0/8', '192.168.1.1'] } });
  await gw.admin('POST', '/routes/allow/plugins', { name: 'ip-restriction', config: { allow: ['172.16.0.0/12'] } });
  await gw.admin('POST', '/routes/custom/plugins', { name: 'ip-restriction', config: { deny: ['10.0.0.1'], status: 401, message: 'Go away' } });
  await gw.admin('POST', '/routes/both/plugins', { name: 'ip-restriction', config: { allow: ['10.0.0.0/8'], deny: ['10.0.0.5'] } });
  await gw.admin('POST', '/routes/v6/plugins', { name: 'ip-restriction', config: { allow: ['2001:db8::/32'] } });
  for (const u of ['alice', 'bob']) await gw.admin('POST', '/consumers', { username: u });
  await gw.admin('POST', '/consumers/alice/key-auth', { key: 'k-alice' });
  await gw.admin('POST', '/consumers/bob/key-auth', { key: 'k-bob' });
  await gw.admin('POST', '/routes/byconsumer/plugins', { name: 'key-auth' });
  await gw.admin('POST', '/consumers/alice/plugins', { name: 'ip-restriction', config: { deny: ['10.0.0.0/8'] } });
  await settle();
});
afterAll(async () => {
  await gw?.stop();
  await up?.close();
});

describe('ip-restriction schema', () => {
  it('fills defaults, with its own protocols, and accepts the blacklist shorthand', async () => {
    const p = await gw.admin('POST', '/routes/open/plugins', { name: 'ip-restriction', config: { blacklist: ['1.2.3.4'] }, enabled: false });
    expect(p.status).toBe(201);
    expect(p.body.config).toEqual({ allow: null, deny: ['1.2.3.4'], status: null, message: null });
    expect(p.body.protocols).toEqual(['http', 'https', 'tcp', 'tls', 'grpc', 'grpcs']);
    await gw.admin('DELETE', `/plugins/${p.body.id}`);
  });

  it('requires allow or deny and valid addresses', async () => {
    const none = await gw.admin('POST', '/plugins', { name: 'ip-restriction' });
    expect(none.body.fields).toEqual({ '@entity': ["at least one of these fields must be non-empty: 'config.allow', 'config.deny'"] });
    const bad = await gw.admin('POST', '/plugins', { name: 'ip-restriction', config: { allow: ['10.0.0.1', '10.0.0.0/33', 'host'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.fields).toEqual({ config: { allow: [null, "invalid ip or cidr range: '10.0.0.0/33'", "invalid ip or cidr range: 'host'"] } });
    expect(bad.body.message).toBe("2 schema violations (config.allow.2: invalid ip or cidr range: '10.0.0.0/33'; config.allow.3: invalid ip or cidr range: 'host')");
    const status = await gw.admin('POST', '/plugins', { name: 'ip-restriction', config: { deny: ['1.1.1.1'], status: 'x' } });
    expect(status.body.fields).toEqual({ config: { status: 'expected a number' } });
  });
});

describe('ip-restriction proxy', () => {
  it('blocks addresses in the deny list with 403', async () => {
    const r = await nodeRequest(port, '/deny', from('10.1.2.3'));
    expect(r.status).toBe(403);
    expect(r.json.message).toBe('IP address not allowed: 10.1.2.3');
    expect((await nodeRequest(port, '/deny', from('192.168.1.1'))).status).toBe(403);
    expect((await nodeRequest(port, '/deny', from('192.168.1.2'))).status).toBe(200);
    // without a forwarded address the peer itself is checked
    expect((await nodeRequest(port, '/deny')).status).toBe(200);
  });

  it('blocks addresses outside the allow list', async () => {
    expect((await nodeRequest(port, '/allow', from('172.20.0.9'))).status).toBe(200);
    const r = await nodeRequest(port, '/allow');
    expect(r.status).toBe(403);
    expect(r.json.message).toBe('IP address not allowed: 127.0.0.1');
  });

  it('checks deny before allow', async () => {
    expect((await nodeRequest(port, '/both', from('10.0.0.4'))).status).toBe(200);
    expect((await nodeRequest(port, '/both', from('10.0.0.5'))).status).toBe(403);
  });

  it('uses the configured status and message', async () => {
    const r = await nodeRequest(port, '/custom', from('10.0.0.1'));
    expect(r.status).toBe(401);
    expect(r.json.message).toBe('Go away');
  });

  it('matches IPv6 ranges', async () => {
    expect((await nodeRequest(port, '/v6', from('2001:db8::7'))).status).toBe(200);
    expect((await nodeRequest(port, '/v6', from('2001:db9::7'))).status).toBe(403);
  });

  it('applies a consumer-scoped instance to that consumer only', async () => {
    const a = await nodeRequest(port, '/byconsumer', { headers: { apikey: 'k-alice', 'x-forwarded-for': '10.9.9.9' } });
    expect(a.status).toBe(403);
    const b = await nodeRequest(port, '/byconsumer', { headers: { apikey: 'k-bob', 'x-forwarded-for': '10.9.9.9' } });
    expect(b.status).toBe(200);
  });

  it('applies a global instance to every route, unless a route instance exists', async () => {
    const g = await gw.admin('POST', '/plugins', { name: 'ip-restriction', config: { deny: ['10.7.7.7'] } });
    await settle();
    expect((await nodeRequest(port, '/open', from('10.7.7.7'))).status).toBe(403);
    expect((await nodeRequest(port, '/allow', from('172.16.0.1'))).status).toBe(200);
    await gw.admin('DELETE', `/plugins/${g.body.id}`);
    await settle();
    expect((await nodeRequest(port, '/open', from('10.7.7.7'))).status).toBe(200);
  });
});
