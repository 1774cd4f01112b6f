import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { echoServer, nodeRequest, type Upstream } from '../../helpers/upstream.js';

let gw: TestGateway;
let up: Upstream;

beforeAll(async () => {
  up = await echoServer();
  gw = await startGateway({ KONG_PLUGINS: 'bundled,header-stamp', PORTCULLIS_PLUGINS_PATH: path.resolve(import.meta.dirname, '../../fixtures/custom-plugins') });
});
afterAll(async () => {
  await gw?.stop();
  await up?.close();
});

describe('custom plugins from PORTCULLIS_PLUGINS_PATH', () => {
  it('loads a plugin folder and enables it through the admin API', async () => {
    const root = await gw.admin('GET', '/');
    expect(root.body.plugins.available_on_server['header-stamp']).toEqual({ version: '0.1.0', priority: 800 });
    const schema = await gw.admin('GET', '/schemas/plugins/header-stamp');
    expect(schema.status).toBe(200);
    const missing = await gw.admin('POST', '/plugins', { name: 'header-stamp' });
    expect(missing.body.fields).toEqual({ config: { value: 'required field missing' } });
    await gw.admin('POST', '/services', { name: 's', url: up.url });
    await gw.admin('POST', '/services/s/routes', { paths: ['/c'] });
    const p = await gw.admin('POST', '/plugins', { name: 'header-stamp', config: { value: 'stamped' } });
    expect(p.status).toBe(201);
    expect(p.body.config).toEqual({ header: 'X-Stamp', value: 'stamped' });
    await new Promise((r) => setTimeout(r, 20));
    const r = await nodeRequest(gw.gateway.addresses.proxy[0]!.port, '/c');
    expect(r.json.headers['x-stamp']).toBe('stamped');
    expect(r.headers['x-stamp']).toBe('stamped');
  });
});
