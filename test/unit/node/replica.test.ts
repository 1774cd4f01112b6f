// A proxy worker's replica of the primary's node, wired in process: the hub's changes go to the link, the
// link's batches to the hub through a JSON round trip, as over the worker IPC channel.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FilteringNode, type FilteringNodeOptions } from '../../../src/node/index.js';
import { NodeReplicaHub, WorkerNodeLink, type ReplicaBatch } from '../../../src/node/replica.js';
import { fakeEngine, makeNode, req, tempPrefix } from './helpers.js';

const open: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of open.splice(0)) await close();
});

function pair(primaryOpts: Partial<FilteringNodeOptions> = {}, maxQueue?: number) {
  const primary = makeNode(primaryOpts);
  const batches: ReplicaBatch[] = [];
  let link: WorkerNodeLink | null = null;
  const hub = new NodeReplicaHub(primary, (c) => link?.apply(JSON.parse(JSON.stringify(c))));
  link = new WorkerNodeLink(
    JSON.parse(JSON.stringify(hub.state())),
    async (b) => {
      batches.push(b);
      hub.apply(JSON.parse(JSON.stringify(b)));
    },
    { flushMs: 60_000, maxQueue },
  );
  const workerPrefix = tempPrefix();
  const worker = link.createNode((replica) => new FilteringNode({ prefix: workerPrefix, env: {}, engine: fakeEngine(), replica }));
  open.push(async () => {
    await worker.stop();
    await primary.stop();
  });
  return { primary, hub, link, worker, batches, workerPrefix };
}

async function metric(node: FilteringNode, name: string, labels: Record<string, string>): Promise<number> {
  const m = (await node.metrics.registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return v?.value ?? 0;
}

describe('worker replica of the filtering node', () => {
  it('starts from the primary state, config entries included, and keeps no files of its own', () => {
    const dir = tempPrefix();
    const file = path.join(dir, 'node.yaml');
    fs.writeFileSync(file, 'ip_lists:\n  - { ip: 192.0.2.0/24, list: deny, reason: cfg }\nrules:\n  - { action: set_mode, path: "^~ /quiet/", mode: monitoring }\nproxy_headers:\n  - trusted_networks: [10.0.0.0/8]\n    real_ip: [X-Real-IP]\n');
    const { primary, worker, workerPrefix } = pair({ prefix: dir, configFile: file, mode: 'block' });
    expect(worker.mode).toBe('block');
    expect(worker.ipLists.list()).toEqual(primary.ipLists.list());
    expect(worker.rules.list()).toEqual(primary.rules.list());
    expect(worker.inspect(req('/x', '192.0.2.9')).reason).toBe('denylist');
    expect(worker.inspect(req('/quiet/x?q=ATTACK')).blocked).toBe(false);
    expect(worker.inspect(req('/x?q=ATTACK')).blocked).toBe(true);
    // the real client IP comes from the primary's proxy_headers setting
    const viaProxy = worker.inspect(req('/x', '10.1.1.1', { headers: [['Host', 'a'], ['X-Real-IP', '192.0.2.50']] }));
    expect(viaProxy.clientIp).toBe('192.0.2.50');
    expect(viaProxy.reason).toBe('denylist');
    expect(fs.readdirSync(workerPrefix)).toEqual([]);
  });

  it('follows mode, IP list and rule changes in order', async () => {
    const { primary, worker } = pair({ mode: 'block' });
    primary.setMode('monitoring');
    expect(worker.mode).toBe('monitoring');
    expect(worker.inspect(req('/x?q=ATTACK')).blocked).toBe(false);

    const [deny] = await primary.ipListStore.add([primary.ipLists.prepare({ ip: '203.0.113.0/24', list: 'deny', ttl: 600 })]);
    expect(worker.ipLists.get(deny!.id)).toEqual(deny);
    expect(worker.inspect(req('/x')).blocked).toBe(true);
    await primary.ipListStore.update(deny!.id, { list: 'gray' });
    expect(worker.ipLists.get(deny!.id)?.list).toBe('gray');
    expect(worker.inspect(req('/x')).blocked).toBe(false);
    await primary.ipListStore.remove(deny!.id);
    expect(worker.ipLists.list()).toEqual([]);

    const rule = primary.rules.add({ action: 'set_mode', path: '^~ /strict/', mode: 'block' });
    expect(worker.inspect(req('/strict/x?q=ATTACK')).blocked).toBe(true);
    primary.rules.remove(rule.id);
    expect(worker.inspect(req('/strict/x?q=ATTACK')).blocked).toBe(false);
  });

  it('sends hits, response facts and counters to the primary', async () => {
    const { primary, worker, link } = pair({ mode: 'block' });
    const r = worker.inspect(req('/shop?q=ATTACK'));
    expect(r.blocked).toBe(true);
    worker.reportResponse(r.requestId, 403);
    expect(primary.attackLog.queryHits({}).total).toBe(0);
    await link.flush();
    const hits = primary.attackLog.queryHits({ request_id: r.requestId }).data;
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ type: 'sqli', point: [['get', 'q']], client_ip: '203.0.113.7', verdict: 'blocked', path: '/shop', host: 'shop.example.com', response_status: 403 });
    expect(hits[0]!.payload).toContain('ATTACK');
    expect(await metric(primary, 'portcullis_node_requests_blocked_total', { reason: 'attack' })).toBe(1);
    expect(await metric(primary, 'portcullis_node_attacks_total', { type: 'sqli' })).toBe(1);
    // increments, not totals: a second batch adds only what happened since
    worker.inspect(req('/other?q=ATTACK'));
    await link.flush();
    expect(await metric(primary, 'portcullis_node_requests_blocked_total', { reason: 'attack' })).toBe(2);
    worker.recordFailOpen('timeout');
    await link.flush();
    expect(await metric(primary, 'portcullis_node_fail_open_total', { reason: 'timeout' })).toBe(1);
  });

  it('bounds the queue between batches and counts what it dropped', async () => {
    const { primary, worker, link } = pair({ mode: 'monitoring' }, 2);
    for (let i = 0; i < 5; i++) worker.inspect(req(`/p${i}?q=ATTACK`));
    await link.flush();
    expect(primary.attackLog.queryHits({}).total).toBe(2);
    expect(await metric(primary, 'portcullis_node_errors_total', { type: 'queue_full' })).toBe(3);
  });

  it('graylists automatically for every node: the primary lists the source and the worker keeps one entry', async () => {
    const { primary, worker, link } = pair({ mode: 'monitoring' });
    for (let i = 0; i < 4; i++) worker.inspect(req(`/x?q=ATTACK${i}`));
    expect(worker.ipLists.list()).toHaveLength(1);
    await link.flush();
    const gray = primary.ipLists.list({ list: 'gray' });
    expect(gray).toHaveLength(1);
    expect(gray[0]).toMatchObject({ ip: '203.0.113.7', source: 'auto', trigger: 'Malicious payload trigger' });
    expect(worker.ipLists.list()).toEqual(gray);
  });

  it('refuses IP list writes: they go through the primary', async () => {
    const { worker } = pair();
    await expect(worker.ipListStore.add([worker.ipLists.prepare({ ip: '192.0.2.1', list: 'deny' })])).rejects.toThrow(/primary/);
  });
});
