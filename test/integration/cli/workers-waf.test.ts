// nginx_worker_processes > 1 with the wallarm-plugin: every proxy worker decides on a replica of the
// primary's filtering node (mode, IP lists) and its hits land in the primary's attack log and metrics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonCall as call, startCliGateway, stopCliGateway, type CliGateway as Running } from '../../helpers/cli.js';
import { sleep } from '../../helpers/time.js';
import { echoServer, nodeRequest, type Upstream } from '../../helpers/upstream.js';

const BLOCK_BODY = { error: { code: 403, message: 'request blocked' } };

let up: Upstream;
let r: Running;
/** The workers' process ids, as the primary's /status lists them. */
let workers: number[] = [];

function workerPids(): number[] {
  return workers;
}

/** Each worker reports to the primary once a second; wait (bounded) until /status lists both. */
async function readWorkerPids(without: number[] = []): Promise<number[]> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const st = await call(r.admin, 'GET', '/status');
    const pids = ((st.json?.memory?.workers_lua_vms ?? []) as Array<{ pid: number }>).map((w) => w.pid);
    if (pids.length >= 2 && !pids.some((p) => without.includes(p))) return pids.sort();
    await sleep(100);
  }
  return [];
}

async function start(): Promise<Running> {
  r = await startCliGateway({ workers: 2, node: true, logLevel: 'info', env: { WALLARM_MODE: 'block' } });
  return r;
}

interface Sent {
  path: string;
  status: number;
  body: any;
  requestId: string;
  pid: number | undefined;
}

let seq = 0;

/**
 * Requests on fresh connections (each may land on either worker) until both workers answered at least
 * twice, bounded; each gets its own path so the attack log keeps every hit (sampling is per target).
 */
async function spread(make: (i: number) => string): Promise<Sent[]> {
  const sent: Sent[] = [];
  const deadline = Date.now() + 15_000;
  for (let round = 0; round < 40 && Date.now() < deadline; round++) {
    const paths = Array.from({ length: 6 }, () => make(seq++));
    const res = await Promise.all(paths.map((p) => nodeRequest(r.proxy, p, { headers: { connection: 'close' } })));
    await sleep(30);
    for (const [i, x] of res.entries()) {
      const requestId = String(x.headers['x-kong-request-id'] ?? '');
      const access = r.lines.find((l) => l.log === 'access' && l.request_id === requestId);
      sent.push({ path: paths[i]!, status: x.status, body: x.json, requestId, pid: access?.pid });
    }
    const perPid = new Map<number, number>();
    for (const s of sent) if (s.pid !== undefined) perPid.set(s.pid, (perPid.get(s.pid) ?? 0) + 1);
    // at least 12 requests: with two workers one of them sees more than the graylist threshold (3) distinct payloads
    if (sent.length >= 12 && perPid.size >= 2 && [...perPid.values()].every((n) => n >= 2) && sent.every((s) => s.pid !== undefined)) break;
  }
  return sent;
}

function pidsOf(sent: Sent[]): Set<number | undefined> {
  return new Set(sent.map((s) => s.pid));
}

/** Hits of these requests in the primary node's API, waiting (bounded) for the workers' batches. */
async function hitsFor(sent: Sent[], want: (hits: any[]) => boolean): Promise<any[]> {
  const ids = new Set(sent.map((s) => s.requestId));
  let hits: any[] = [];
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    const res = await call(r.node, 'GET', '/v1/hits?limit=1000');
    hits = (res.json.data as any[]).filter((h) => ids.has(h.request_id));
    if (want(hits)) break;
    await sleep(50);
  }
  return hits;
}

beforeAll(async () => {
  up = await echoServer('backend');
  await start();
  workers = await readWorkerPids();
  expect(workerPids()).toHaveLength(2);
  expect((await call(r.admin, 'POST', '/services', { name: 'echo', url: `http://127.0.0.1:${up.port}` })).status).toBe(201);
  expect((await call(r.admin, 'POST', '/services/echo/routes', { name: 'waf', paths: ['/waf'] })).status).toBe(201);
  expect((await call(r.admin, 'POST', '/routes/waf/plugins', { name: 'wallarm-plugin' })).status).toBe(201);
  await sleep(200);
}, 60_000);

afterAll(async () => {
  if (r) await stopCliGateway(r, workerPids());
  await up?.close();
});

const attack = (i: number) => `/waf/a${i}?id=${i}'%20UNION%20SELECT%20password%20FROM%20users--`;
const benign = (i: number) => `/waf/b${i}?id=42`;

describe('the filtering node with proxy workers', () => {
  it('blocks attacks on every worker and lists them in the primary node', async () => {
    const sent = await spread(attack);
    expect([...pidsOf(sent)].sort()).toEqual(workerPids());
    for (const s of sent) {
      expect(s.status).toBe(403);
      expect(s.body).toEqual(BLOCK_BODY);
    }
    const hits = await hitsFor(sent, (h) => new Set(h.map((x) => x.request_id)).size === sent.length);
    expect(new Set(hits.map((h) => h.request_id))).toEqual(new Set(sent.map((s) => s.requestId)));
    for (const s of sent) {
      const h = hits.find((x) => x.request_id === s.requestId && x.type === 'sqli');
      expect(h, s.path).toBeDefined();
      expect(h).toMatchObject({ verdict: 'blocked', client_ip: '127.0.0.1', method: 'GET', path: s.path.slice(0, s.path.indexOf('?')), point: [['get', 'id']] });
      expect(h.payload).toMatch(/UNION/i);
      expect(typeof h.attack_id).toBe('string');
    }
    // the workers' counters reach the primary node's metrics (in batches: wait, bounded)
    const blockedNow = async () => {
      const metrics = await (await fetch(`http://127.0.0.1:${r.node}/metrics`)).text();
      return Number(/^portcullis_node_requests_blocked_total\{reason="attack"\} (\d+)/m.exec(metrics)?.[1] ?? 0);
    };
    const grayed = async () => (await call(r.node, 'GET', '/v1/iplists?list=gray')).json.data.some((e: any) => e.ip === '127.0.0.1' && e.source === 'auto');
    const deadline = Date.now() + 5_000;
    while (((await blockedNow()) < sent.length || !(await grayed())) && Date.now() < deadline) await sleep(50);
    expect(await blockedNow()).toBeGreaterThanOrEqual(sent.length);
    // a source that sent many distinct payloads is graylisted by a worker's trigger, for every node
    expect(await grayed()).toBe(true);
  });

  it('switching the node to monitoring lets attacks through on every worker, still logged', async () => {
    expect((await call(r.node, 'PUT', '/v1/mode', { mode: 'monitoring' })).json).toEqual({ mode: 'monitoring' });
    await sleep(100);
    const sent = await spread(attack);
    expect([...pidsOf(sent)].sort()).toEqual(workerPids());
    for (const s of sent) expect(s.status).toBe(200);
    // response statuses follow their hits in a later batch
    const hits = await hitsFor(sent, (h) => new Set(h.map((x) => x.request_id)).size === sent.length && h.every((x) => x.response_status === 200));
    expect(new Set(hits.map((h) => h.request_id))).toEqual(new Set(sent.map((s) => s.requestId)));
    expect(new Set(hits.map((h) => h.verdict))).toEqual(new Set(['monitored']));
    // the response status the worker saw reaches the primary's hits
    expect(new Set(hits.map((h) => h.response_status))).toEqual(new Set([200]));
  });

  it('a denylist entry added through the node API blocks every worker within a second, and its removal too', async () => {
    const before = await spread(benign);
    for (const s of before) expect(s.status).toBe(200);
    const added = await call(r.node, 'POST', '/v1/iplists', { ip: '127.0.0.1', list: 'deny', reason: 'test' });
    expect(added.status).toBe(201);
    await sleep(1000);
    const denied = await spread(benign);
    expect([...pidsOf(denied)].sort()).toEqual(workerPids());
    for (const s of denied) {
      expect(s.status).toBe(403);
      expect(s.body).toEqual(BLOCK_BODY);
    }
    const hits = await hitsFor(denied, (h) => h.length >= denied.length);
    expect(hits).toHaveLength(denied.length);
    expect(new Set(hits.map((h) => h.type))).toEqual(new Set(['blocked_source']));

    expect((await call(r.node, 'DELETE', `/v1/iplists/${added.json.id}`)).status).toBe(204);
    await sleep(1000);
    const after = await spread(benign);
    expect([...pidsOf(after)].sort()).toEqual(workerPids());
    for (const s of after) expect(s.status).toBe(200);
  });

  it('a worker started after the changes (a replacement) gets the node state as it is now', async () => {
    expect((await call(r.node, 'GET', '/v1/mode')).json).toEqual({ mode: 'monitoring' });
    const [victim, survivor] = workerPids();
    const added = await call(r.node, 'POST', '/v1/iplists', { ip: '127.0.0.1', list: 'deny', reason: 'before the restart' });
    expect(added.status).toBe(201);
    process.kill(victim!, 'SIGKILL');
    // afterAll kills the workers known here; one not yet known exits with the primary (IPC disconnect)
    workers = [survivor!];
    const pids = await readWorkerPids([victim!]);
    workers = pids.length ? pids : [survivor!];
    expect(pids).toHaveLength(2);
    expect(pids).toContain(survivor);
    const denied = await spread(benign);
    expect([...pidsOf(denied)].sort()).toEqual(pids);
    for (const s of denied) expect(s.status).toBe(403);
    expect((await call(r.node, 'DELETE', `/v1/iplists/${added.json.id}`)).status).toBe(204);
    await sleep(200);
    // monitoring, as the node was switched before the replacement started: attacks pass and are logged
    const attacks = await spread(attack);
    expect([...pidsOf(attacks)].sort()).toEqual(pids);
    for (const s of attacks) expect(s.status).toBe(200);
    const hits = await hitsFor(attacks, (h) => new Set(h.map((x) => x.request_id)).size === attacks.length);
    expect(new Set(hits.map((h) => h.request_id)).size).toBe(attacks.length);
    expect(new Set(hits.map((h) => h.verdict))).toEqual(new Set(['monitored']));
  });
});
