import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { echoServer, nodeRequest, type Upstream } from '../../helpers/upstream.js';

let gw: TestGateway;
let up: Upstream;
let port: number;
const settle = () => new Promise((r) => setTimeout(r, 20));
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

beforeAll(async () => {
  up = await echoServer();
  gw = await startGateway();
  port = gw.gateway.addresses.proxy[0]!.port;
  await gw.admin('POST', '/services', { name: 'svc', url: up.url });
  for (const name of ['counter', 'uuid', 'tracker', 'echo', 'open']) await gw.admin('POST', '/services/svc/routes', { name, paths: [`/${name}`] });
  await gw.admin('POST', '/routes/counter/plugins', { name: 'correlation-id' });
  await gw.admin('POST', '/routes/uuid/plugins', { name: 'correlation-id', config: { generator: 'uuid', header_name: 'X-Trace' } });
  await gw.admin('POST', '/routes/tracker/plugins', { name: 'correlation-id', config: { generator: 'tracker' } });
  await gw.admin('POST', '/routes/echo/plugins', { name: 'correlation-id', config: { echo_downstream: true } });
  await settle();
});
afterAll(async () => {
  await gw?.stop();
  await up?.close();
});

describe('correlation-id schema', () => {
  it('fills Kong defaults', async () => {
    const p = await gw.admin('POST', '/routes/open/plugins', { name: 'correlation-id', enabled: false });
    expect(p.status).toBe(201);
    expect(p.body.config).toEqual({ header_name: 'Kong-Request-ID', generator: 'uuid#counter', echo_downstream: false });
    await gw.admin('DELETE', `/plugins/${p.body.id}`);
  });

  it('validates the generator', async () => {
    const r = await gw.admin('POST', '/plugins', { name: 'correlation-id', config: { generator: 'random', echo_downstream: 'no' } });
    expect(r.status).toBe(400);
    expect(r.body.fields).toEqual({ config: { generator: 'expected one of: uuid, uuid#counter, tracker', echo_downstream: 'expected a boolean' } });
  });
});

describe('correlation-id proxy', () => {
  it('sends a uuid#counter id upstream that counts up', async () => {
    const a = await nodeRequest(port, '/counter');
    const b = await nodeRequest(port, '/counter');
    const re = new RegExp(`^(${UUID})#(\\d+)$`);
    const ma = re.exec(a.json.headers['kong-request-id'])!;
    const mb = re.exec(b.json.headers['kong-request-id'])!;
    expect(ma).not.toBeNull();
    expect(mb[1]).toBe(ma[1]);
    expect(Number(mb[2])).toBe(Number(ma[2]) + 1);
    expect(a.headers['kong-request-id']).toBeUndefined();
  });

  it('keeps an id sent by the client', async () => {
    const r = await nodeRequest(port, '/counter', { headers: { 'kong-request-id': 'mine' } });
    expect(r.json.headers['kong-request-id']).toBe('mine');
  });

  it('generates uuids into a custom header', async () => {
    const r = await nodeRequest(port, '/uuid');
    expect(r.json.headers['x-trace']).toMatch(new RegExp(`^${UUID}$`));
    expect(r.json.headers['kong-request-id']).toBeUndefined();
  });

  it('generates tracker ids (address-port-pid-connection-requests-time)', async () => {
    const r = await nodeRequest(port, '/tracker');
    expect(r.json.headers['kong-request-id']).toMatch(new RegExp(`^127\\.0\\.0\\.1-${port}-${process.pid}-\\d+-1-\\d+\\.\\d{3}$`));
  });

  it('echoes the id to the client with echo_downstream', async () => {
    const r = await nodeRequest(port, '/echo');
    expect(r.headers['kong-request-id']).toBe(r.json.headers['kong-request-id']);
    const mine = await nodeRequest(port, '/echo', { headers: { 'kong-request-id': 'abc' } });
    expect(mine.headers['kong-request-id']).toBe('abc');
  });

  it('echoes on responses Kong generates after access', async () => {
    await gw.admin('POST', '/services/svc/routes', { name: 'stop', paths: ['/stop'] });
    await gw.admin('POST', '/routes/stop/plugins', { name: 'correlation-id', config: { echo_downstream: true } });
    await gw.admin('POST', '/routes/stop/plugins', { name: 'request-termination', config: { status_code: 503 } });
    await settle();
    const r = await nodeRequest(port, '/stop');
    expect(r.status).toBe(503);
    expect(r.headers['kong-request-id']).toMatch(new RegExp(`^${UUID}#\\d+$`));
  });

  it('applies a global instance to every route without its own', async () => {
    const g = await gw.admin('POST', '/plugins', { name: 'correlation-id', config: { header_name: 'X-Global-Id', generator: 'uuid' } });
    await settle();
    expect((await nodeRequest(port, '/open')).json.headers['x-global-id']).toMatch(new RegExp(`^${UUID}$`));
    expect((await nodeRequest(port, '/counter')).json.headers['x-global-id']).toBeUndefined();
    await gw.admin('DELETE', `/plugins/${g.body.id}`);
    await settle();
  });
});
