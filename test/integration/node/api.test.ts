import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FilteringNode } from '../../../src/node/index.js';
import { call, startNode, type RunningNode } from './helpers.js';

let n: RunningNode;
beforeAll(async () => { n = await startNode({ mode: 'monitoring' }); });
afterAll(async () => { await n.stop(); });

const inspect = (uri: string, ip: string, extra: Record<string, unknown> = {}) =>
  call(`${n.url}/v1/inspect`, { method: 'POST', json: { method: 'GET', uri, headers: { Host: 'api.example.com' }, client_ip: ip, ...extra } });

describe('attacks and hits API', () => {
  it('filters and paginates attacks and hits', async () => {
    for (let i = 0; i < 6; i++) await inspect(`/files/${i}?f=../../../../etc/passwd`, `192.0.2.${i + 1}`);
    for (let i = 0; i < 4; i++) await inspect(`/s/${i}?q=1'+UNION+SELECT+password+FROM+users--`, '192.0.2.100', { mode: 'block' });
    await inspect('/fine', '192.0.2.200');

    const all = await call(`${n.url}/v1/attacks?limit=100`);
    expect(all.status).toBe(200);
    const types = new Set(all.body.data.map((a: any) => a.type));
    expect(types.has('ptrav') && types.has('sqli')).toBe(true);

    const sqli = await call(`${n.url}/v1/attacks?type=sqli&limit=100`);
    expect(sqli.body.data.every((a: any) => a.type === 'sqli' && a.status === 'Blocked')).toBe(true);
    const byIp = await call(`${n.url}/v1/attacks?ip=192.0.2.3`);
    expect(byIp.body.data.length).toBeGreaterThan(0);
    expect(byIp.body.data.every((a: any) => a.ips.includes('192.0.2.3'))).toBe(true);
    const mon = await call(`${n.url}/v1/attacks?verdict=monitored&limit=100`);
    expect(mon.body.data.every((a: any) => a.monitored > 0)).toBe(true);

    const p1 = await call(`${n.url}/v1/hits?type=ptrav&limit=4`);
    expect(p1.body.data).toHaveLength(4);
    expect(p1.body.next_offset).toBe(4);
    const p2 = await call(`${n.url}/v1/hits?type=ptrav&limit=4&offset=${p1.body.next_offset}`);
    const ids = new Set([...p1.body.data, ...p2.body.data].map((h: any) => h.id));
    expect(ids.size).toBe(p1.body.data.length + p2.body.data.length);
    const blocked = await call(`${n.url}/v1/hits?verdict=blocked&limit=100`);
    expect(blocked.body.data.length).toBeGreaterThan(0);
    expect(blocked.body.data.every((h: any) => h.verdict === 'blocked' && h.client_ip === '192.0.2.100')).toBe(true);
    const h = blocked.body.data[0];
    expect(h.request_id).toMatch(/^[0-9a-f]{32}$/);
    expect(Date.parse(h.time)).toBeGreaterThan(0);
    const future = await call(`${n.url}/v1/hits?from=${new Date(Date.now() + 60_000).toISOString()}`);
    expect(future.body.total).toBe(0);
    const past = await call(`${n.url}/v1/hits?to=${Date.now() - 3600_000}`);
    expect(past.body.total).toBe(0);

    const one = await call(`${n.url}/v1/hits/${h.id}`);
    expect(one.body.id).toBe(h.id);
    const att = await call(`${n.url}/v1/attacks/${h.attack_id}`);
    expect(att.body.id).toBe(h.attack_id);
    const attHits = await call(`${n.url}/v1/attacks/${h.attack_id}/hits`);
    expect(attHits.body.data.every((x: any) => x.attack_id === h.attack_id)).toBe(true);

    const bad = await call(`${n.url}/v1/hits?limit=0`);
    expect(bad.status).toBe(400);
    expect((await call(`${n.url}/v1/hits?from=yesterday`)).status).toBe(400);
    expect((await call(`${n.url}/v1/hits/nope`)).status).toBe(404);
    const tl = await call(`${n.url}/v1/stats/timeline?buckets=12`);
    expect(tl.body.series.ptrav.reduce((a: number, b: number) => a + b, 0)).toBeGreaterThan(0);
  });

  it('false positive in one step: POST /v1/hits/{id}/false-positive creates a disable rule', async () => {
    const r = await inspect('/q?x=1%27%20UNION%20SELECT%20password%20FROM%20users--', '192.0.2.150', { mode: 'block' });
    expect(r.status).toBe(403);
    const hit = r.body.hits.find((x: any) => x.point[0][0] === 'get');
    const stored = (await call(`${n.url}/v1/hits?request_id=${r.body.request_id}`)).body.data.find((x: any) => x.point[0][0] === 'get');
    const fp = await call(`${n.url}/v1/hits/${stored.id}/false-positive`, { method: 'POST', json: {} });
    expect(fp.status).toBe(201);
    expect(fp.body.rule).toMatchObject({ action: 'disable_attack_type', types: [hit.type], point: hit.point, path: '= /q', source: 'false_positive' });
    const again = await inspect('/q?x=1%27%20UNION%20SELECT%20password%20FROM%20users--', '192.0.2.150', { mode: 'block' });
    expect(again.body.hits.find((x: any) => x.point[0][0] === 'get')).toBeUndefined();
    expect((await call(`${n.url}/v1/rules/${fp.body.rule.id}`)).status).toBe(200);
    expect((await call(`${n.url}/v1/rules/${fp.body.rule.id}`, { method: 'DELETE' })).status).toBe(204);
  });
});

describe('IP lists, rules and mode over the API', () => {
  it('IP list CRUD and check', async () => {
    const c = await call(`${n.url}/v1/iplists`, { method: 'POST', json: { ip: '198.51.100.0/24', list: 'deny', reason: 'scanner farm', ttl: 600 } });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ ip: '198.51.100.0/24', list: 'deny', reason: 'scanner farm', source: 'manual' });
    const chk = await call(`${n.url}/v1/iplists/check?ip=198.51.100.7`);
    expect(chk.body.list).toBe('deny');
    const blocked = await inspect('/', '198.51.100.7');
    expect(blocked.status).toBe(403);
    expect(blocked.body.hits[0].type).toBe('blocked_source');
    const list = await call(`${n.url}/v1/iplists?list=deny`);
    expect(list.body.data.some((e: any) => e.id === c.body.id)).toBe(true);
    const patched = await call(`${n.url}/v1/iplists/${c.body.id}`, { method: 'PATCH', json: { list: 'gray' } });
    expect(patched.body.list).toBe('gray');
    expect((await call(`${n.url}/v1/iplists/${c.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(`${n.url}/v1/iplists/${c.body.id}`)).status).toBe(404);
    const bad = await call(`${n.url}/v1/iplists`, { method: 'POST', json: { ip: '1.2.3.4', list: 'deny', ttl: 10 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 400, field: 'ttl' });
    const many = await call(`${n.url}/v1/iplists`, { method: 'POST', json: { entries: [{ ip: '2001:db8::/48', list: 'allow', ttl: 'forever' }, { ip: '203.0.113.9', list: 'gray' }] } });
    expect(many.status).toBe(201);
    expect(many.body.total).toBe(2);
    expect((await call(`${n.url}/v1/iplists`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' })).status).toBe(400);
  });

  it('rules CRUD and mode', async () => {
    const r = await call(`${n.url}/v1/rules`, { method: 'POST', json: { action: 'vpatch', path: '= /wp-login.php' } });
    expect(r.status).toBe(201);
    expect((await inspect('/wp-login.php', '192.0.2.201')).status).toBe(403); // vpatch blocks in monitoring
    expect((await call(`${n.url}/v1/rules?action=vpatch`)).body.data.some((x: any) => x.id === r.body.id)).toBe(true);
    const bad = await call(`${n.url}/v1/rules`, { method: 'POST', json: { action: 'regex', regex: '(' , attack_type: 'sqli' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('regex');
    expect((await call(`${n.url}/v1/rules/${r.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await inspect('/wp-login.php', '192.0.2.201')).status).toBe(200);
    expect((await call(`${n.url}/v1/mode`)).body.mode).toBe('monitoring');
    expect((await call(`${n.url}/v1/mode`, { method: 'PUT', json: { mode: 'block' } })).body.mode).toBe('block');
    expect((await call(`${n.url}/v1/mode`, { method: 'PUT', json: { mode: 'nope' } })).status).toBe(400);
    await call(`${n.url}/v1/mode`, { method: 'PUT', json: { mode: 'monitoring' } });
    expect((await call(`${n.url}/v1/status`)).body).toMatchObject({ state: 'running', mode: 'monitoring' });
  });
});

describe('health, metrics, security', () => {
  const extra: RunningNode[] = [];
  afterEach(async () => { for (const x of extra.splice(0)) await x.stop(); });

  it('/live and /ready (503 while starting and stopping)', async () => {
    expect((await call(`${n.url}/live`)).status).toBe(200);
    expect((await call(`${n.url}/ready`)).body).toMatchObject({ status: 'ready' });
    const x = await startNode();
    extra.push(x);
    x.node.state = 'stopping';
    const r = await call(`${x.url}/ready`);
    expect(r.status).toBe(503);
    expect(r.body.status).toBe('stopping');
    x.node.state = 'running';
  });

  it('metrics on a per-instance registry', async () => {
    n.node.recordFailOpen('timeout');
    const m = await call(`${n.url}/metrics`);
    expect(m.status).toBe(200);
    for (const needle of [
      'portcullis_node_messages_total{type="request",result="processed"}',
      'portcullis_node_requests_analyzed_total{path="inline"}',
      'portcullis_node_attacks_total{type="ptrav",source="detector"}',
      'portcullis_node_attacks_blocked_total{type="blocked_source",source="denylist"}',
      'portcullis_node_requests_blocked_total{reason="denylist"}',
      'portcullis_node_acl_total{list="deny"}',
      'portcullis_node_fail_open_total{reason="timeout"} 1',
      'portcullis_node_inspect_duration_seconds_bucket',
      'portcullis_node_mode{mode="monitoring"} 1',
      'portcullis_node_iplist_entries{list="allow"}',
    ]) expect(m.text, needle).toContain(needle);
    // two nodes in one process do not share counters
    const x = await startNode();
    extra.push(x);
    expect((await call(`${x.url}/metrics`)).text).not.toContain('fail_open_total{reason="timeout"} 1');
  });

  it('token required for API and console data when exposed; connectors gated by allowed_networks', async () => {
    expect(() => new FilteringNode({ prefix: n.prefix, listen: [{ host: '0.0.0.0', port: 0 }], env: {} })).toThrow(/token/);
    const x = await startNode({ requireToken: true, token: 's3cret' });
    extra.push(x);
    expect((await call(`${x.url}/v1/hits`)).status).toBe(401);
    expect((await call(`${x.url}/metrics`)).status).toBe(401);
    expect((await call(`${x.url}/v1/hits`, { headers: { authorization: 'Bearer wrong!' } })).status).toBe(401);
    expect((await call(`${x.url}/v1/hits`, { headers: { authorization: 'Bearer s3cret' } })).status).toBe(200);
    expect((await call(`${x.url}/console`)).status).toBe(200); // the page holds no data; its API calls need the token
    expect((await call(`${x.url}/live`)).status).toBe(200);
    const env = await startNode({ env: { PORTCULLIS_NODE_TOKEN: 'from-env' }, requireToken: true });
    extra.push(env);
    expect((await call(`${env.url}/v1/status`, { headers: { authorization: 'Bearer from-env' } })).status).toBe(200);

    const y = await startNode({ config: { allowed_networks: ['10.0.0.0/8'], allowed_hosts: ['*.example.com'] } });
    extra.push(y);
    const denied = await call(`${y.url}/v1/inspect`, { method: 'POST', json: { method: 'GET', uri: '/' } });
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toMatch(/not allowed/);
    const z = await startNode({ config: { allowed_networks: ['127.0.0.0/8', '::1/128'], allowed_hosts: ['*.example.com'] } });
    extra.push(z);
    const ok = await call(`${z.url}/v1/inspect`, { method: 'POST', json: { method: 'GET', uri: '/', headers: { Host: 'a.example.com' } } });
    expect(ok.status).toBe(200);
    const host = await call(`${z.url}/v1/inspect`, { method: 'POST', json: { method: 'GET', uri: '/', headers: { Host: 'evil.test' } } });
    expect(host.status).toBe(415);
  });

  it('in-process inspect() and HTTP share one attack log and one set of metrics', async () => {
    const v = n.node.inspect({ method: 'GET', url: '/etc/passwd', headers: [['Host', 'inproc.example.com']], clientIp: '192.0.2.77' });
    expect(v.hits.length).toBeGreaterThan(0);
    n.node.reportResponse(v.requestId, 200);
    const hits = await call(`${n.url}/v1/hits?host=inproc.example.com`);
    expect(hits.body.data[0]).toMatchObject({ request_id: v.requestId, response_status: 200, client_ip: '192.0.2.77' });
  });
});
