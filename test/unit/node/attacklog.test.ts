import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AttackLog } from '../../../src/node/index.js';
import { decodeLine, encodeLine } from '../../../src/node/journal.js';
import type { FilteringNode, StoredHit } from '../../../src/node/index.js';
import { makeNode, req, tempPrefix, TestClock } from './helpers.js';

const logs: AttackLog[] = [];
const nodes: FilteringNode[] = [];
afterEach(async () => {
  for (const l of logs.splice(0)) l.close();
  for (const n of nodes.splice(0)) await n.stop();
});

function newLog(file: string, clock: TestClock, extra: Record<string, unknown> = {}): AttackLog {
  const l = new AttackLog({ file, now: clock.now, ...extra });
  l.open();
  logs.push(l);
  return l;
}

function hit(clock: TestClock, over: Partial<StoredHit> = {}): Omit<StoredHit, 'id' | 'attack_id'> {
  return {
    request_id: 'a'.repeat(32), time: clock.t, client_ip: '192.0.2.1', host: 'h', method: 'GET', path: '/p',
    point: [['get', 'q']], type: 'sqli', payload: "1' or 1=1", detector: 'sqli:test', source: 'detector',
    verdict: 'blocked', response_status: null, application: null, ...over,
  };
}

describe('attack log', () => {
  it('groups hits into attacks by type, point, host+path while < 1 h apart; status from verdicts', () => {
    const c = new TestClock();
    const l = newLog(path.join(tempPrefix(), 'a.journal'), c);
    const h1 = l.record(hit(c))!;
    c.advance(30 * 60_000);
    const h2 = l.record(hit(c, { verdict: 'monitored', client_ip: '192.0.2.2' }))!;
    expect(h2.attack_id).toBe(h1.attack_id);
    expect(l.getAttack(h1.attack_id)).toMatchObject({ status: 'Partially blocked', hits: 2, ips: ['192.0.2.1', '192.0.2.2'] });
    const other = l.record(hit(c, { point: [['get', 'r']] }))!;
    expect(other.attack_id).not.toBe(h1.attack_id);
    c.advance(3600_000);
    const later = l.record(hit(c))!;
    expect(later.attack_id).not.toBe(h1.attack_id);
    expect(l.getAttack(later.attack_id)!.status).toBe('Blocked');
    const m = l.record(hit(c, { type: 'xss', verdict: 'monitored' }))!;
    expect(l.getAttack(m.attack_id)!.status).toBe('Monitoring');
  });

  it('samples: first 5 identical hits per hour kept, the rest counted', () => {
    const c = new TestClock();
    const l = newLog(path.join(tempPrefix(), 'a.journal'), c);
    let kept = 0;
    for (let i = 0; i < 12; i++) { if (l.record(hit(c))) kept++; c.advance(1000); }
    expect(kept).toBe(5);
    expect(l.sampledOut).toBe(7);
    const a = l.queryAttacks({}).data[0]!;
    expect(a.hits).toBe(5);
    expect(a.total).toBe(12);
    // a different IP is not identical
    expect(l.record(hit(c, { client_ip: '192.0.2.99' }))).not.toBeNull();
    c.advance(3600_000 - 12_000);
    c.advance(1);
    // new window (and a new attack: the previous one ended > 1 h ago? no: 1 s ago) keeps again
    expect(l.record(hit(c))).not.toBeNull();
  });

  it('redacts credentials: Authorization, Cookie, Proxy-Authorization', () => {
    const c = new TestClock();
    const l = newLog(path.join(tempPrefix(), 'a.journal'), c);
    for (const point of [[['header', 'AUTHORIZATION']], [['header', 'COOKIE']], [['cookie', 'sid']], [['header', 'PROXY-AUTHORIZATION'], ['base64']]] as const) {
      const h = l.record(hit(c, { point: point as never, payload: 'Bearer SECRET-TOKEN' }))!;
      expect(h.payload).toBe('[redacted]');
    }
    l.flush();
    expect(fs.readFileSync(path.join(path.dirname(l['journal'].file), 'a.journal'), 'utf8')).not.toContain('SECRET-TOKEN');
  });

  it('filters and paginates', () => {
    const c = new TestClock();
    const l = newLog(path.join(tempPrefix(), 'a.journal'), c);
    for (let i = 0; i < 30; i++) {
      l.record(hit(c, { type: i % 2 ? 'xss' : 'sqli', client_ip: `192.0.2.${i}`, verdict: i % 3 ? 'monitored' : 'blocked', path: `/p${i}` }));
      c.advance(60_000);
    }
    expect(l.queryHits({ type: 'xss' }).total).toBe(15);
    expect(l.queryHits({ ip: '192.0.2.4' }).data[0]!.path).toBe('/p4');
    expect(l.queryHits({ verdict: 'blocked' }).total).toBe(10);
    const start = c.t - 30 * 60_000;
    expect(l.queryHits({ from: start + 10 * 60_000, to: start + 19 * 60_000 }).total).toBe(10);
    const p1 = l.queryHits({}, 0, 12);
    const p3 = l.queryHits({}, 24, 12);
    expect(p1.data).toHaveLength(12);
    expect(p1.next_offset).toBe(12);
    expect(p3.data).toHaveLength(6);
    expect(p3.next_offset).toBeNull();
    expect(p1.data[0]!.time).toBeGreaterThan(p1.data[1]!.time); // newest first
    expect(l.queryAttacks({ type: 'sqli' }).total).toBe(15);
    expect(l.queryAttacks({ verdict: 'blocked' }).total).toBe(10);
    const tl = l.timeline(start, c.t, 3);
    expect(tl.series.sqli!.reduce((a, b) => a + b, 0)).toBe(15);
  });

  it('survives a restart: hits, attacks, responses, false positives and sampled counts', () => {
    const c = new TestClock();
    const file = path.join(tempPrefix(), 'a.journal');
    const l = newLog(file, c);
    const h = l.record(hit(c, { request_id: 'b'.repeat(32) }))!;
    for (let i = 0; i < 7; i++) l.record(hit(c));
    l.setResponse('b'.repeat(32), { status: 502, headers: { 'Set-Cookie': 'x=1', Server: 'up' } });
    const fpHit = l.record(hit(c, { type: 'xss' }))!;
    l.markFalsePositive(fpHit.id);
    l.close();
    logs.splice(logs.indexOf(l), 1);
    const m = newLog(file, c);
    expect(m.getHit(h.id)).toMatchObject({ response_status: 502, response_headers: { 'set-cookie': '[redacted]', server: 'up' } });
    expect(m.getAttack(h.attack_id)).toMatchObject({ hits: 5, total: 8 });
    expect(m.getHit(fpHit.id)!.false_positive).toBe(true);
    expect(m.queryHits({}).total).toBe(5);
    // Sampling window continues after the restart.
    expect(m.record(hit(c))).toBeNull();
  });

  it('drops a torn tail and a corrupt line, and keeps appending cleanly', () => {
    const c = new TestClock();
    const file = path.join(tempPrefix(), 'a.journal');
    const l = newLog(file, c);
    const a = l.record(hit(c, { path: '/a' }))!;
    const b = l.record(hit(c, { path: '/b' }))!;
    l.close();
    logs.length = 0;
    // Corrupt the second line's checksum-covered JSON and append a half-written line.
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines[1] = lines[1]!.replace('/b', '/X');
    fs.writeFileSync(file, lines.join('\n') + encodeLine({ k: 'h', id: 'torn' }).slice(0, 30));
    const m = newLog(file, c);
    expect(m.replay).toMatchObject({ corrupt: 1, tornTail: true });
    expect(m.getHit(a.id)).not.toBeNull();
    expect(m.getHit(b.id)).toBeNull();
    m.record(hit(c, { path: '/c' }));
    m.close();
    logs.length = 0;
    const text = fs.readFileSync(file, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n').filter(Boolean).every((x, i) => i === 1 || decodeLine(x) !== null)).toBe(true);
    const n = newLog(file, c);
    expect(n.queryHits({}).data.map((x) => x.path).sort()).toEqual(['/a', '/c']);
  });

  it('rotates at the size cap and replays rotated files', () => {
    const c = new TestClock();
    const file = path.join(tempPrefix(), 'a.journal');
    const l = newLog(file, c, { maxBytes: 8192, maxFiles: 3, sampling: { enabled: false } });
    for (let i = 0; i < 60; i++) { l.record(hit(c, { path: `/p${i}`, payload: 'x'.repeat(100) })); l.flush(); }
    l.close();
    logs.length = 0;
    expect(fs.existsSync(`${file}.1`)).toBe(true);
    expect(fs.existsSync(`${file}.3`)).toBe(false);
    for (const f of [file, `${file}.1`, `${file}.2`]) if (fs.existsSync(f)) expect(fs.statSync(f).size).toBeLessThanOrEqual(8192 + 1024);
    const m = newLog(file, c, { maxBytes: 8192, maxFiles: 3 });
    const paths = m.queryHits({}, 0, 1000).data.map((x) => x.path);
    expect(paths[0]).toBe('/p59');
    expect(paths.length).toBeLessThan(60);
  });

  it('the node records hits with the documented fields and survives restart', async () => {
    const n = makeNode({ mode: 'block', application: 'shop' });
    const r = n.inspect({ ...req('/search?q=ATTACK', '192.0.2.50'), requestId: '0123456789abcdef0123456789ABCDEF' });
    expect(r.requestId).toBe('0123456789abcdef0123456789abcdef');
    n.reportResponse(r.requestId, 403);
    await n.stop();
    const m = makeNode({ prefix: n.prefix });
    nodes.push(m);
    const h = m.attackLog.queryHits({}).data[0]!;
    expect(h).toMatchObject({
      request_id: r.requestId, client_ip: '192.0.2.50', host: 'shop.example.com', method: 'GET', path: '/search',
      point: [['get', 'q']], type: 'sqli', detector: 'sqli:test', verdict: 'blocked', response_status: 403, application: 'shop',
    });
    expect(h.payload).toContain('ATTACK');
  });

  it('automatic graylisting: more than 3 distinct malicious payloads in an hour → graylisted 1 h', () => {
    const c = new TestClock();
    const n = makeNode({ mode: 'safe_blocking', now: c.now });
    nodes.push(n);
    const ip = '198.51.100.77';
    for (let i = 0; i < 3; i++) expect(n.inspect(req(`/x?q=ATTACK${i}`, ip)).blocked).toBe(false);
    expect(n.ipLists.lookup(ip)).toBeNull();
    // the same payload again is not distinct
    n.inspect(req('/x?q=ATTACK0', ip));
    expect(n.ipLists.lookup(ip)).toBeNull();
    n.inspect(req('/x?q=ATTACK3', ip));
    const e = n.ipLists.lookup(ip)!;
    expect(e).toMatchObject({ list: 'gray', source: 'auto', reason: 'Malicious payload trigger' });
    expect(e.expires_at).toBe(c.t + 3600_000);
    // graylisted in safe_blocking: attacks now blocked, clean traffic passes
    expect(n.inspect(req('/x?q=ATTACK9', ip))).toMatchObject({ blocked: true, reason: 'graylist' });
    expect(n.inspect(req('/x?q=fine', ip)).blocked).toBe(false);
    c.advance(3600_000);
    expect(n.ipLists.lookup(ip)).toBeNull();
  });

  it('automatic graylisting is configurable and ignores vpatch hits', () => {
    const n = makeNode({ mode: 'monitoring', config: { auto_graylist: { threshold: 1 } } });
    nodes.push(n);
    n.rules.add({ action: 'vpatch', point: [['get', '*']] });
    n.inspect(req('/x?a=1', '192.0.2.8'));
    n.inspect(req('/x?b=2', '192.0.2.8'));
    expect(n.ipLists.lookup('192.0.2.8')).toBeNull();
    n.inspect(req('/x?q=ATTACK', '192.0.2.9'));
    n.inspect(req('/x?q=EVIL', '192.0.2.9'));
    expect(n.ipLists.lookup('192.0.2.9')!.list).toBe('gray');
  });
});
