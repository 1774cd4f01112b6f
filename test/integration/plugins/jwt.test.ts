import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { echoServer, nodeRequest, type Upstream } from '../../helpers/upstream.js';
import { base64UrlEncode, encodeToken } from '../../../src/plugins/jwt/parser.js';

let gw: TestGateway;
let up: Upstream;
let port: number;
let alice: any;
const settle = () => new Promise((r) => setTimeout(r, 20));
const now = () => Math.floor(Date.now() / 1000);
const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string;
const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

beforeAll(async () => {
  up = await echoServer();
  gw = await startGateway();
  port = gw.gateway.addresses.proxy[0]!.port;
  await gw.admin('POST', '/services', { name: 'svc', url: up.url });
  for (const name of ['plain', 'exp', 'b64', 'realm', 'anon', 'preflight', 'cookie', 'kid', 'maxexp', 'open']) {
    await gw.admin('POST', '/services/svc/routes', { name, paths: [`/${name}`] });
  }
  alice = (await gw.admin('POST', '/consumers', { username: 'alice' })).body;
  await gw.admin('POST', '/consumers', { username: 'guest' });
  await gw.admin('POST', '/consumers/alice/jwt', { key: 'iss-hs', secret: 's3cret' });
  await gw.admin('POST', '/consumers/alice/jwt', { key: 'iss-512', secret: 'big', algorithm: 'HS512' });
  await gw.admin('POST', '/consumers/alice/jwt', { key: 'iss-rs', algorithm: 'RS256', rsa_public_key: rsaPem });
  await gw.admin('POST', '/consumers/alice/jwt', { key: 'iss-es', algorithm: 'ES256', rsa_public_key: ec.publicKey.export({ type: 'spki', format: 'pem' }) });
  await gw.admin('POST', '/consumers/alice/jwt', { key: 'iss-b64', secret: Buffer.from('raw-secret').toString('base64') });
  await gw.admin('POST', '/routes/plain/plugins', { name: 'jwt' });
  await gw.admin('POST', '/routes/exp/plugins', { name: 'jwt', config: { claims_to_verify: ['exp', 'nbf'] } });
  await gw.admin('POST', '/routes/b64/plugins', { name: 'jwt', config: { secret_is_base64: true } });
  await gw.admin('POST', '/routes/realm/plugins', { name: 'jwt', config: { realm: 'api' } });
  await gw.admin('POST', '/routes/anon/plugins', { name: 'jwt', config: { anonymous: 'guest' } });
  await gw.admin('POST', '/routes/preflight/plugins', { name: 'jwt', config: { run_on_preflight: false } });
  await gw.admin('POST', '/routes/cookie/plugins', { name: 'jwt', config: { cookie_names: ['session'], uri_param_names: [], header_names: ['x-token'] } });
  await gw.admin('POST', '/routes/kid/plugins', { name: 'jwt', config: { key_claim_name: 'kid' } });
  await gw.admin('POST', '/routes/maxexp/plugins', { name: 'jwt', config: { maximum_expiration: 60, claims_to_verify: ['exp'] } });
  await settle();
});
afterAll(async () => {
  await gw?.stop();
  await up?.close();
});

describe('jwt schema', () => {
  it('fills Kong defaults and refuses a consumer scope', async () => {
    const p = await gw.admin('POST', '/routes/open/plugins', { name: 'jwt', enabled: false });
    expect(p.status).toBe(201);
    expect(p.body.config).toEqual({
      uri_param_names: ['jwt'],
      cookie_names: [],
      key_claim_name: 'iss',
      secret_is_base64: false,
      claims_to_verify: null,
      anonymous: null,
      run_on_preflight: true,
      maximum_expiration: 0,
      header_names: ['authorization'],
      realm: null,
    });
    const c = await gw.admin('POST', '/consumers/alice/plugins', { name: 'jwt' });
    expect(c.body.fields).toEqual({ consumer: 'value must be null' });
  });

  it('validates claims_to_verify, maximum_expiration and their conditional', async () => {
    const a = await gw.admin('POST', '/plugins', { name: 'jwt', config: { claims_to_verify: ['iat'] } });
    expect(a.body.fields).toEqual({ config: { claims_to_verify: ['expected one of: exp, nbf'] } });
    const b = await gw.admin('POST', '/plugins', { name: 'jwt', config: { maximum_expiration: 31536001 } });
    expect(b.body.fields).toEqual({ config: { maximum_expiration: 'value should be between 0 and 31536000' } });
    const c = await gw.admin('POST', '/plugins', { name: 'jwt', config: { maximum_expiration: 10, claims_to_verify: ['nbf'] } });
    expect(c.status).toBe(400);
    expect(c.body.message).toBe(
      "2 schema violations (failed conditional validation given value of field 'config.maximum_expiration'; config.claims_to_verify: expected to contain: exp)",
    );
  });

  it('requires rsa_public_key for RS credentials', async () => {
    const r = await gw.admin('POST', '/consumers/alice/jwt', { key: 'x', algorithm: 'RS256' });
    expect(r.status).toBe(400);
    expect(r.body.fields.rsa_public_key).toBe('required field missing');
  });
});

describe('jwt proxy', () => {
  it('answers 401 Unauthorized without a token', async () => {
    const r = await nodeRequest(port, '/plain');
    expect(r.status).toBe(401);
    expect(r.json).toEqual({ message: 'Unauthorized' });
    expect(r.headers['www-authenticate']).toBe('Bearer');
    const realm = await nodeRequest(port, '/realm');
    expect(realm.headers['www-authenticate']).toBe('Bearer realm="api"');
  });

  it('authenticates from the Authorization header and the query string', async () => {
    const t = encodeToken({ iss: 'iss-hs', sub: '1' }, 's3cret');
    const r = await nodeRequest(port, '/plain', { headers: bearer(t) });
    expect(r.status).toBe(200);
    expect(r.json.headers['x-consumer-id']).toBe(alice.id);
    expect(r.json.headers['x-consumer-username']).toBe('alice');
    expect(r.json.headers['x-credential-identifier']).toBe('iss-hs');
    expect(r.json.headers['x-anonymous-consumer']).toBeUndefined();
    const q = await nodeRequest(port, `/plain?jwt=${t}`);
    expect(q.status).toBe(200);
    // the same token twice is one token
    expect((await nodeRequest(port, `/plain?jwt=${t}`, { headers: bearer(t) })).status).toBe(200);
  });

  it("answers Kong's 401 messages with the invalid_token challenge", async () => {
    const cases: Array<[string, string]> = [
      ['garbage', 'Bad token; invalid JSON'],
      [base64UrlEncode('{"alg":"none"}') + '.' + base64UrlEncode('{}') + '.x', 'Bad token; invalid alg'],
      [encodeToken({ sub: 'x' }, 's3cret'), "No mandatory 'iss' in claims"],
      [encodeToken({ iss: '' }, 's3cret'), "Invalid 'iss' in claims"],
      [encodeToken({ iss: 'unknown' }, 's3cret'), "No credentials found for given 'iss'"],
      [encodeToken({ iss: 'iss-hs' }, 's3cret', 'HS384'), 'Invalid algorithm'],
      [encodeToken({ iss: 'iss-hs' }, 'wrong'), 'Invalid signature'],
    ];
    for (const [token, message] of cases) {
      const r = await nodeRequest(port, '/plain', { headers: bearer(token) });
      expect(r.status, message).toBe(401);
      expect(r.json).toEqual({ message });
      expect(r.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    }
    const realm = await nodeRequest(port, '/realm', { headers: bearer('garbage') });
    expect(realm.headers['www-authenticate']).toBe('Bearer realm="api" error="invalid_token"');
  });

  it('refuses two different tokens', async () => {
    const a = encodeToken({ iss: 'iss-hs', n: 1 }, 's3cret');
    const b = encodeToken({ iss: 'iss-hs', n: 2 }, 's3cret');
    const r = await nodeRequest(port, `/plain?jwt=${a}`, { headers: bearer(b) });
    expect(r.status).toBe(401);
    expect(r.json.message).toBe('Multiple tokens provided');
  });

  it('verifies HS512, RS256 and ES256 credentials', async () => {
    expect((await nodeRequest(port, '/plain', { headers: bearer(encodeToken({ iss: 'iss-512' }, 'big', 'HS512')) })).status).toBe(200);
    expect((await nodeRequest(port, '/plain', { headers: bearer(encodeToken({ iss: 'iss-rs' }, rsa.privateKey, 'RS256')) })).status).toBe(200);
    expect((await nodeRequest(port, '/plain', { headers: bearer(encodeToken({ iss: 'iss-es' }, ec.privateKey, 'ES256')) })).status).toBe(200);
    const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const bad = await nodeRequest(port, '/plain', { headers: bearer(encodeToken({ iss: 'iss-rs' }, other, 'RS256')) });
    expect(bad.json.message).toBe('Invalid signature');
  });

  it('verifies exp and nbf when configured, with the errors as the body', async () => {
    const ok = await nodeRequest(port, '/exp', { headers: bearer(encodeToken({ iss: 'iss-hs', exp: now() + 60, nbf: now() - 1 }, 's3cret')) });
    expect(ok.status).toBe(200);
    const expired = await nodeRequest(port, '/exp', { headers: bearer(encodeToken({ iss: 'iss-hs', exp: now() - 1, nbf: now() }, 's3cret')) });
    expect(expired.status).toBe(401);
    expect(expired.json).toEqual({ exp: 'token expired' });
    expect(expired.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    const early = await nodeRequest(port, '/exp', { headers: bearer(encodeToken({ iss: 'iss-hs', exp: now() + 60, nbf: now() + 60 }, 's3cret')) });
    expect(early.json).toEqual({ nbf: 'token not valid yet' });
    const missing = await nodeRequest(port, '/exp', { headers: bearer(encodeToken({ iss: 'iss-hs' }, 's3cret')) });
    expect(missing.json).toEqual({ exp: 'must be a number', nbf: 'must be a number' });
    // the plain route does not verify exp
    expect((await nodeRequest(port, '/plain', { headers: bearer(encodeToken({ iss: 'iss-hs', exp: 1 }, 's3cret')) })).status).toBe(200);
  });

  it('enforces maximum_expiration', async () => {
    expect((await nodeRequest(port, '/maxexp', { headers: bearer(encodeToken({ iss: 'iss-hs', exp: now() + 30 }, 's3cret')) })).status).toBe(200);
    const far = await nodeRequest(port, '/maxexp', { headers: bearer(encodeToken({ iss: 'iss-hs', exp: now() + 3600 }, 's3cret')) });
    expect(far.status).toBe(401);
    expect(far.json).toEqual({ exp: 'exceeds maximum allowed expiration' });
  });

  it('decodes base64 secrets when secret_is_base64', async () => {
    expect((await nodeRequest(port, '/b64', { headers: bearer(encodeToken({ iss: 'iss-b64' }, 'raw-secret')) })).status).toBe(200);
    const r = await nodeRequest(port, '/plain', { headers: bearer(encodeToken({ iss: 'iss-b64' }, 'raw-secret')) });
    expect(r.json.message).toBe('Invalid signature');
  });

  it('reads cookies and custom headers, and the key claim from the header', async () => {
    const t = encodeToken({ iss: 'iss-hs' }, 's3cret');
    expect((await nodeRequest(port, '/cookie', { headers: { cookie: `a=b; session=${t}` } })).status).toBe(200);
    expect((await nodeRequest(port, '/cookie', { headers: { 'x-token': `bearer ${t}` } })).status).toBe(200);
    expect((await nodeRequest(port, `/cookie?jwt=${t}`)).status).toBe(401);
    const kid = encodeToken({ sub: 'x' }, 's3cret', 'HS256', { typ: 'JWT', alg: 'HS256', kid: 'iss-hs' });
    expect((await nodeRequest(port, '/kid', { headers: bearer(kid) })).status).toBe(200);
    const noKid = await nodeRequest(port, '/kid', { headers: bearer(t) });
    expect(noKid.json.message).toBe("No mandatory 'kid' in claims");
  });

  it('falls back to the anonymous consumer on any failure', async () => {
    const r = await nodeRequest(port, '/anon', { headers: bearer('garbage') });
    expect(r.status).toBe(200);
    expect(r.json.headers['x-consumer-username']).toBe('guest');
    expect(r.json.headers['x-anonymous-consumer']).toBe('true');
    const ok = await nodeRequest(port, '/anon', { headers: bearer(encodeToken({ iss: 'iss-hs' }, 's3cret')) });
    expect(ok.json.headers['x-consumer-username']).toBe('alice');
  });

  it('lets preflight requests through when run_on_preflight is off', async () => {
    expect((await nodeRequest(port, '/preflight', { method: 'OPTIONS' })).status).toBe(200);
    expect((await nodeRequest(port, '/preflight')).status).toBe(401);
    expect((await nodeRequest(port, '/plain', { method: 'OPTIONS' })).status).toBe(401);
  });
});
