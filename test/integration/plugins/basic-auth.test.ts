import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { echoServer, nodeRequest, type Upstream } from '../../helpers/upstream.js';

let gw: TestGateway;
let up: Upstream;
let port: number;
let alice: any;
const settle = () => new Promise((r) => setTimeout(r, 20));
const basic = (user: string, pass: string) => 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');

beforeAll(async () => {
  up = await echoServer();
  gw = await startGateway();
  port = gw.gateway.addresses.proxy[0]!.port;
  await gw.admin('POST', '/services', { name: 'svc', url: up.url });
  for (const name of ['plain', 'hidden', 'anon', 'ghost', 'either', 'open']) await gw.admin('POST', '/services/svc/routes', { name, paths: [`/${name}`] });
  alice = (await gw.admin('POST', '/consumers', { username: 'alice', custom_id: 'A1' })).body;
  await gw.admin('POST', '/consumers', { username: 'guest' });
  await gw.admin('POST', '/consumers', { username: 'bob' });
  await gw.admin('POST', '/consumers/alice/basic-auth', { username: 'alice-user', password: 'open:sesame' });
  await gw.admin('POST', '/consumers/bob/key-auth', { key: 'k-bob' });
  await gw.admin('POST', '/routes/plain/plugins', { name: 'basic-auth' });
  await gw.admin('POST', '/routes/hidden/plugins', { name: 'basic-auth', config: { hide_credentials: true, realm: 'vault' } });
  await gw.admin('POST', '/routes/anon/plugins', { name: 'basic-auth', config: { anonymous: 'guest' } });
  await gw.admin('POST', '/routes/ghost/plugins', { name: 'basic-auth', config: { anonymous: 'nobody' } });
  await gw.admin('POST', '/routes/either/plugins', { name: 'basic-auth', config: { anonymous: 'guest' } });
  await gw.admin('POST', '/routes/either/plugins', { name: 'key-auth', config: { anonymous: 'guest' } });
  await settle();
});
afterAll(async () => {
  await gw?.stop();
  await up?.close();
});

describe('basic-auth schema', () => {
  it('fills Kong defaults and refuses a consumer scope', async () => {
    const p = await gw.admin('POST', '/plugins', { name: 'basic-auth', route: { name: 'open' }, enabled: false });
    expect(p.status).toBe(201);
    expect(p.body.config).toEqual({ anonymous: null, hide_credentials: false, realm: 'service' });
    expect(p.body.protocols).toEqual(['grpc', 'grpcs', 'http', 'https']);
    const c = await gw.admin('POST', '/consumers/alice/plugins', { name: 'basic-auth' });
    expect(c.status).toBe(400);
    expect(c.body.fields).toEqual({ consumer: 'value must be null' });
  });

  it('reports field errors', async () => {
    const r = await gw.admin('POST', '/plugins', { name: 'basic-auth', config: { hide_credentials: 'yes', realm: 5, nope: 1 } });
    expect(r.status).toBe(400);
    expect(r.body.fields).toEqual({ config: { hide_credentials: 'expected a boolean', realm: 'expected a string', nope: 'unknown field' } });
    expect(r.body.message).toBe('3 schema violations (config.hide_credentials: expected a boolean; config.nope: unknown field; config.realm: expected a string)');
  });

  it('stores the password as sha1(password .. consumer id)', async () => {
    const r = await gw.admin('GET', '/consumers/alice/basic-auth/alice-user');
    expect(r.body.password).toBe(crypto.createHash('sha1').update('open:sesame' + alice.id).digest('hex'));
  });
});

describe('basic-auth proxy', () => {
  it('answers 401 Unauthorized without credentials, with the realm challenge', async () => {
    const r = await nodeRequest(port, '/plain');
    expect(r.status).toBe(401);
    expect(r.json.message).toBe('Unauthorized');
    expect(r.headers['www-authenticate']).toBe('Basic realm="service"');
    const h = await nodeRequest(port, '/hidden');
    expect(h.headers['www-authenticate']).toBe('Basic realm="vault"');
  });

  it('answers 401 Invalid authentication credentials for a wrong password, user or scheme', async () => {
    for (const authorization of [basic('alice-user', 'nope'), basic('nobody', 'open:sesame'), 'Bearer abc', 'Basic !!!!', basic('alice-user', '')]) {
      const r = await nodeRequest(port, '/plain', { headers: { authorization } });
      expect(r.status, authorization).toBe(401);
      expect(r.json.message).toBe('Invalid authentication credentials');
      expect(r.headers['www-authenticate']).toBe('Basic realm="service"');
    }
  });

  it('authenticates (password may contain ":") and sets the consumer headers', async () => {
    const r = await nodeRequest(port, '/plain', { headers: { authorization: basic('alice-user', 'open:sesame') } });
    expect(r.status).toBe(200);
    const h = r.json.headers;
    expect(h['x-consumer-id']).toBe(alice.id);
    expect(h['x-consumer-username']).toBe('alice');
    expect(h['x-consumer-custom-id']).toBe('A1');
    expect(h['x-credential-identifier']).toBe('alice-user');
    expect(h['x-anonymous-consumer']).toBeUndefined();
    expect(h['authorization']).toBe(basic('alice-user', 'open:sesame'));
  });

  it('accepts Proxy-Authorization and a lowercase scheme', async () => {
    const p = await nodeRequest(port, '/plain', { headers: { 'proxy-authorization': basic('alice-user', 'open:sesame') } });
    expect(p.status).toBe(200);
    const l = await nodeRequest(port, '/plain', { headers: { authorization: 'basic ' + Buffer.from('alice-user:open:sesame').toString('base64') } });
    expect(l.status).toBe(200);
  });

  it('hides the credentials from the upstream when asked', async () => {
    const r = await nodeRequest(port, '/hidden', { headers: { authorization: basic('alice-user', 'open:sesame') } });
    expect(r.status).toBe(200);
    expect(r.json.headers['authorization']).toBeUndefined();
  });

  it('falls back to the anonymous consumer, or 500 when it does not exist', async () => {
    const r = await nodeRequest(port, '/anon', { headers: { authorization: basic('alice-user', 'bad') } });
    expect(r.status).toBe(200);
    expect(r.json.headers['x-consumer-username']).toBe('guest');
    expect(r.json.headers['x-anonymous-consumer']).toBe('true');
    const g = await nodeRequest(port, '/ghost');
    expect(g.status).toBe(500);
    expect(g.json.message).toBe("anonymous consumer nobody is configured but doesn't exist");
  });

  it('combines with key-auth as a logical OR when both use anonymous', async () => {
    const k = await nodeRequest(port, '/either', { headers: { apikey: 'k-bob' } });
    expect(k.json.headers['x-consumer-username']).toBe('bob');
    const b = await nodeRequest(port, '/either', { headers: { authorization: basic('alice-user', 'open:sesame') } });
    expect(b.json.headers['x-consumer-username']).toBe('alice');
    expect(b.json.headers['x-credential-identifier']).toBe('alice-user');
    const n = await nodeRequest(port, '/either');
    expect(n.json.headers['x-consumer-username']).toBe('guest');
    expect(n.json.headers['x-anonymous-consumer']).toBe('true');
  });

  it('lets a route instance override a global one', async () => {
    const g = await gw.admin('POST', '/plugins', { name: 'basic-auth', config: { realm: 'global' } });
    await settle();
    const open = await nodeRequest(port, '/open');
    expect(open.headers['www-authenticate']).toBe('Basic realm="global"');
    const hidden = await nodeRequest(port, '/hidden');
    expect(hidden.headers['www-authenticate']).toBe('Basic realm="vault"');
    await gw.admin('DELETE', `/plugins/${g.body.id}`);
    await settle();
    expect((await nodeRequest(port, '/open')).status).toBe(200);
  });
});
