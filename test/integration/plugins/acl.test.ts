import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { echoServer, nodeRequest, type Upstream } from '../../helpers/upstream.js';

let gw: TestGateway;
let up: Upstream;
let port: number;
const settle = () => new Promise((r) => setTimeout(r, 20));

beforeAll(async () => {
  up = await echoServer();
  gw = await startGateway();
  port = gw.gateway.addresses.proxy[0]!.port;
  await gw.admin('POST', '/services', { name: 'svc', url: up.url });
  for (const name of ['admins', 'nodev', 'hidden', 'noauth', 'anon']) await gw.admin('POST', '/services/svc/routes', { name, paths: [`/${name}`] });
  for (const u of ['alice', 'bob', 'guest']) await gw.admin('POST', '/consumers', { username: u });
  await gw.admin('POST', '/consumers/alice/key-auth', { key: 'k-alice' });
  await gw.admin('POST', '/consumers/bob/key-auth', { key: 'k-bob' });
  await gw.admin('POST', '/consumers/alice/acls', { group: 'admin' });
  await gw.admin('POST', '/consumers/alice/acls', { group: 'dev' });
  await gw.admin('POST', '/consumers/bob/acls', { group: 'dev' });
  await gw.admin('POST', '/consumers/guest/acls', { group: 'public' });
  for (const r of ['admins', 'nodev', 'hidden']) await gw.admin('POST', `/routes/${r}/plugins`, { name: 'key-auth' });
  await gw.admin('POST', '/routes/anon/plugins', { name: 'key-auth', config: { anonymous: 'guest' } });
  await gw.admin('POST', '/routes/admins/plugins', { name: 'acl', config: { allow: ['admin'] } });
  await gw.admin('POST', '/routes/nodev/plugins', { name: 'acl', config: { deny: ['dev'] } });
  await gw.admin('POST', '/routes/hidden/plugins', { name: 'acl', config: { allow: ['dev'], hide_groups_header: true } });
  await gw.admin('POST', '/routes/noauth/plugins', { name: 'acl', config: { allow: ['dev'] } });
  await gw.admin('POST', '/routes/anon/plugins', { name: 'acl', config: { allow: ['public', 'admin'] } });
  await settle();
});
afterAll(async () => {
  await gw?.stop();
  await up?.close();
});

describe('acl schema', () => {
  it('fills defaults, accepts the whitelist shorthand and refuses a consumer scope', async () => {
    const p = await gw.admin('POST', '/plugins', { name: 'acl', config: { whitelist: ['x'] }, enabled: false });
    expect(p.status).toBe(201);
    expect(p.body.config).toEqual({ allow: ['x'], deny: null, hide_groups_header: false, always_use_authenticated_groups: false });
    await gw.admin('DELETE', `/plugins/${p.body.id}`);
    const c = await gw.admin('POST', '/consumers/alice/plugins', { name: 'acl', config: { allow: ['x'] } });
    expect(c.body.fields).toEqual({ consumer: 'value must be null' });
  });

  it('requires exactly one of allow and deny', async () => {
    const none = await gw.admin('POST', '/plugins', { name: 'acl' });
    expect(none.status).toBe(400);
    expect(none.body.message).toBe("schema violation (at least one of these fields must be non-empty: 'config.allow', 'config.deny')");
    const both = await gw.admin('POST', '/plugins', { name: 'acl', config: { allow: ['a'], deny: ['b'] } });
    expect(both.body.fields).toEqual({ '@entity': ["only one of these fields must be non-empty: 'config.allow', 'config.deny'"] });
    const empty = await gw.admin('POST', '/plugins', { name: 'acl', config: { allow: [] } });
    expect(empty.status).toBe(400);
  });
});

describe('acl proxy', () => {
  it('allows members of an allowed group and sets X-Consumer-Groups', async () => {
    const r = await nodeRequest(port, '/admins', { headers: { apikey: 'k-alice' } });
    expect(r.status).toBe(200);
    expect(r.json.headers['x-consumer-groups']).toBe('admin, dev');
  });

  it('answers 403 to consumers outside the allow list or inside the deny list', async () => {
    const r = await nodeRequest(port, '/admins', { headers: { apikey: 'k-bob' } });
    expect(r.status).toBe(403);
    expect(r.json.message).toBe('You cannot consume this service');
    expect((await nodeRequest(port, '/nodev', { headers: { apikey: 'k-alice' } })).status).toBe(403);
  });

  it('hides the groups header when asked', async () => {
    const r = await nodeRequest(port, '/hidden', { headers: { apikey: 'k-bob' } });
    expect(r.status).toBe(200);
    expect(r.json.headers['x-consumer-groups']).toBeUndefined();
  });

  it('answers 401 when no consumer was identified', async () => {
    const r = await nodeRequest(port, '/noauth');
    expect(r.status).toBe(401);
    expect(r.json.message).toBe('Unauthorized');
  });

  it('uses the anonymous consumer groups', async () => {
    const r = await nodeRequest(port, '/anon');
    expect(r.status).toBe(200);
    expect(r.json.headers['x-consumer-groups']).toBe('public');
    expect((await nodeRequest(port, '/anon', { headers: { apikey: 'k-bob' } })).status).toBe(403);
  });

  it('follows group changes made through the admin API', async () => {
    const g = await gw.admin('POST', '/consumers/bob/acls', { group: 'admin' });
    expect(g.status).toBe(201);
    await settle();
    const r = await nodeRequest(port, '/admins', { headers: { apikey: 'k-bob' } });
    expect(r.status).toBe(200);
    expect(r.json.headers['x-consumer-groups']).toBe('dev, admin');
    await gw.admin('DELETE', `/consumers/bob/acls/${g.body.id}`);
    await settle();
    expect((await nodeRequest(port, '/admins', { headers: { apikey: 'k-bob' } })).status).toBe(403);
  });

  it('applies a global acl to every route, overridden by a route instance', async () => {
    await gw.admin('POST', '/services/svc/routes', { name: 'extra', paths: ['/extra'] });
    await gw.admin('POST', '/routes/extra/plugins', { name: 'key-auth' });
    const g = await gw.admin('POST', '/plugins', { name: 'acl', config: { deny: ['admin'] } });
    await settle();
    expect((await nodeRequest(port, '/extra', { headers: { apikey: 'k-alice' } })).status).toBe(403);
    expect((await nodeRequest(port, '/extra', { headers: { apikey: 'k-bob' } })).status).toBe(200);
    // the route instance wins on /admins
    expect((await nodeRequest(port, '/admins', { headers: { apikey: 'k-alice' } })).status).toBe(200);
    await gw.admin('DELETE', `/plugins/${g.body.id}`);
    await settle();
  });
});
