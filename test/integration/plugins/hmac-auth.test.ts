import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { echoServer, nodeRequest, type Upstream } from '../../helpers/upstream.js';

let gw: TestGateway;
let up: Upstream;
let port: number;
let alice: any;
let credential: any;
const settle = () => new Promise((r) => setTimeout(r, 20));
const SECRET = 's3cr3t';
const NOT_VALID = 'HMAC signature cannot be verified';
const NOT_SAME = 'HMAC signature does not match';
const DATE_REQUIRED = 'HMAC signature cannot be verified, a valid date or x-date header is required for HMAC Authentication';

const httpDate = (offsetS = 0) => new Date(Date.now() + offsetS * 1000).toUTCString();
function sign(algorithm: string, data: string, secret = SECRET): string {
  return crypto.createHmac(algorithm.replace('hmac-', ''), secret).update(data).digest('base64');
}
function authHeader(algorithm: string, headers: string, signature: string, username = 'alice-hmac'): string {
  return `hmac username="${username}", algorithm="${algorithm}", headers="${headers}", signature="${signature}"`;
}
/** Signed over `date` only. */
function dateOnly(algorithm = 'hmac-sha256', secret = SECRET, date = httpDate()) {
  return { date, authorization: authHeader(algorithm, 'date', sign(algorithm, `date: ${date}`, secret)) };
}

beforeAll(async () => {
  up = await echoServer();
  gw = await startGateway();
  port = gw.gateway.addresses.proxy[0]!.port;
  await gw.admin('POST', '/services', { name: 'svc', url: up.url });
  const routes = ['plain', 'hidden', 'anon', 'ghost', 'body', 'enforce', 'only256', 'realm', 'skew', 'open'];
  for (const name of routes) await gw.admin('POST', '/services/svc/routes', { name, paths: [`/${name}`] });
  alice = (await gw.admin('POST', '/consumers', { username: 'alice', custom_id: 'A1' })).body;
  await gw.admin('POST', '/consumers', { username: 'guest' });
  credential = (await gw.admin('POST', '/consumers/alice/hmac-auth', { username: 'alice-hmac', secret: SECRET })).body;
  const plugins: Array<[string, Record<string, unknown>]> = [
    ['plain', {}],
    ['hidden', { hide_credentials: true }],
    ['anon', { anonymous: 'guest' }],
    ['ghost', { anonymous: 'nobody' }],
    ['body', { validate_request_body: true }],
    ['enforce', { enforce_headers: ['date', 'request-line'] }],
    ['only256', { algorithms: ['hmac-sha256'] }],
    ['realm', { realm: 'vault' }],
    ['skew', { clock_skew: 10 }],
  ];
  for (const [route, config] of plugins) {
    const r = await gw.admin('POST', `/routes/${route}/plugins`, { name: 'hmac-auth', config });
    expect(r.status, route).toBe(201);
  }
  await settle();
});
afterAll(async () => {
  await gw?.stop();
  await up?.close();
});

describe('hmac-auth schema', () => {
  it('serves the config fields with Kong defaults', async () => {
    const s = await gw.admin('GET', '/schemas/plugins/hmac-auth');
    expect(s.status).toBe(200);
    const config = s.body.fields.find((f: any) => f.config).config;
    expect(config.fields.map((f: any) => Object.keys(f)[0])).toEqual([
      'hide_credentials',
      'clock_skew',
      'anonymous',
      'validate_request_body',
      'enforce_headers',
      'algorithms',
      'realm',
    ]);
    const p = await gw.admin('POST', '/plugins', { name: 'hmac-auth', route: { name: 'open' }, enabled: false });
    expect(p.status).toBe(201);
    expect(p.body.config).toEqual({
      hide_credentials: false,
      clock_skew: 300,
      anonymous: null,
      validate_request_body: false,
      enforce_headers: [],
      algorithms: ['hmac-sha1', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512'],
      realm: null,
    });
    expect(p.body.protocols).toEqual(['grpc', 'grpcs', 'http', 'https']);
    await gw.admin('DELETE', `/plugins/${p.body.id}`);
  });

  it('answers a bad config with Kong 400 schema violation body', async () => {
    const r = await gw.admin('POST', '/plugins', { name: 'hmac-auth', config: { clock_skew: 0, algorithms: ['hmac-md5'], hide_credentials: 'no' } });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      code: 2,
      name: 'schema violation',
      message: '3 schema violations (config.algorithms.1: expected one of: hmac-sha1, hmac-sha256, hmac-sha384, hmac-sha512; config.clock_skew: value must be greater than 0; config.hide_credentials: expected a boolean)',
      fields: {
        config: {
          algorithms: ['expected one of: hmac-sha1, hmac-sha256, hmac-sha384, hmac-sha512'],
          clock_skew: 'value must be greater than 0',
          hide_credentials: 'expected a boolean',
        },
      },
    });
    const c = await gw.admin('POST', '/consumers/alice/plugins', { name: 'hmac-auth' });
    expect(c.status).toBe(400);
    expect(c.body.fields).toEqual({ consumer: 'value must be null' });
  });
});

describe('hmacauth_credentials admin endpoints', () => {
  it('creates a credential with a generated secret, Kong shape', async () => {
    expect(credential).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      created_at: expect.any(Number),
      consumer: { id: alice.id },
      username: 'alice-hmac',
      secret: SECRET,
      tags: null,
    });
    const gen = await gw.admin('POST', '/consumers/alice/hmac-auth', { username: 'alice-gen', tags: ['t1'] });
    expect(gen.status).toBe(201);
    expect(gen.body.secret).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(gen.body.tags).toEqual(['t1']);
    await gw.admin('DELETE', `/hmac-auths/${gen.body.id}`);
  });

  it('refuses a duplicate username with 409 and a missing username with 400', async () => {
    await gw.admin('POST', '/consumers', { username: 'carol' });
    const dup = await gw.admin('POST', '/consumers/carol/hmac-auth', { username: 'alice-hmac' });
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual({
      code: 5,
      name: 'unique constraint violation',
      message: `UNIQUE violation detected on '{username="alice-hmac"}'`,
      fields: { username: 'alice-hmac' },
    });
    const missing = await gw.admin('POST', '/consumers/carol/hmac-auth', {});
    expect(missing.status).toBe(400);
    expect(missing.body.fields).toEqual({ username: 'required field missing' });
  });

  it('lists by consumer and globally, reads by id or username, and finds the consumer', async () => {
    const mine = await gw.admin('GET', '/consumers/alice/hmac-auth');
    expect(mine.status).toBe(200);
    expect(mine.body.data.map((c: any) => c.username)).toEqual(['alice-hmac']);
    expect(mine.body.next).toBeNull();
    expect((await gw.admin('GET', '/consumers/carol/hmac-auth')).body.data).toEqual([]);
    const all = await gw.admin('GET', '/hmac-auths');
    expect(all.body.data.map((c: any) => c.id)).toContain(credential.id);
    expect((await gw.admin('GET', `/hmac-auths/${credential.id}`)).body.username).toBe('alice-hmac');
    expect((await gw.admin('GET', '/hmac-auths/alice-hmac')).body.id).toBe(credential.id);
    expect((await gw.admin('GET', `/consumers/alice/hmac-auth/${credential.id}`)).body.id).toBe(credential.id);
    const owner = await gw.admin('GET', `/hmac-auths/${credential.id}/consumer`);
    expect(owner.body.username).toBe('alice');
    expect((await gw.admin('GET', `/consumers/carol/hmac-auth/${credential.id}`)).status).toBe(404);
  });

  it('updates and deletes a credential', async () => {
    const c = await gw.admin('POST', '/consumers/carol/hmac-auth', { username: 'carol-hmac', secret: 'one' });
    const patched = await gw.admin('PATCH', `/hmac-auths/${c.body.id}`, { secret: 'two' });
    expect(patched.status).toBe(200);
    expect(patched.body.secret).toBe('two');
    expect((await gw.admin('DELETE', `/consumers/carol/hmac-auth/carol-hmac`)).status).toBe(204);
    expect((await gw.admin('GET', `/hmac-auths/${c.body.id}`)).status).toBe(404);
  });
});

describe('hmac-auth proxy', () => {
  it('accepts a valid signature for each algorithm and sets the consumer headers', async () => {
    for (const algorithm of ['hmac-sha1', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512']) {
      const headers = dateOnly(algorithm);
      const r = await nodeRequest(port, '/plain', { headers });
      expect(r.status, algorithm).toBe(200);
      const h = r.json.headers;
      expect(h['x-consumer-id']).toBe(alice.id);
      expect(h['x-consumer-username']).toBe('alice');
      expect(h['x-consumer-custom-id']).toBe('A1');
      expect(h['x-credential-identifier']).toBe('alice-hmac');
      expect(h['x-anonymous-consumer']).toBeUndefined();
      expect(h['authorization']).toBe(headers.authorization);
    }
  });

  it('accepts Proxy-Authorization first and any prefix before the hmac keyword', async () => {
    const { date, authorization } = dateOnly();
    const p = await nodeRequest(port, '/plain', { headers: { date, 'proxy-authorization': authorization, authorization: 'hello' } });
    expect(p.status).toBe(200);
    const q = await nodeRequest(port, '/plain', { headers: { date, authorization: '"' + authorization } });
    expect(q.status).toBe(200);
  });

  it('signs the request line with the query string, or without it (deprecated form)', async () => {
    const date = httpDate();
    const withQuery = sign('hmac-sha256', `date: ${date}\nx-custom:\nGET /plain/x?a=1&b=2 HTTP/1.1`);
    const r = await nodeRequest(port, '/plain/x?a=1&b=2', { headers: { date, authorization: authHeader('hmac-sha256', 'date x-custom request-line', withQuery) } });
    expect(r.status).toBe(200);
    const withoutQuery = sign('hmac-sha256', `date: ${date}\nGET /plain/x HTTP/1.1`);
    const d = await nodeRequest(port, '/plain/x?a=1', { headers: { date, authorization: authHeader('hmac-sha256', 'date request-line', withoutQuery) } });
    expect(d.status).toBe(200);
    const wrongMethod = sign('hmac-sha256', `date: ${date}\nPOST /plain/x HTTP/1.1`);
    const w = await nodeRequest(port, '/plain/x', { headers: { date, authorization: authHeader('hmac-sha256', 'date request-line', wrongMethod) } });
    expect(w.status).toBe(401);
    expect(w.json.message).toBe(NOT_SAME);
  });

  it('answers 401 Unauthorized with a WWW-Authenticate challenge without credentials', async () => {
    const r = await nodeRequest(port, '/plain', { headers: { date: httpDate() } });
    expect(r.status).toBe(401);
    expect(r.json.message).toBe('Unauthorized');
    expect(r.json.request_id).toEqual(expect.any(String));
    expect(r.headers['www-authenticate']).toBe('hmac');
    const realm = await nodeRequest(port, '/realm', { headers: dateOnly('hmac-sha256', 'wrong') });
    expect(realm.status).toBe(401);
    expect(realm.headers['www-authenticate']).toBe('hmac realm="vault"');
  });

  it('needs a Date or X-Date within clock_skew', async () => {
    const { authorization } = dateOnly();
    const none = await nodeRequest(port, '/plain', { headers: { authorization } });
    expect(none.status).toBe(401);
    expect(none.json.message).toBe(DATE_REQUIRED);
    const bad = await nodeRequest(port, '/plain', { headers: { authorization, date: 'not a date' } });
    expect(bad.json.message).toBe(DATE_REQUIRED);
    const old = dateOnly('hmac-sha256', SECRET, httpDate(-60));
    expect((await nodeRequest(port, '/plain', { headers: old })).status).toBe(200);
    const skewed = await nodeRequest(port, '/skew', { headers: old });
    expect(skewed.status).toBe(401);
    expect(skewed.json.message).toBe(DATE_REQUIRED);
    const future = await nodeRequest(port, '/skew', { headers: dateOnly('hmac-sha256', SECRET, httpDate(30)) });
    expect(future.json.message).toBe(DATE_REQUIRED);
    // nginx's parser also reads RFC 850 and asctime dates
    const d = new Date();
    const pad = (n: number) => String(n).padStart(2, '0');
    const [wd, , mon] = d.toUTCString().split(' ');
    const clock = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
    const weekday = d.toLocaleDateString('en-US', { weekday: 'long', timeZone: 'UTC' });
    const rfc850 = `${weekday}, ${pad(d.getUTCDate())}-${mon}-${String(d.getUTCFullYear()).slice(2)} ${clock} GMT`;
    const asctime = `${wd!.replace(',', '')} ${mon} ${String(d.getUTCDate()).padStart(2, ' ')} ${clock} ${d.getUTCFullYear()}`;
    for (const date of [rfc850, asctime]) {
      expect((await nodeRequest(port, '/skew', { headers: dateOnly('hmac-sha256', SECRET, date) })).status, date).toBe(200);
    }
    // a valid x-date rescues a malformed date, and is what gets signed here
    const xdate = httpDate();
    const sig = sign('hmac-sha256', `x-date: ${xdate}`);
    const x = await nodeRequest(port, '/skew', { headers: { 'x-date': xdate, date: 'garbage', authorization: authHeader('hmac-sha256', 'x-date', sig) } });
    expect(x.status).toBe(200);
  });

  it('refuses a wrong secret, unknown user, malformed header, bad base64 and a disabled algorithm', async () => {
    const wrong = await nodeRequest(port, '/plain', { headers: dateOnly('hmac-sha256', 'not-the-secret') });
    expect(wrong.status).toBe(401);
    expect(wrong.json.message).toBe(NOT_SAME);
    const date = httpDate();
    const cases: Array<[string, string]> = [
      [authHeader('hmac-sha256', 'date', sign('hmac-sha256', `date: ${date}`), 'nobody'), NOT_VALID],
      ['hmac username="alice-hmac", algorithm="hmac-sha256" headers="date", signature="x"', NOT_VALID],
      ['asd', NOT_VALID],
      [authHeader('hmac-sha', 'date', sign('hmac-sha256', `date: ${date}`)), NOT_VALID],
      [authHeader('hmac-sha256', 'date', 'not really base64!!!'), NOT_SAME],
    ];
    for (const [authorization, message] of cases) {
      const r = await nodeRequest(port, '/plain', { headers: { date, authorization } });
      expect(r.status, authorization).toBe(401);
      expect(r.json.message, authorization).toBe(message);
    }
    const sha1 = await nodeRequest(port, '/only256', { headers: dateOnly('hmac-sha1') });
    expect(sha1.status).toBe(401);
    expect(sha1.json.message).toBe(NOT_VALID);
    expect((await nodeRequest(port, '/only256', { headers: dateOnly('hmac-sha256') })).status).toBe(200);
  });

  it('enforces the headers a signature must cover', async () => {
    const date = httpDate();
    const partial = await nodeRequest(port, '/enforce', { headers: dateOnly('hmac-sha256', SECRET, date) });
    expect(partial.status).toBe(401);
    expect(partial.json.message).toBe(NOT_VALID);
    const sig = sign('hmac-sha256', `date: ${date}\nGET /enforce HTTP/1.1`);
    const full = await nodeRequest(port, '/enforce', { headers: { date, authorization: authHeader('hmac-sha256', 'date request-line', sig) } });
    expect(full.status).toBe(200);
  });

  it('validates the body against the Digest header', async () => {
    const body = '{"a":"apple","b":"ball"}';
    const digest = 'SHA-256=' + crypto.createHash('sha256').update(body).digest('base64');
    const date = httpDate();
    const authorization = authHeader('hmac-sha256', 'date digest', sign('hmac-sha256', `date: ${date}\ndigest: ${digest}`));
    const ok = await nodeRequest(port, '/body', { method: 'POST', body, headers: { date, digest, authorization, 'content-type': 'application/json' } });
    expect(ok.status).toBe(200);
    expect(ok.json.body).toBe(body);
    const tampered = await nodeRequest(port, '/body', { method: 'POST', body: 'abc', headers: { date, digest, authorization } });
    expect(tampered.status).toBe(401);
    expect(tampered.json.message).toBe(NOT_SAME);
    const noDigest = await nodeRequest(port, '/body', { method: 'POST', body, headers: dateOnly() });
    expect(noDigest.status).toBe(401);
    expect(noDigest.json.message).toBe(NOT_SAME);
    expect((await nodeRequest(port, '/body', { headers: dateOnly() })).status).toBe(200);
    // without validate_request_body the body is not looked at
    expect((await nodeRequest(port, '/plain', { method: 'POST', body: 'abc', headers: { date, digest, authorization } })).status).toBe(200);
  });

  it('hides the credentials from the upstream when asked', async () => {
    const headers = dateOnly();
    const r = await nodeRequest(port, '/hidden', { headers });
    expect(r.status).toBe(200);
    expect(r.json.headers['authorization']).toBeUndefined();
    const p = await nodeRequest(port, '/hidden', { headers: { date: headers.date, 'proxy-authorization': headers.authorization, authorization: 'kept' } });
    expect(p.status).toBe(200);
    expect(p.json.headers['proxy-authorization']).toBeUndefined();
    expect(p.json.headers['authorization']).toBe('kept');
  });

  it('falls back to the anonymous consumer, or 500 when it does not exist', async () => {
    const a = await nodeRequest(port, '/anon', { headers: dateOnly('hmac-sha256', 'wrong') });
    expect(a.status).toBe(200);
    expect(a.json.headers['x-consumer-username']).toBe('guest');
    expect(a.json.headers['x-anonymous-consumer']).toBe('true');
    expect(a.json.headers['x-credential-identifier']).toBeUndefined();
    const v = await nodeRequest(port, '/anon', { headers: dateOnly() });
    expect(v.json.headers['x-consumer-username']).toBe('alice');
    expect(v.json.headers['x-anonymous-consumer']).toBeUndefined();
    const g = await nodeRequest(port, '/ghost');
    expect(g.status).toBe(500);
    expect(g.json.message).toBe("anonymous consumer nobody is configured but doesn't exist");
  });
});

describe('hmac-auth declarative configuration', () => {
  it('loads hmacauth_credentials nested under consumers in DB-less mode', async () => {
    const dbless = await startGateway({ KONG_DATABASE: 'off' });
    try {
      const config = {
        _format_version: '3.0',
        services: [{ name: 's', url: up.url, routes: [{ name: 'r', paths: ['/d'], plugins: [{ name: 'hmac-auth' }] }] }],
        consumers: [{ username: 'dan', hmacauth_credentials: [{ username: 'dan-hmac', secret: 'dan-secret' }] }],
      };
      const load = await dbless.admin('POST', '/config', config);
      expect(load.status).toBe(201);
      const creds = await dbless.admin('GET', '/consumers/dan/hmac-auth');
      expect(creds.body.data.map((c: any) => [c.username, c.secret])).toEqual([['dan-hmac', 'dan-secret']]);
      await settle();
      const date = httpDate();
      const authorization = authHeader('hmac-sha512', 'date', sign('hmac-sha512', `date: ${date}`, 'dan-secret'), 'dan-hmac');
      const r = await nodeRequest(dbless.gateway.addresses.proxy[0]!.port, '/d', { headers: { date, authorization } });
      expect(r.status).toBe(200);
      expect(r.json.headers['x-consumer-username']).toBe('dan');
    } finally {
      await dbless.stop();
    }
  });
});
