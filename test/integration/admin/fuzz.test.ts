// Property-based fuzzing of the admin API: random and malformed bodies, content types, paths and
// methods. Invariants: never a 5xx, the server keeps answering, no orphan rows, unique names unique.
// CI runs a bounded number with a fixed seed; `npm run fuzz` (FUZZ_RUNS, FUZZ_SEED) runs more.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { pgEnv, startPostgres, type TestPostgres } from '../../helpers/postgres.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1500);
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);


const collections = ['services', 'routes', 'consumers', 'plugins', 'upstreams', 'certificates', 'snis', 'key-auths', 'acls', 'tags', 'schemas', 'config', 'nope'];
const idish = fc.oneof(fc.constant('fz'), fc.constant('fzr'), fc.constant('fzc'), fc.uuid(), fc.string({ maxLength: 12 }), fc.constant('%00'), fc.constant('..'));
const segment = fc.oneof(fc.constantFrom(...collections), idish, fc.constantFrom('routes', 'plugins', 'service', 'targets', 'key-auth', 'acls', 'health', 'validate'));
const pathArb = fc.array(segment, { minLength: 1, maxLength: 4 }).map((segs) => '/' + segs.map((s) => encodeURIComponent(s).replace(/%25/g, '%')).join('/'));
const queryArb = fc.oneof(
  fc.constant(''),
  fc.constantFrom('?size=0', '?size=-1', '?size=1e9', '?size=abc', '?offset=%%%', '?offset=eyJ4Ijo', '?tags=', '?tags=a,b/c', '?tags=a,b,c,d,e,f', '?custom_id='),
  fc.string({ maxLength: 20 }).map((s) => '?' + encodeURIComponent(s)),
);

const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    fc.constantFrom(1e308, -0, 2 ** 53 + 1, 99999999999999999999),
    fc.string({ maxLength: 30 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom('name', 'host', 'port', 'url', 'paths', 'service', 'config', 'tags', 'protocols', 'methods', 'hosts', 'headers', 'username', 'custom_id', 'id', 'target', 'weight', 'route', 'consumer', 'enabled', 'x'), tie('value'), { maxKeys: 5 }),
  ),
})).value;

const entityBody = fc.record(
  {
    name: fc.oneof(fc.constant('fz'), fc.constant('dup-name'), fc.string({ maxLength: 10 })),
    host: fc.oneof(fc.constant('a.test'), fc.string({ maxLength: 10 })),
    url: fc.oneof(fc.constant('http://x.test/p'), fc.string({ maxLength: 15 })),
    paths: fc.oneof(fc.constant(['/x']), fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 })),
    service: fc.oneof(fc.constant({ name: 'fz' }), fc.record({ id: fc.uuid() }), jsonValue),
    username: fc.oneof(fc.constant('fzc'), fc.string({ maxLength: 8 })),
    config: jsonValue,
    port: fc.oneof(fc.integer({ min: -5, max: 70000 }), fc.string({ maxLength: 5 })),
  },
  { requiredKeys: [] },
);

const bodyArb = fc.oneof(
  entityBody.map((b) => ({ type: 'application/json', text: JSON.stringify(b) })),
  jsonValue.map((v) => ({ type: 'application/json', text: JSON.stringify(v) ?? 'null' })),
  fc.string({ maxLength: 40 }).map((s) => ({ type: 'application/json', text: s })),
  fc.array(fc.tuple(fc.constantFrom('name', 'paths[]', 'paths[1]', 'config.x', 'service.id', 'methods', 'a[b][c]', '', '[]', 'x.'), fc.string({ maxLength: 10 })), { maxLength: 6 }).map((pairs) => ({
    type: 'application/x-www-form-urlencoded',
    text: pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'),
  })),
  fc.string({ maxLength: 30 }).map((s) => ({ type: 'multipart/form-data; boundary=zz', text: `--zz\r\nContent-Disposition: form-data; name="name"\r\n\r\n${s}\r\n--zz--\r\n` })),
  fc.constantFrom(
    { type: 'text/plain', text: 'hello' },
    { type: 'application/xml', text: '<x/>' },
    { type: '', text: '{"name":"noctype"}' },
    { type: 'application/json', text: '{"name":"a\u0000b","host":"x.test"}' },
    { type: 'application/json', text: '['.repeat(5000) },
    { type: 'application/json', text: '{"a":'.repeat(2000) + '1' + '}'.repeat(2000) },
  ),
);

const request = fc.record({ method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE'), path: pathArb, query: queryArb, body: bodyArb });

// the same properties on both stores: PostgreSQL must answer exactly as the embedded store does
describe.each(['embedded', 'postgres'] as const)('admin API fuzzing on the %s store', (kind) => {
  let gw: TestGateway;
  let server: TestPostgres | undefined;

  beforeAll(async () => {
    const env = kind === 'postgres' ? pgEnv(await (server = await startPostgres()).bootstrappedDatabase('fuzz')) : {};
    gw = await startGateway(env);
    await gw.admin('POST', '/services', { name: 'fz', host: 'fz.test' });
    await gw.admin('POST', '/services/fz/routes', { name: 'fzr', paths: ['/fz'] });
    await gw.admin('POST', '/consumers', { username: 'fzc' });
  }, 60_000);
  afterAll(async () => {
    await gw?.stop();
    await server?.stop();
  });

  it(`never answers 5xx or breaks invariants (${RUNS} runs, seed ${SEED})`, async () => {
    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const headers: Record<string, string> = {};
        if (r.body.type) headers['content-type'] = r.body.type;
        const withBody = r.method !== 'GET' && r.method !== 'HEAD' && r.method !== 'OPTIONS' && r.method !== 'TRACE';
        const res = await fetch(gw.adminUrl + r.path + r.query, { method: r.method === 'TRACE' ? 'POST' : r.method, headers, body: withBody ? r.body.text : undefined });
        await res.arrayBuffer();
        if (res.status >= 500) failures.push(`${res.status} ${r.method} ${r.path}${r.query} ${r.body.type} ${r.body.text.slice(0, 80)}`);
        return res.status < 500;
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    expect(failures).toEqual([]);
    // invariants over the store after the storm
    const store = gw.gateway.store;
    for (const route of store.list('routes')) if (route.service) expect(store.get('services', route.service.id)).toBeDefined();
    for (const p of store.list('plugins')) {
      for (const f of ['route', 'service', 'consumer']) if (p[f]) expect(store.get(f + 's', p[f].id)).toBeDefined();
    }
    for (const e of ['services', 'routes', 'upstreams']) {
      const names = store.list(e).map((x) => x.name).filter((n) => n !== null);
      expect(new Set(names).size).toBe(names.length);
    }
    const usernames = store.list('consumers').map((c) => c.username).filter((n) => n !== null);
    expect(new Set(usernames).size).toBe(usernames.length);
    const status = await gw.admin('GET', '/status');
    expect(status.status).toBe(200);
  }, 240_000);
});
