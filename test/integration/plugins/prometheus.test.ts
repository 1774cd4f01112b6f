import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { echoServer, nodeRequest, type Upstream } from '../../helpers/upstream.js';
import { sleep } from '../../helpers/time.js';

let gw: TestGateway;
let up: Upstream;
let port: number;

const metrics = async () => {
  const r = await gw.admin('GET', '/metrics');
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toBe('text/plain; charset=UTF-8');
  return r.text;
};

beforeAll(async () => {
  up = await echoServer();
  gw = await startGateway();
  port = gw.gateway.addresses.proxy[0]!.port;
  await gw.admin('POST', '/services', { name: 'svc', url: up.url });
  await gw.admin('POST', '/services/svc/routes', { name: 'all', paths: ['/all'] });
  await gw.admin('POST', '/services/svc/routes', { name: 'plain', paths: ['/plain'] });
  await gw.admin('POST', '/routes/all/plugins', { name: 'key-auth', config: { anonymous: 'anon' } });
  await gw.admin('POST', '/consumers', { username: 'anon' });
  await gw.admin('POST', '/routes/all/plugins', {
    name: 'prometheus',
    config: { per_consumer: true, status_code_metrics: true, latency_metrics: true, bandwidth_metrics: true, upstream_health_metrics: true },
  });
  await gw.admin('POST', '/routes/plain/plugins', { name: 'prometheus' });
  await gw.admin('POST', '/upstreams', { name: 'up1' });
  await gw.admin('POST', '/upstreams/up1/targets', { target: '127.0.0.1:8001' });
  await sleep(20);
});
afterAll(async () => {
  await gw?.stop();
  await up?.close();
});

describe('prometheus', () => {
  it('has Kong 3.x defaults (high-cardinality metrics off)', async () => {
    const r = await gw.admin('GET', '/routes/plain/plugins');
    expect(r.body.data[0].config).toEqual({
      per_consumer: false,
      status_code_metrics: false,
      ai_metrics: false,
      latency_metrics: false,
      bandwidth_metrics: false,
      upstream_health_metrics: false,
    });
  });

  it('exports Kong metric names, labels and buckets', async () => {
    await nodeRequest(port, '/all');
    await nodeRequest(port, '/all/status/404');
    await nodeRequest(port, '/plain');
    const text = await metrics();
    expect(text).toContain('kong_http_requests_total{service="svc",route="all",code="200",source="service",workspace="default",consumer="anon"} 1');
    expect(text).toContain('kong_http_requests_total{service="svc",route="all",code="404",source="service",workspace="default",consumer="anon"} 1');
    expect(text).not.toMatch(/kong_http_requests_total\{[^}]*route="plain"/);
    expect(text).toMatch(/kong_kong_latency_ms_bucket\{le="1",service="svc",route="all",workspace="default"\} \d+/);
    expect(text).toMatch(/kong_kong_latency_ms_bucket\{le="1000",service="svc",route="all",workspace="default"\} 2/);
    expect(text).toMatch(/kong_upstream_latency_ms_bucket\{le="60000",service="svc",route="all",workspace="default"\} 2/);
    expect(text).toMatch(/kong_request_latency_ms_count\{service="svc",route="all",workspace="default"\} 2/);
    expect(text).toMatch(/kong_bandwidth_bytes\{service="svc",route="all",direction="ingress",workspace="default",consumer="anon"\} \d+/);
    expect(text).toMatch(/kong_bandwidth_bytes\{service="svc",route="all",direction="egress",workspace="default",consumer="anon"\} \d+/);
    expect(text).toContain('# TYPE kong_nginx_connections_total gauge');
    expect(text).toMatch(/kong_nginx_connections_total\{node_id="[0-9a-f-]{36}",subsystem="http",state="total"\} \d+/);
    expect(text).toContain('kong_datastore_reachable 1');
    expect(text).toMatch(/kong_node_info\{node_id="[0-9a-f-]{36}",version="3\.10\.0"\} 1/);
    expect(text).toMatch(/kong_memory_workers_lua_vms_bytes\{node_id="[0-9a-f-]{36}",pid="\d+",kong_subsystem="http"\} \d+/);
    expect(text).toContain('kong_upstream_target_health{upstream="up1",target="127.0.0.1:8001",address="127.0.0.1:8001",state="healthchecks_off",subsystem="http"} 1');
    expect(text).toContain('kong_upstream_target_health{upstream="up1",target="127.0.0.1:8001",address="127.0.0.1:8001",state="healthy",subsystem="http"} 0');
  });

  it('counts Kong-generated responses with source="kong"', async () => {
    await gw.admin('POST', '/services/svc/routes', { name: 'term', paths: ['/term'] });
    await gw.admin('POST', '/routes/term/plugins', { name: 'request-termination', config: { status_code: 418 } });
    await gw.admin('POST', '/routes/term/plugins', { name: 'prometheus', config: { status_code_metrics: true } });
    await sleep(20);
    await nodeRequest(port, '/term');
    const text = await metrics();
    expect(text).toContain('kong_http_requests_total{service="svc",route="term",code="418",source="kong",workspace="default",consumer=""} 1');
  });

  it('keeps one registry per gateway', async () => {
    const other = await startGateway();
    try {
      const r = await other.admin('GET', '/metrics');
      expect(r.status).toBe(200);
      expect(r.text).not.toContain('route="all"');
    } finally {
      await other.stop();
    }
  });
});
