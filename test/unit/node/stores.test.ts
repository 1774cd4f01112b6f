// The node's storage seam: IpLists helpers the PostgreSQL store relies on (prepare, patched,
// replaceShared), the Coalescer that orders reloads after writes, and the embedded stores.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IpLists } from '../../../src/node/index.js';
import { Coalescer } from '../../../src/node/pg/listener.js';
import { makeNode, req, TestClock } from './helpers.js';

describe('IpLists for a shared store', () => {
  it('prepare validates without changing anything', () => {
    const l = new IpLists(new TestClock().now);
    const p = l.prepare({ ip: '192.0.2.77/24', list: 'black', ttl: 600 });
    expect(p).toMatchObject({ ip: '192.0.2.0/24', list: 'deny', reason: undefined, application: null, source: 'manual' });
    expect(l.list()).toEqual([]);
    expect(() => l.prepare({ ip: 'nope', list: 'deny' })).toThrow("'ip' must be an IPv4/IPv6 address or CIDR block");
    expect(() => l.prepare({ ip: '192.0.2.1', list: 'deny', ttl: 10 })).toThrow("'ttl' must be at least 300 seconds");
  });

  it('patched returns a changed copy and leaves the entry as it was', () => {
    const l = new IpLists(new TestClock().now);
    const e = l.add({ ip: '192.0.2.1', list: 'deny', reason: 'r' });
    const p = l.patched(e, { list: 'gray', reason: 'changed', ttl: 'forever' });
    expect(p).toMatchObject({ id: e.id, list: 'gray', reason: 'changed', expires_at: null });
    expect(l.get(e.id)).toMatchObject({ list: 'deny', reason: 'r' });
    expect(() => l.patched(e, { list: 'purple' })).toThrow("'list' must be one of allow, deny, gray");
  });

  it('replaceShared swaps every entry but those from the config file', () => {
    const c = new TestClock();
    const l = new IpLists(c.now);
    l.add({ ip: '198.51.100.0/24', list: 'allow' }, 'config');
    l.add({ ip: '192.0.2.1', list: 'deny' });
    const v = l.version;
    l.replaceShared([{ id: 'shared1', ip: '203.0.113.5', list: 'deny', reason: 'db', created_at: c.t, expires_at: null, application: null, source: 'manual' }]);
    expect(l.version).toBeGreaterThan(v);
    expect(l.list().map((e) => [e.ip, e.source])).toEqual([['198.51.100.0/24', 'config'], ['203.0.113.5', 'manual']]);
    expect(l.lookup('192.0.2.1')).toBeNull();
    expect(l.lookup('203.0.113.5')!.id).toBe('shared1');
    expect(l.lookup('198.51.100.9')!.list).toBe('allow');
  });
});

describe('Coalescer', () => {
  it('never runs twice at once, and a caller waits for a run that started after its request', async () => {
    let runs = 0;
    let finished = 0;
    let active = 0;
    let maxActive = 0;
    const c = new Coalescer(async () => {
      runs++;
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((r) => setTimeout(r, 10));
      active--;
      finished++;
    });
    const first = c.request().then(() => finished);
    await new Promise((r) => setTimeout(r, 2));
    // asked during run 1: served by run 2, which all three share
    const later = [c.request(), c.request(), c.request()].map((p) => p.then(() => finished));
    expect(await first).toBe(1);
    expect(await Promise.all(later)).toEqual([2, 2, 2]);
    expect(runs).toBe(2);
    expect(maxActive).toBe(1);
  });

  it('hands a failure to the callers of that run only', async () => {
    let fail = true;
    const c = new Coalescer(async () => {
      if (fail) throw new Error('db down');
    });
    await expect(c.request()).rejects.toThrow('db down');
    fail = false;
    await expect(c.request()).resolves.toBeUndefined();
  });
});

describe('embedded stores (no database)', () => {
  it('IP list writes through the node API path persist to the state file; attacks are read from the local log', async () => {
    const n = makeNode();
    expect(n.database).toBeNull();
    const [e] = await n.ipListStore.add([n.ipLists.prepare({ ip: '192.0.2.44', list: 'deny' }, 'manual')]);
    expect(n.ipLists.lookup('192.0.2.44')!.id).toBe(e!.id);
    const state = JSON.parse(fs.readFileSync(path.join(n.dir, 'state.json'), 'utf8'));
    expect(state.ip_lists.map((x: { ip: string }) => x.ip)).toEqual(['192.0.2.44']);
    expect(await n.ipListStore.update(e!.id, { reason: 'x' })).toMatchObject({ reason: 'x' });
    expect(await n.ipListStore.remove(e!.id)).toBe(true);
    expect(await n.ipListStore.remove(e!.id)).toBe(false);

    const r = n.inspect(req('/search?q=ATTACK'));
    const page = await n.attackStore.queryHits({ request_id: r.requestId });
    expect(page.total).toBe(1);
    expect(page.data[0]).not.toHaveProperty('node_id');
    expect(await n.attackStore.getAttack(page.data[0]!.attack_id)).toMatchObject({ type: 'sqli', total: 1 });
    const fp = await n.markFalsePositive(page.data[0]!.id, { markOnly: true });
    expect(fp!.hit.false_positive).toBe(true);
    expect((await n.attackStore.queryHits({ request_id: r.requestId })).total).toBe(0);
    await n.stop();
  });
});
