import { decode, encode } from '@msgpack/msgpack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startNode, type RunningNode } from './helpers.js';

let n: RunningNode;
beforeAll(async () => { n = await startNode({ mode: 'block', application: 'shop', bodyLimit: 64 * 1024 }); });
afterAll(async () => { await n.stop(); });

const attack = { method: 'GET', uri: '/etc/passwd', headers: { Host: 'shop.example.com', 'User-Agent': 'curl/8' }, client_ip: '203.0.113.10' };
const benign = { method: 'GET', uri: '/products?page=2', headers: { Host: 'shop.example.com' }, client_ip: '203.0.113.11' };

describe('connector protocol', () => {
  it('JSON: an attack gets 403 with the block body and the verdict; benign gets 200', async () => {
    const rid = 'c0ffee00c0ffee00c0ffee00c0ffee00';
    const a = await call(`${n.url}/v1/inspect`, { method: 'POST', json: { ...attack, request_id: rid } });
    expect(a.status).toBe(403);
    expect(a.body.error).toEqual({ code: 403, message: 'request blocked' });
    expect(a.body).toMatchObject({ verdict: 'block', blocked: true, reason: 'attack', request_id: rid, mode: 'block', client_ip: '203.0.113.10' });
    expect(a.body.hits[0]).toMatchObject({ type: 'ptrav', point: [['uri']], source: 'detector', blocking: true });
    expect(a.headers.get('x-request-id')).toBe(rid);
    const b = await call(`${n.url}/v1/inspect`, { method: 'POST', json: benign });
    expect(b.status).toBe(200);
    expect(b.body).toMatchObject({ verdict: 'pass', blocked: false, reason: 'none', hits: [] });
    expect(b.body.request_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('MessagePack in and out, body as bytes', async () => {
    const msg = { method: 'POST', uri: '/login', headers: [['Host', 'shop.example.com'], ['Content-Type', 'application/x-www-form-urlencoded']], body: new TextEncoder().encode("user=admin' UNION SELECT password FROM users--&p=1"), client_ip: '2001:db8::5' };
    const res = await fetch(`${n.url}/v1/inspect`, { method: 'POST', headers: { 'content-type': 'application/msgpack', accept: 'application/msgpack' }, body: encode(msg) });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toBe('application/msgpack');
    const v = decode(new Uint8Array(await res.arrayBuffer())) as any;
    expect(v).toMatchObject({ verdict: 'block', blocked: true, client_ip: '2001:db8::5' });
    expect(v.hits.some((h: any) => h.type === 'sqli')).toBe(true);
    const ok = await fetch(`${n.url}/v1/inspect`, { method: 'POST', headers: { 'content-type': 'application/msgpack' }, body: encode(benign) });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { verdict: string }).verdict).toBe('pass');
  });

  it('JSON body is base64 (or utf8 with body_encoding)', async () => {
    const body = Buffer.from('{"q":"1\' UNION SELECT password FROM users--"}').toString('base64');
    const r = await call(`${n.url}/v1/inspect`, { method: 'POST', json: { method: 'POST', uri: '/api', headers: { 'Content-Type': 'application/json', Host: 'h' }, body } });
    expect(r.status).toBe(403);
    const u = await call(`${n.url}/v1/inspect`, { method: 'POST', json: { method: 'POST', uri: '/api', headers: { Host: 'h' }, body: 'hello', body_encoding: 'utf8' } });
    expect(u.status).toBe(200);
  });

  it('response messages are correlated by request id and recorded on the hit', async () => {
    const rid = 'ab'.repeat(16);
    await call(`${n.url}/v1/inspect`, { method: 'POST', json: { ...attack, request_id: rid, mode: 'monitoring' } });
    const r = await call(`${n.url}/v1/response`, { method: 'POST', json: { request_id: rid, status: 404, headers: { 'Content-Type': 'text/html', 'Set-Cookie': 'sid=secret' }, body: Buffer.from('not found').toString('base64') } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ request_id: rid, recorded: true });
    const hits = await call(`${n.url}/v1/hits?request_id=${rid}`);
    expect(hits.body.data[0]).toMatchObject({ response_status: 404, response_body_bytes: 9, verdict: 'monitored', response_headers: { 'set-cookie': '[redacted]' } });
    const none = await call(`${n.url}/v1/response`, { method: 'POST', json: { request_id: 'unknown', status: 200 } });
    expect(none.body.recorded).toBe(false);
  });

  it('health messages', async () => {
    const r = await call(`${n.url}/v1/health`, { method: 'POST', json: { connector: 'kong', version: '1.1.0' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'ok', mode: 'block', application: 'shop' });
    expect((await call(`${n.url}/v1/health`)).status).toBe(200);
  });

  it('bad input is a 4xx with a clear JSON error, never a 500', async () => {
    const cases: Array<[RequestInit, number, RegExp]> = [
      [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"method":' }, 400, /malformed JSON/],
      [{ method: 'POST', headers: { 'content-type': 'application/msgpack' }, body: new Uint8Array([0xc1, 0xff, 0x00]) }, 400, /malformed MessagePack/],
      [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: '[1,2]' }, 400, /must be a map/],
      [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"uri":"/"}' }, 400, /'method' is required/],
      [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"method":"GET","uri":"/","headers":"x"}' }, 400, /'headers'/],
      [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"method":"GET","uri":"/","body":"%%%"}' }, 400, /base64/],
      [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"method":"GET","uri":"/","mode":"loud"}' }, 400, /'mode'/],
      [{ method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' }, 415, /content type/],
      [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: '' }, 400, /empty body/],
      [{ method: 'GET' }, 405, /POST/],
    ];
    for (const [init, status, msg] of cases) {
      const r = await call(`${n.url}/v1/inspect`, init);
      expect(r.status, JSON.stringify(init.body)).toBe(status);
      expect(r.body.error.code).toBe(status);
      expect(r.body.error.message).toMatch(msg);
    }
    const big = await call(`${n.url}/v1/inspect`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method: 'GET', uri: '/', body: 'A'.repeat(100_000) }) });
    expect(big.status).toBe(413);
    expect(big.body.error.message).toMatch(/larger than 65536/);
    const notFound = await call(`${n.url}/nope`);
    expect(notFound.status).toBe(404);
    // the node still answers
    expect((await call(`${n.url}/live`)).status).toBe(200);
  });

  it('mirror ingest never blocks and answers fast, even for a batch of 100', async () => {
    const batch = Array.from({ length: 100 }, (_, i) => (i % 10 === 0
      ? { ...attack, client_ip: '198.51.100.200', uri: `/etc/passwd?i=${i}`, request_id: (i + 1).toString(16).padStart(32, '0') }
      : { ...benign, uri: `/p?i=${i}` }));
    const t0 = performance.now();
    const res = await fetch(`${n.url}/v1/mirror`, { method: 'POST', headers: { 'content-type': 'application/msgpack' }, body: encode(batch) });
    const elapsed = performance.now() - t0;
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 100, dropped: 0, rejected: 0 });
    expect(elapsed).toBeLessThan(1000);
    await n.node.whenIdle();
    const hits = await call(`${n.url}/v1/hits?ip=198.51.100.200&limit=100`);
    expect(hits.body.total).toBeGreaterThanOrEqual(5);
    expect(hits.body.data.every((h: any) => h.verdict === 'monitored' && h.oob === true)).toBe(true);
    // a single message, and a response for one of the mirrored requests
    const one = await fetch(`${n.url}/v1/mirror`, { method: 'POST', headers: { 'content-type': 'application/msgpack' }, body: encode({ type: 'response', request_id: '1'.padStart(32, '0'), status: 200 }) });
    expect(one.status).toBe(202);
    const bad = await fetch(`${n.url}/v1/mirror`, { method: 'POST', headers: { 'content-type': 'application/msgpack' }, body: new Uint8Array([0x92, 0x01]) });
    expect(bad.status).toBe(400);
  });

  it('out-of-band is monitoring only, even for denylisted sources', async () => {
    n.node.ipLists.add({ ip: '192.0.2.66', list: 'deny' });
    const res = await fetch(`${n.url}/v1/mirror`, { method: 'POST', headers: { 'content-type': 'application/msgpack' }, body: encode({ ...attack, client_ip: '192.0.2.66' }) });
    expect(res.status).toBe(202);
    await n.node.whenIdle();
    const hits = await call(`${n.url}/v1/hits?ip=192.0.2.66`);
    expect(hits.body.data[0]).toMatchObject({ type: 'ptrav', verdict: 'monitored' });
    const inline = await call(`${n.url}/v1/inspect`, { method: 'POST', json: { ...benign, client_ip: '192.0.2.66' } });
    expect(inline.status).toBe(403);
    expect(inline.body.reason).toBe('denylist');
  });
});
