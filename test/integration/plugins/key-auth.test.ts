import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { echoServer, nodeRequest, type Upstream } from '../../helpers/upstream.js';

let gw: TestGateway;
let up: Upstream;
let port: number;
let alice: any;

beforeAll(async () => {
  up = await echoServer();
  gw = await startGateway();
  port = gw.gateway.addresses.proxy[0]!.port;
  await gw.admin('POST', '/services', { name: 'svc', url: up.url });
  await gw.admin('POST', '/services/svc/routes', { name: 'plain', paths: ['/plain'] });
  await gw.admin('POST', '/services/svc/routes', { name: 'hidden', paths: ['/hidden'] });
  await gw.admin('POST', '/services/svc/routes', { name: 'anon', paths: ['/anon'] });
  await gw.admin('POST', '/services/svc/routes', { name: 'body', paths: ['/body'] });
  alice = (await gw.admin('POST', '/consumers', { username: 'alice', custom_id: 'A1' })).body;
  await gw.admin('POST', '/consumers', { username: 'guest' });
  await gw.admin('POST', '/consumers/alice/key-auth', { key: 'k-alice' });
  await gw.admin('POST', '/routes/plain/plugins', { name: 'key-auth', config: { realm: 'zone' } });
  await gw.admin('POST', '/routes/hidden/plugins', { name: 'key-auth', config: { hide_credentials: true, key_names: ['apikey', 'x-api-key'] } });
  await gw.admin('POST', '/routes/anon/plugins', { name: 'key-auth', config: { anonymous: 'guest' } });
  await gw.admin('POST', '/routes/body/plugins', { name: 'key-auth', config: { key_in_body: true } });
  await new Promise((r) => setTimeout(r, 20));
});
afterAll(async () => {
  await gw?.stop();
  await up?.close();
});

describe('key-auth', () => {
  it('has Kong schema defaults and refuses consumer scope', async () => {
    const s = await gw.admin('GET', '/plugins?size=1000');
    const p = s.body.data.find((x: any) => x.route && x.config.realm === 'zone');
    expect(p.config).toEqual({ key_names: ['apikey'], hide_credentials: false, anonymous: null, key_in_header: true, key_in_query: true, key_in_body: false, run_on_preflight: true, realm: 'zone' });
    const bad = await gw.admin('POST', `/consumers/alice/plugins`, { name: 'key-auth' });
    expect(bad.body.fields).toEqual({ consumer: 'value must be null' });
  });

  it('answers 401 without a key, with an unknown key, and for duplicates', async () => {
    const none = await nodeRequest(port, '/plain');
    expect(none.status).toBe(401);
    expect(none.json.message).toBe('No API key found in request');
    expect(none.headers['www-authenticate']).toBe('Key realm="zone"');
    const wrong = await nodeRequest(port, '/plain', { headers: { apikey: 'nope' } });
    expect(wrong.status).toBe(401);
    expect(wrong.json.message).toBe('Unauthorized');
    const dup = await nodeRequest(port, '/plain?apikey=k-alice', { headers: { apikey: 'k-alice' } });
    expect(dup.status).toBe(401);
    expect(dup.json.message).toBe('Duplicate API key found');
  });

  it('authenticates from header or query and sets consumer headers', async () => {
    const r = await nodeRequest(port, '/plain', { headers: { apikey: 'k-alice' } });
    expect(r.status).toBe(200);
    expect(r.json.headers['x-consumer-id']).toBe(alice.id);
    expect(r.json.headers['x-consumer-username']).toBe('alice');
    expect(r.json.headers['x-consumer-custom-id']).toBe('A1');
    expect(r.json.headers['x-credential-identifier']).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.json.headers['x-anonymous-consumer']).toBeUndefined();
    const q = await nodeRequest(port, '/plain?apikey=k-alice&x=1');
    expect(q.status).toBe(200);
    expect(q.json.url).toBe('/?apikey=k-alice&x=1'); // strip_path removed /plain
  });

  it('hides credentials when asked', async () => {
    const h = await nodeRequest(port, '/hidden', { headers: { 'x-api-key': 'k-alice' } });
    expect(h.status).toBe(200);
    expect(h.json.headers['x-api-key']).toBeUndefined();
    const q = await nodeRequest(port, '/hidden?apikey=k-alice&keep=1');
    expect(q.json.url).toBe('/?keep=1');
  });

  it('falls back to the anonymous consumer', async () => {
    const r = await nodeRequest(port, '/anon');
    expect(r.status).toBe(200);
    expect(r.json.headers['x-consumer-username']).toBe('guest');
    expect(r.json.headers['x-anonymous-consumer']).toBe('true');
  });

  it('reads keys from the body when enabled', async () => {
    const r = await nodeRequest(port, '/body', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'apikey=k-alice&other=1' });
    expect(r.status).toBe(200);
    expect(r.json.body).toBe('apikey=k-alice&other=1');
    expect(r.json.headers['x-consumer-username']).toBe('alice');
    const chunked = await nodeRequest(port, '/body', { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: '{"apikey":"k-alice"}' });
    expect(chunked.status).toBe(200);
    expect(chunked.json.body).toBe('{"apikey":"k-alice"}');
    expect(chunked.json.headers['content-length']).toBe('20');
  });
});

describe('request-termination', () => {
  it('answers with the configured status and message', async () => {
    await gw.admin('POST', '/services/svc/routes', { name: 'closed', paths: ['/closed'] });
    await gw.admin('POST', '/routes/closed/plugins', { name: 'request-termination', config: { status_code: 403, message: 'So long and thanks for all the fish!' } });
    await gw.admin('POST', '/services/svc/routes', { name: 'raw', paths: ['/raw'] });
    await gw.admin('POST', '/routes/raw/plugins', { name: 'request-termination', config: { status_code: 200, body: '<h1>maintenance</h1>', content_type: 'text/html' } });
    await new Promise((r) => setTimeout(r, 20));
    const r = await nodeRequest(port, '/closed');
    expect(r.status).toBe(403);
    expect(r.json.message).toBe('So long and thanks for all the fish!');
    const raw = await nodeRequest(port, '/raw');
    expect(raw.status).toBe(200);
    expect(raw.text).toBe('<h1>maintenance</h1>');
    expect(raw.headers['content-type']).toBe('text/html');
    const bad = await gw.admin('POST', '/plugins', { name: 'request-termination', config: { message: 'x', body: 'y' } });
    expect(bad.status).toBe(400);
  });
});
