// Kong's Status API (status_listen): /status, /status/ready with Kong's readiness rules, plugin status routes.
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';

const started: TestGateway[] = [];
afterEach(async () => {
  for (const g of started.splice(0)) await g.stop();
});

async function start(env: Record<string, string>): Promise<{ gw: TestGateway; status: string }> {
  const gw = await startGateway({ KONG_STATUS_LISTEN: '127.0.0.1:0', ...env });
  started.push(gw);
  const a = gw.gateway.addresses.status[0]!;
  return { gw, status: `http://127.0.0.1:${a.port}` };
}

async function get(url: string): Promise<{ status: number; json: any; type: string | null }> {
  const r = await fetch(url);
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null, type: r.headers.get('content-type') };
}

describe('status API', () => {
  it('is not ready in DB-less mode until a configuration is loaded', async () => {
    const { gw, status } = await start({ KONG_DATABASE: 'off' });
    expect(await get(`${status}/status/ready`)).toMatchObject({ status: 503, json: { message: 'no configuration available' } });
    const load = await gw.admin('POST', '/config', { _format_version: '3.0', services: [{ name: 's', url: 'http://127.0.0.1:9' }] });
    expect(load.status).toBe(201);
    const ready = await get(`${status}/status/ready`);
    expect(ready).toMatchObject({ status: 200, json: { message: 'ready' } });
    expect(ready.type).toMatch(/^application\/json/);
    const s = await get(`${status}/status`);
    expect(s.status).toBe(200);
    expect(s.json.configuration_hash).toMatch(/^[0-9a-f]{32}$/);
    expect(s.json.configuration_hash).not.toBe('0'.repeat(32));
    expect(s.json.server).toHaveProperty('total_requests');
  });

  it('is ready with a database, is read-only, and serves plugin status routes', async () => {
    const { gw, status } = await start({});
    expect(await get(`${status}/status/ready`)).toMatchObject({ status: 200, json: { message: 'ready' } });
    expect((await get(`${status}/status`)).json.database).toEqual({ reachable: true });
    // the admin API's entities are not on this listener
    expect(await get(`${status}/services`)).toMatchObject({ status: 404, json: { message: 'Not found' } });
    const post = await fetch(`${status}/status`, { method: 'POST' });
    expect(post.status).toBe(405);
    await post.text();
    expect((await gw.admin('POST', '/plugins', { name: 'prometheus' })).status).toBe(201);
    const metrics = await fetch(`${status}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('kong_nginx_connections_total');
  });

  it('reports upstream health', async () => {
    const { gw, status } = await start({});
    expect((await gw.admin('POST', '/upstreams', { name: 'u1' })).status).toBe(201);
    expect((await gw.admin('POST', '/upstreams/u1/targets', { target: '127.0.0.1:9', weight: 10 })).status).toBe(201);
    const h = await get(`${status}/upstreams/u1/health`);
    expect(h.status).toBe(200);
    expect(h.json.data).toHaveLength(1);
    expect(h.json.data[0]).toMatchObject({ target: '127.0.0.1:9', health: expect.any(String) });
    expect((await get(`${status}/upstreams/nope/health`)).status).toBe(404);
  });
});
