// The filtering node's shared state with two gateways on one PostgreSQL database: each node's attacks
// listed by the other (tagged with the node that saw them), IP list entries enforced everywhere within
// 1 s (NOTIFY, with the poll as the safety net), credentials never stored, retention bounded.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttackLog } from '../../../src/node/attacklog.js';
import { IpLists } from '../../../src/node/iplists.js';
import { postgresStores } from '../../../src/node/pg/index.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { startGateway, tempDir, type TestGateway } from '../../helpers/gateway.js';
import { pgEnv, startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { echoServer, nodeRequest, type Upstream } from '../../helpers/upstream.js';

let server: TestPostgres;
let up: Upstream;
let database: string;
let confDir: string;
let a: TestGateway;
let b: TestGateway;
let pa: number;
let pb: number;
let nodeA: string;
let nodeB: string;

async function until<T>(what: string, fn: () => Promise<T | false | null | undefined>, ms = 3000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function api(base: string, method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(base + p, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined };
}

beforeAll(async () => {
  server = await startPostgres();
  up = await echoServer();
  const pg = await server.bootstrappedDatabase('node');
  database = pg.database;
  confDir = tempDir();
  const nodeConfig = path.join(confDir, 'node.yaml');
  fs.writeFileSync(nodeConfig, 'attack_log:\n  redact_keys: [password]\n');
  const env = { ...pgEnv(pg), KONG_DB_UPDATE_FREQUENCY: '1', PORTCULLIS_NODE_LISTEN: '127.0.0.1:0', PORTCULLIS_NODE_CONFIG: nodeConfig };
  a = await startGateway(env);
  b = await startGateway(env);
  pa = a.gateway.addresses.proxy[0]!.port;
  pb = b.gateway.addresses.proxy[0]!.port;
  nodeA = `http://127.0.0.1:${a.gateway.addresses.node[0]!.port}`;
  nodeB = `http://127.0.0.1:${b.gateway.addresses.node[0]!.port}`;
  expect((await a.admin('POST', '/services', { name: 'app', url: up.url })).status).toBe(201);
  expect((await a.admin('POST', '/services/app/routes', { name: 'app', paths: ['/app'] })).status).toBe(201);
  expect((await a.admin('POST', '/routes/app/plugins', { name: 'wallarm-plugin', config: { blocking: true } })).status).toBe(201);
  for (const p of [pa, pb]) await until(`WAF on :${p}`, async () => (await nodeRequest(p, '/app/ok')).status === 200);
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await up?.close();
  await server?.stop();
  if (confDir) fs.rmSync(confDir, { recursive: true, force: true });
});

describe('filtering node state on PostgreSQL', () => {
  it("an attack blocked on A is listed by B's attacks API, tagged with A's node id", async () => {
    const r = await nodeRequest(pa, '/app/etc/passwd');
    expect(r.status).toBe(403);
    const rid = r.headers['x-kong-request-id'] as string;
    const hit = await until('hit listed on B', async () => {
      const hits = await api(nodeB, 'GET', `/v1/hits?request_id=${rid}`);
      return hits.body.data.find((h: any) => h.response_status === 403);
    });
    expect(hit).toMatchObject({ type: 'ptrav', verdict: 'blocked', method: 'GET', node_id: a.gateway.nodeId, request_id: rid });

    // B blocks one too: its list holds both nodes' attacks
    expect((await nodeRequest(pb, '/app/etc/passwd')).status).toBe(403);
    const attacks = await until('both nodes listed', async () => {
      const l = await api(nodeB, 'GET', '/v1/attacks?type=ptrav');
      const nodes = new Set(l.body.data.map((x: any) => x.node_id));
      return nodes.has(a.gateway.nodeId) && nodes.has(b.gateway.nodeId) && l.body.data;
    });
    const fromA = attacks.find((x: any) => x.node_id === a.gateway.nodeId);
    expect(fromA).toMatchObject({ type: 'ptrav', status: 'Blocked', ips: ['127.0.0.1'] });
    expect(fromA.blocked).toBeGreaterThanOrEqual(1);
    expect((await api(nodeA, 'GET', '/v1/attacks?type=ptrav')).body.total).toBe(attacks.length);

    const one = await api(nodeB, 'GET', `/v1/attacks/${fromA.id}`);
    expect(one.status).toBe(200);
    expect(one.body.node_id).toBe(a.gateway.nodeId);
    const itsHits = await api(nodeB, 'GET', `/v1/attacks/${fromA.id}/hits`);
    expect(itsHits.body.data.every((h: any) => h.attack_id === fromA.id)).toBe(true);
    expect((await api(nodeB, 'GET', `/v1/hits?ip=127.0.0.1&type=ptrav&verdict=blocked`)).body.total).toBeGreaterThanOrEqual(2);
    const timeline = await api(nodeB, 'GET', `/v1/stats/timeline?buckets=4&from=${Date.now() - 60_000}&to=${Date.now() + 1000}`);
    expect(timeline.body.types).toContain('ptrav');
    expect(timeline.body.series.ptrav.reduce((x: number, y: number) => x + y, 0)).toBeGreaterThanOrEqual(2);

    // a false positive marked on B hides A's hit on every node
    const fp = await api(nodeB, 'POST', `/v1/hits/${hit.id}/false-positive`, { mark_only: true });
    expect(fp.status).toBe(201);
    expect((await api(nodeA, 'GET', `/v1/hits?request_id=${rid}`)).body.total).toBe(0);
    expect((await api(nodeA, 'GET', `/v1/hits?request_id=${rid}&include_fp=true`)).body.data[0].false_positive).toBe(true);
  });

  it('stores no credential or configured secret, not even inside raw URI snippets', async () => {
    const secret = 'Zq7secret';
    const r = await nodeRequest(pa, `/app/x?password=${secret}%3Cscript%3Ealert(1)%3C%2Fscript%3E`, {
      headers: { cookie: `session=${secret}' UNION SELECT password FROM users--`, authorization: `Bearer ${secret}<script>alert(document.cookie)</script>` },
    });
    expect(r.status).toBe(403);
    const rid = r.headers['x-kong-request-id'] as string;
    const hits = await until('hits in the table', async () => {
      const rows = await server.query(database, 'SELECT point, payload, node_hits::text AS line FROM node_hits WHERE request_id = $1', [rid]);
      // hits reach the table in batches: wait for every place, not just a count
      const roots = new Set(rows.rows.map((h: any) => h.point[0][0]));
      return ['cookie', 'header', 'get', 'uri'].every((x) => roots.has(x)) && rows.rows;
    });
    const byRoot = (root: string) => hits.filter((h: any) => h.point[0][0] === root);
    // each sensitive place was detected, and stored without its value
    for (const root of ['cookie', 'header', 'get', 'uri']) expect(byRoot(root).length, root).toBeGreaterThan(0);
    for (const h of [...byRoot('cookie'), ...byRoot('header'), ...byRoot('uri'), ...byRoot('get')]) expect(h.payload).toBe('[redacted]');
    for (const h of hits) expect(h.line).not.toContain(secret);
  });

  it('a denylist entry added on A blocks on B within 1 s; removed on B, A lets traffic through again', async () => {
    const t0 = Date.now();
    const add = await api(nodeA, 'POST', '/v1/iplists', { ip: '127.0.0.1', list: 'deny', reason: 'cluster test' });
    expect(add.status).toBe(201);
    const blocked = await until('blocked on B', async () => {
      const r = await nodeRequest(pb, '/app/ok');
      return r.status === 403 && r;
    }, 1000);
    const ms = Date.now() - t0;
    expect(blocked.json).toEqual({ error: { code: 403, message: 'request blocked' } });
    expect(ms).toBeLessThan(1000);
    expect((await nodeRequest(pa, '/app/ok')).status).toBe(403);
    const listed = await api(nodeB, 'GET', '/v1/iplists?list=deny');
    expect(listed.body.data).toEqual([expect.objectContaining({ id: add.body.id, ip: '127.0.0.1', reason: 'cluster test', source: 'manual' })]);
    expect((await api(nodeB, 'GET', `/v1/iplists/check?ip=127.0.0.1`)).body.list).toBe('deny');
    // blocked_source hits from B reach A's list
    await until('blocked_source from B on A', async () => (await api(nodeA, 'GET', '/v1/hits?type=blocked_source')).body.data.some((h: any) => h.node_id === b.gateway.nodeId));

    // the same address added again on B updates the one entry
    const again = await api(nodeB, 'POST', '/v1/iplists', { ip: '127.0.0.1', list: 'deny', ttl: 'forever' });
    expect(again.body).toMatchObject({ id: add.body.id, reason: 'cluster test', expires_at: null });
    const patched = await api(nodeB, 'PATCH', `/v1/iplists/${add.body.id}`, { reason: 'patched' });
    expect(patched.body.reason).toBe('patched');
    await until('patch seen on A', async () => (await api(nodeA, 'GET', `/v1/iplists/${add.body.id}`)).body.reason === 'patched', 1000);

    const t1 = Date.now();
    expect((await api(nodeB, 'DELETE', `/v1/iplists/${add.body.id}`)).status).toBe(204);
    await until('unblocked on A', async () => (await nodeRequest(pa, '/app/ok')).status === 200, 1000);
    expect(Date.now() - t1).toBeLessThan(1000);
    expect((await api(nodeA, 'GET', '/v1/iplists')).body.total).toBe(0);
    expect((await api(nodeA, 'DELETE', `/v1/iplists/${add.body.id}`)).status).toBe(404);
    expect((await api(nodeA, 'POST', '/v1/iplists', { ip: 'not-an-ip', list: 'deny' })).status).toBe(400);
  });

  it('a change written without a notification is picked up by the poll', async () => {
    await server.query(
      database,
      `INSERT INTO node_ip_lists (id, ip, list, reason, created_at, expires_at, application, source)
       VALUES ('feedfacefeedface', '127.0.0.1', 'deny', 'direct', $1, NULL, NULL, 'manual')`,
      [Date.now()],
    );
    for (const p of [pa, pb]) await until(`poll on :${p}`, async () => (await nodeRequest(p, '/app/ok')).status === 403, 4000);
    await server.query(database, `DELETE FROM node_ip_lists WHERE id = 'feedfacefeedface'`);
    for (const p of [pa, pb]) await until(`poll on :${p}`, async () => (await nodeRequest(p, '/app/ok')).status === 200, 4000);
  });

  it('database outage: lists still enforced from memory, the API answers 503, hits queued and written after', async () => {
    const add = await api(nodeA, 'POST', '/v1/iplists', { ip: '127.0.0.1', list: 'deny', reason: 'outage' });
    expect(add.status).toBe(201);
    await until('blocked on B', async () => (await nodeRequest(pb, '/app/ok')).status === 403, 1000);
    server.stopServer();
    let rid: string;
    try {
      // a path of its own: identical blocked requests past the first few per hour are only counted (sampling)
      const r = await nodeRequest(pb, '/app/during-outage');
      expect(r.status).toBe(403);
      rid = r.headers['x-kong-request-id'] as string;
      const list = await api(nodeB, 'GET', '/v1/attacks');
      expect(list.status).toBe(503);
      expect(list.body).toEqual({ error: { code: 503, message: 'the database is unreachable' } });
      expect((await api(nodeA, 'POST', '/v1/iplists', { ip: '192.0.2.9', list: 'deny' })).status).toBe(503);
      expect((await api(nodeB, 'GET', '/v1/iplists')).body.total).toBe(1);
    } finally {
      server.startServer();
    }
    await until('queued hit written', async () => (await api(nodeA, 'GET', `/v1/hits?request_id=${rid!}`)).body?.total === 1, 10_000);
    expect((await api(nodeB, 'DELETE', `/v1/iplists/${add.body.id}`)).status).toBe(204);
    await until('unblocked on A', async () => (await nodeRequest(pa, '/app/ok')).status === 200, 3000);
  });

  it('keeps at most max_hits hits, and the attacks that still have hits', async () => {
    // a database of its own: the gateways above may still be writing to theirs
    const own = await server.bootstrappedDatabase('retention');
    const prefix = tempDir();
    const log = new AttackLog({ file: path.join(prefix, 'attacks.journal'), sampling: { enabled: false }, groupGapMs: 5000 });
    log.open();
    const stores = postgresStores(log, new IpLists(), {
      pg: own, nodeId: 'retention-test', pollMs: 5000, maxHits: 100, now: Date.now, logger: silentLogger() as never,
    });
    try {
      const t0 = Date.now() - 1_000_000;
      for (let i = 0; i < 150; i++) {
        // 15 attacks of 10 hits each, the oldest first
        log.record({
          request_id: 'r'.repeat(31) + (i % 10), time: t0 + i * 1000, client_ip: '192.0.2.1', host: 'h', method: 'GET', path: `/p${Math.floor(i / 10)}`,
          point: [['get', 'q']], type: 'sqli', payload: 'x', detector: 'sqli:test', source: 'detector', verdict: 'blocked', response_status: null, application: null,
        });
      }
      await stores.attacks.flush();
      expect((await server.query(own.database, 'SELECT count(*)::int AS n FROM node_attacks')).rows[0].n).toBe(15);
      await stores.attacks.trim();
      const hits = await server.query(own.database, 'SELECT count(*)::int AS n, min(time) AS oldest FROM node_hits');
      expect(hits.rows[0].n).toBe(100);
      expect(Number(hits.rows[0].oldest)).toBe(t0 + 50 * 1000);
      expect((await server.query(own.database, 'SELECT count(*)::int AS n FROM node_attacks')).rows[0].n).toBe(10);
    } finally {
      await stores.close();
      log.close();
      fs.rmSync(prefix, { recursive: true, force: true });
    }
  });
});
