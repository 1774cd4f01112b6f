import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, tempDir, type TestGateway } from '../../helpers/gateway.js';
import { echoServer, nodeRequest, type Upstream } from '../../helpers/upstream.js';

let gw: TestGateway;
let a: Upstream;
let b: Upstream;
let port: number;
const settle = (ms = 20) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  a = await echoServer('a');
  b = await echoServer('b');
  gw = await startGateway({ KONG_PROXY_LISTEN: '127.0.0.1:0, 127.0.0.1:0 ssl' });
  port = gw.gateway.addresses.proxy[0]!.port;
});
afterAll(async () => {
  await gw?.stop();
  await a?.close();
  await b?.close();
});

async function spread(path: string, n: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = await nodeRequest(port, path);
    const who = r.json?.server ?? `status-${r.status}`;
    counts[who] = (counts[who] ?? 0) + 1;
  }
  return counts;
}

describe('upstreams and targets', () => {
  it('distributes by weight with round-robin, and skips weight 0', async () => {
    await gw.admin('POST', '/upstreams', { name: 'rr.internal' });
    await gw.admin('POST', '/upstreams/rr.internal/targets', { target: `127.0.0.1:${a.port}`, weight: 300 });
    await gw.admin('POST', '/upstreams/rr.internal/targets', { target: `127.0.0.1:${b.port}`, weight: 100 });
    await gw.admin('POST', '/services', { name: 'rr', host: 'rr.internal', port: 80 });
    await gw.admin('POST', '/services/rr/routes', { paths: ['/rr'] });
    await settle();
    expect(await spread('/rr', 40)).toEqual({ a: 30, b: 10 });
    const put = await gw.admin('PUT', `/upstreams/rr.internal/targets/127.0.0.1:${b.port}`, { weight: 0 });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ target: `127.0.0.1:${b.port}`, weight: 0 });
    expect((await gw.admin('GET', '/upstreams/rr.internal/targets')).body.data).toHaveLength(2);
    await settle();
    expect(await spread('/rr', 10)).toEqual({ a: 10 });
  });

  it('keeps a client on one target with consistent hashing', async () => {
    await gw.admin('POST', '/upstreams', { name: 'hash.internal', hash_on: 'header', hash_on_header: 'x-user' });
    await gw.admin('POST', '/upstreams/hash.internal/targets', { target: `127.0.0.1:${a.port}` });
    await gw.admin('POST', '/upstreams/hash.internal/targets', { target: `127.0.0.1:${b.port}` });
    await gw.admin('POST', '/services', { name: 'hashed', host: 'hash.internal' });
    await gw.admin('POST', '/services/hashed/routes', { paths: ['/hashed'] });
    await settle();
    const seen = new Map<string, Set<string>>();
    for (let i = 0; i < 40; i++) {
      const user = `user-${i % 8}`;
      const r = await nodeRequest(port, '/hashed', { headers: { 'x-user': user } });
      if (!seen.has(user)) seen.set(user, new Set());
      seen.get(user)!.add(r.json.server);
    }
    for (const servers of seen.values()) expect(servers.size).toBe(1);
    const all = new Set([...seen.values()].flatMap((s) => [...s]));
    expect(all.size).toBe(2);
  });

  it('hashes on a cookie, generating it when absent so the client sticks (hash_on: cookie)', async () => {
    await gw.admin('POST', '/upstreams', { name: 'cookie.internal', hash_on: 'cookie', hash_on_cookie: 'sticky', hash_on_cookie_path: '/app' });
    await gw.admin('POST', '/upstreams/cookie.internal/targets', { target: `127.0.0.1:${a.port}` });
    await gw.admin('POST', '/upstreams/cookie.internal/targets', { target: `127.0.0.1:${b.port}` });
    await gw.admin('POST', '/services', { name: 'cookied', host: 'cookie.internal' });
    await gw.admin('POST', '/services/cookied/routes', { name: 'cookied', paths: ['/cookied'] });
    await settle();
    const values = new Set<string>();
    const servers = new Set<string>();
    for (let i = 0; i < 12; i++) {
      // a new client: Kong makes up a value, hashes on it and hands it out
      const first = await nodeRequest(port, '/cookied');
      expect(first.status).toBe(200);
      const setCookie = first.headers['set-cookie'] ?? [];
      expect(setCookie).toHaveLength(1);
      const m = /^sticky=([0-9a-f-]{36}); Path=\/app; Same-Site=Lax; HttpOnly$/.exec(setCookie[0]!);
      expect(m).not.toBeNull();
      values.add(m![1]!);
      servers.add(first.json.server);
      // replaying it sticks to the same target, and no new cookie is set
      for (let j = 0; j < 4; j++) {
        const again = await nodeRequest(port, '/cookied', { headers: { cookie: `theme=dark; sticky=${m![1]}` } });
        expect(again.json.server).toBe(first.json.server);
        expect(again.headers['set-cookie']).toBeUndefined();
        expect(again.json.headers.cookie).toBe(`theme=dark; sticky=${m![1]}`);
      }
    }
    expect(values.size).toBe(12);
    expect(servers).toEqual(new Set(['a', 'b']));
    // with a header_filter plugin on the route the answer is built the other way; the cookie is still there
    expect((await gw.admin('POST', '/routes/cookied/plugins', { name: 'cors' })).status).toBe(201);
    await settle();
    const filtered = await nodeRequest(port, '/cookied', { headers: { origin: 'http://site.test' } });
    expect(filtered.headers['access-control-allow-origin']).toBe('*');
    expect(filtered.headers['set-cookie']?.[0]).toMatch(/^sticky=[0-9a-f-]{36}; Path=\/app; Same-Site=Lax; HttpOnly$/);
  });

  it('replaces an upstream cookie of the same name with the generated one and keeps the others', async () => {
    const setter = http.createServer((_req, res) => {
      res.setHeader('set-cookie', ['sticky=from-upstream; Path=/', 'other=1']);
      res.end('ok');
    });
    await new Promise<void>((r) => setter.listen(0, '127.0.0.1', r));
    const p = (setter.address() as { port: number }).port;
    await gw.admin('POST', '/upstreams', { name: 'cookie2.internal', hash_on: 'cookie', hash_on_cookie: 'sticky' });
    await gw.admin('POST', '/upstreams/cookie2.internal/targets', { target: `127.0.0.1:${p}` });
    await gw.admin('POST', '/services', { name: 'cookied2', host: 'cookie2.internal' });
    await gw.admin('POST', '/services/cookied2/routes', { paths: ['/cookied2'] });
    await settle();
    const r = await nodeRequest(port, '/cookied2');
    const cookies = r.headers['set-cookie'] ?? [];
    expect(cookies).toHaveLength(2);
    expect(cookies).toContain('other=1');
    expect(cookies.find((c) => c.startsWith('sticky='))).toMatch(/^sticky=[0-9a-f-]{36}; Path=\/; Same-Site=Lax; HttpOnly$/);
    // a client that has the cookie already gets the upstream's answer untouched
    const kept = await nodeRequest(port, '/cookied2', { headers: { cookie: 'sticky=abc' } });
    expect(kept.headers['set-cookie']).toEqual(['sticky=from-upstream; Path=/', 'other=1']);
    await new Promise((r2) => setter.close(r2));
  });

  it('marks a failing target unhealthy (passive), serves from the rest, and reports health', async () => {
    const dead = await echoServer('dead');
    const deadPort = dead.port;
    await dead.close();
    await gw.admin('POST', '/upstreams', { name: 'passive.internal', healthchecks: { passive: { unhealthy: { tcp_failures: 1 } } } });
    await gw.admin('POST', '/upstreams/passive.internal/targets', { target: `127.0.0.1:${a.port}` });
    await gw.admin('POST', '/upstreams/passive.internal/targets', { target: `127.0.0.1:${deadPort}` });
    await gw.admin('POST', '/services', { name: 'passive', host: 'passive.internal', retries: 2 });
    await gw.admin('POST', '/services/passive/routes', { paths: ['/passive'] });
    await settle();
    expect(await spread('/passive', 6)).toEqual({ a: 6 });
    const health = await gw.admin('GET', '/upstreams/passive.internal/health');
    const byTarget = Object.fromEntries(health.body.data.map((t: any) => [t.target, t.health]));
    expect(byTarget[`127.0.0.1:${deadPort}`]).toBe('UNHEALTHY');
    expect(byTarget[`127.0.0.1:${a.port}`]).toBe('HEALTHY');
    // manual override through the admin API
    expect((await gw.admin('PUT', `/upstreams/passive.internal/targets/127.0.0.1:${a.port}/unhealthy`)).status).toBe(204);
    const none = await nodeRequest(port, '/passive', { headers: { accept: 'application/json' } });
    expect(none.status).toBe(503);
    expect(none.json.message).toBe('failure to get a peer from the ring-balancer');
    await gw.admin('PUT', `/upstreams/passive.internal/targets/127.0.0.1:${a.port}/healthy`);
    expect((await nodeRequest(port, '/passive')).status).toBe(200);
  });

  it('probes targets actively and brings them back when they recover', async () => {
    const flaky = await echoServer('flaky');
    await gw.admin('POST', '/upstreams', {
      name: 'active.internal',
      healthchecks: { active: { http_path: '/status/200', timeout: 1, healthy: { interval: 0.1, successes: 1 }, unhealthy: { interval: 0.1, tcp_failures: 1, http_failures: 1 } } },
    });
    await gw.admin('POST', '/upstreams/active.internal/targets', { target: `127.0.0.1:${flaky.port}` });
    await settle(300);
    const first = await gw.admin('GET', '/upstreams/active.internal/health');
    expect(first.body.data[0].health).toBe('HEALTHY');
    const p = flaky.port;
    await flaky.close();
    await settle(500);
    expect((await gw.admin('GET', '/upstreams/active.internal/health')).body.data[0].health).toBe('UNHEALTHY');
    // a server answering on the same port again brings the target back
    const back = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => back.listen(p, '127.0.0.1', r));
    await settle(500);
    expect((await gw.admin('GET', '/upstreams/active.internal/health')).body.data[0].health).toBe('HEALTHY');
    await new Promise((r) => back.close(r));
  });

  it('answers 503 when the service host does not resolve', async () => {
    await gw.admin('POST', '/services', { name: 'nxdomain', host: 'does-not-exist.invalid' });
    await gw.admin('POST', '/services/nxdomain/routes', { paths: ['/nx'] });
    await settle();
    const r = await nodeRequest(port, '/nx', { headers: { accept: 'application/json' } });
    expect(r.status).toBe(503);
    expect(r.json.message).toBe('name resolution failed');
  });
});

describe('TLS', () => {
  it('serves https with a certificate and SNI from the store', async () => {
    const dir = tempDir();
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=secure.test', '-addext', 'subjectAltName=DNS:secure.test'], { stdio: 'ignore' });
    const cert = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
    const key = fs.readFileSync(path.join(dir, 'key.pem'), 'utf8');
    const c = await gw.admin('POST', '/certificates', { cert, key, snis: ['secure.test'] });
    expect(c.status).toBe(201);
    expect(c.body.snis).toEqual(['secure.test']);
    const mismatch = await gw.admin('POST', '/certificates', { cert, key: key.replace(/A/g, 'B') });
    expect(mismatch.status).toBe(400);
    await gw.admin('POST', '/services', { name: 'tls-svc', url: a.url });
    await gw.admin('POST', '/services/tls-svc/routes', { paths: ['/tls'], protocols: ['https'] });
    await settle();
    const tlsPort = gw.gateway.addresses.proxy[1]!.port;
    const body = await new Promise<{ status: number; text: string; peer: string }>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: tlsPort, path: '/tls/x', servername: 'secure.test', ca: cert, headers: { host: 'secure.test' }, agent: false }, (res) => {
        const peer = (res.socket as any).getPeerCertificate().subject.CN;
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, text, peer }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(body.peer).toBe('secure.test');
    expect(body.status).toBe(200);
    expect(JSON.parse(body.text).headers['x-forwarded-proto']).toBe('https');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
