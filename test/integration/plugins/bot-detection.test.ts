import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { echoServer, nodeRequest, rawRequest, type Upstream } from '../../helpers/upstream.js';

let gw: TestGateway;
let up: Upstream;
let port: number;
const settle = () => new Promise((r) => setTimeout(r, 20));
const ua = (v: string) => ({ headers: { 'user-agent': v } });
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

beforeAll(async () => {
  up = await echoServer();
  gw = await startGateway();
  port = gw.gateway.addresses.proxy[0]!.port;
  await gw.admin('POST', '/services', { name: 'svc', url: up.url });
  for (const name of ['plain', 'lists', 'open']) await gw.admin('POST', '/services/svc/routes', { name, paths: [`/${name}`] });
  await gw.admin('POST', '/routes/plain/plugins', { name: 'bot-detection' });
  await gw.admin('POST', '/routes/lists/plugins', { name: 'bot-detection', config: { allow: ['^Googlebot'], deny: ['(?i)curl'] } });
  await settle();
});
afterAll(async () => {
  await gw?.stop();
  await up?.close();
});

describe('bot-detection schema', () => {
  it('fills defaults, maps whitelist/blacklist and refuses a consumer scope', async () => {
    const p = await gw.admin('POST', '/routes/open/plugins', { name: 'bot-detection', config: { blacklist: ['evil'] }, enabled: false });
    expect(p.status).toBe(201);
    expect(p.body.config).toEqual({ allow: [], deny: ['evil'] });
    await gw.admin('DELETE', `/plugins/${p.body.id}`);
    await gw.admin('POST', '/consumers', { username: 'c' });
    const c = await gw.admin('POST', '/consumers/c/plugins', { name: 'bot-detection' });
    expect(c.body.fields).toEqual({ consumer: 'value must be null' });
  });

  it('rejects invalid regexes', async () => {
    const r = await gw.admin('POST', '/plugins', { name: 'bot-detection', config: { deny: ['ok', '[a-'] } });
    expect(r.status).toBe(400);
    expect(r.body.fields).toEqual({ config: { deny: [null, 'not a valid regex: [a-'] } });
  });
});

describe('bot-detection proxy', () => {
  it('answers 403 Forbidden to known bots', async () => {
    for (const agent of ['Googlebot/2.1 (+http://www.google.com/bot.html)', 'facebookexternalhit/1.1', 'Mozilla/5.0 (compatible; bingbot/2.0)', 'Python-urllib/3.11']) {
      const r = await nodeRequest(port, '/plain', ua(agent));
      expect(r.status, agent).toBe(403);
      expect(r.json.message).toBe('Forbidden');
    }
    expect(up.requests).toBe(0);
  });

  it('lets browsers, tools and requests without a User-Agent through', async () => {
    expect((await nodeRequest(port, '/plain', ua(CHROME))).status).toBe(200);
    expect((await nodeRequest(port, '/plain', ua('curl/8.4.0'))).status).toBe(200);
    expect((await nodeRequest(port, '/plain')).status).toBe(200);
  });

  it('checks the allow list, then the deny list, then the bot rules', async () => {
    expect((await nodeRequest(port, '/lists', ua('Googlebot/2.1'))).status).toBe(200);
    expect((await nodeRequest(port, '/lists', ua('CURL/8'))).status).toBe(403);
    expect((await nodeRequest(port, '/lists', ua('bingbot/2.0'))).status).toBe(403);
    expect((await nodeRequest(port, '/lists', ua(CHROME))).status).toBe(200);
  });

  it('refuses several User-Agent headers with 400', async () => {
    const raw = await rawRequest(port, 'GET /plain HTTP/1.1\r\nHost: x\r\nUser-Agent: a\r\nUser-Agent: b\r\nConnection: close\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(raw).toContain('Only one User-Agent header allowed');
  });

  it('applies globally when configured globally', async () => {
    const g = await gw.admin('POST', '/plugins', { name: 'bot-detection' });
    await settle();
    expect((await nodeRequest(port, '/open', ua('Twitterbot/1.0'))).status).toBe(403);
    await gw.admin('DELETE', `/plugins/${g.body.id}`);
    await settle();
    expect((await nodeRequest(port, '/open', ua('Twitterbot/1.0'))).status).toBe(200);
  });
});
