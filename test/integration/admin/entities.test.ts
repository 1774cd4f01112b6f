// The admin API suite, run once per store: the embedded journal and PostgreSQL must answer every
// request with the same status and body (ids, defaults, errors, cascades, pagination, tags).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, tempDir, type TestGateway } from '../../helpers/gateway.js';
import { pgEnv, startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { noConsumerPlugin, testPlugin } from '../../fixtures/test-plugin.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const PLUGINS_ENV = { KONG_PLUGINS: 'bundled,test-plugin,test-no-consumer' };
const PLUGINS_OPTS = { extraPlugins: [testPlugin, noConsumerPlugin] };

describe.each(['embedded', 'postgres'] as const)('admin API on the %s store', (store) => {
  let gw: TestGateway;
  let server: TestPostgres | undefined;
  /** Store settings shared by every gateway of this run (a restart reads the same data). */
  let storeEnv: Record<string, string> = {};

  beforeAll(async () => {
    if (store === 'postgres') {
      server = await startPostgres();
      storeEnv = pgEnv(await server.bootstrappedDatabase('admin'));
    }
    gw = await startGateway({ ...PLUGINS_ENV, ...storeEnv }, PLUGINS_OPTS);
  }, 60_000);
  afterAll(async () => {
    await gw?.stop();
    await server?.stop();
  });

  describe('services', () => {
    it('creates a service from the url shorthand with every Kong field', async () => {
      const r = await gw.admin('POST', '/services', { name: 'example', url: 'http://httpbin.test/anything' }, { form: true });
      expect(r.status).toBe(201);
      expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const s = r.body;
      expect(s.id).toMatch(UUID);
      expect(Number.isInteger(s.created_at)).toBe(true);
      expect(s.created_at).toBeGreaterThan(1_600_000_000);
      expect(s.updated_at).toBe(s.created_at);
      const { id: _i, created_at: _c, updated_at: _u, ...rest } = s;
      expect(rest).toEqual({
        name: 'example',
        retries: 5,
        protocol: 'http',
        host: 'httpbin.test',
        port: 80,
        path: '/anything',
        connect_timeout: 60000,
        write_timeout: 60000,
        read_timeout: 60000,
        tags: null,
        client_certificate: null,
        tls_verify: null,
        tls_verify_depth: null,
        ca_certificates: null,
        enabled: true,
      });
      expect(Object.keys(s)).not.toContain('url');
    });

    it('derives port and path from the url like Kong', async () => {
      const a = await gw.admin('POST', '/services', { url: 'https://secure.test' });
      expect(a.body).toMatchObject({ protocol: 'https', port: 443, path: null, host: 'secure.test' });
      const b = await gw.admin('POST', '/services', { url: 'http://x.test:8080/' });
      expect(b.body).toMatchObject({ protocol: 'http', port: 8080, path: '/' });
    });

    it('reports both violations for an invalid url', async () => {
      const r = await gw.admin('POST', '/services', { url: 'invalid url' }, { form: true });
      expect(r.status).toBe(400);
      expect(r.body.code).toBe(2);
      expect(r.body.name).toBe('schema violation');
      expect(r.body.fields).toEqual({ host: 'required field missing', path: 'should start with: /' });
      expect(r.body.message).toBe('2 schema violations (host: required field missing; path: should start with: /)');
    });

    it('reads by id and by name, and 404s with Kong body', async () => {
      const byName = await gw.admin('GET', '/services/example');
      expect(byName.status).toBe(200);
      const byId = await gw.admin('GET', `/services/${byName.body.id}`);
      expect(byId.body).toEqual(byName.body);
      const missing = await gw.admin('GET', '/services/nope');
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ message: 'Not found' });
    });

    it('rejects a duplicate name with 409', async () => {
      const r = await gw.admin('POST', '/services', { name: 'example', host: 'a.test' });
      expect(r.status).toBe(409);
      expect(r.body).toEqual({
        code: 5,
        name: 'unique constraint violation',
        message: `UNIQUE violation detected on '{name="example"}'`,
        fields: { name: 'example' },
      });
    });

    it('validates names, ports and timeouts with Kong messages', async () => {
      const r = await gw.admin('POST', '/services', { name: 'bad name!', host: 'a.test', port: 70000, connect_timeout: 0 });
      expect(r.status).toBe(400);
      expect(r.body.fields).toEqual({
        name: "invalid value 'bad name!': the only accepted ascii characters are alphanumerics or ., -, _, and ~",
        port: 'value should be between 0 and 65535',
        connect_timeout: 'value should be between 1 and 2147483646',
      });
      expect(r.body.message).toMatch(/^3 schema violations \(connect_timeout: .*; name: .*; port: .*\)$/);
    });

    it('reports conditional validation for a path on a tcp service', async () => {
      const r = await gw.admin('POST', '/services', { protocol: 'tcp', host: 'a.test', path: '/x' });
      expect(r.body.fields).toEqual({ path: 'value must be null', '@entity': ["failed conditional validation given value of field 'protocol'"] });
    });

    it('PATCH by name updates only what is sent', async () => {
      const r = await gw.admin('PATCH', '/services/example', { retries: '7', tags: 'a' }, { form: true });
      expect(r.status).toBe(200);
      expect(r.body.retries).toBe(7);
      expect(r.body.tags).toEqual(['a']);
      expect(r.body.host).toBe('httpbin.test');
      const missing = await gw.admin('PATCH', '/services/ghost', { retries: 1 });
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ code: 6, name: 'not found', message: `could not find the entity with '{name="ghost"}'`, fields: { name: 'ghost' } });
    });

    it('PUT by name creates, then replaces with defaults restored', async () => {
      const a = await gw.admin('PUT', '/services/put-me', { host: 'p.test', retries: 2 });
      expect(a.status).toBe(200);
      expect(a.body.name).toBe('put-me');
      const b = await gw.admin('PUT', '/services/put-me', { host: 'q.test' });
      expect(b.status).toBe(200);
      expect(b.body.id).toBe(a.body.id);
      expect(b.body.retries).toBe(5);
      expect(b.body.host).toBe('q.test');
    });

    it('DELETE answers 204 whether or not the entity exists', async () => {
      await gw.admin('POST', '/services', { name: 'to-delete', host: 'd.test' });
      expect((await gw.admin('DELETE', '/services/to-delete')).status).toBe(204);
      expect((await gw.admin('DELETE', '/services/to-delete')).status).toBe(204);
      expect((await gw.admin('GET', '/services/to-delete')).status).toBe(404);
    });
  });

  describe('routes', () => {
    it('creates a nested route from curl form fields', async () => {
      const r = await gw.admin('POST', '/services/example/routes', [['name', 'mocking'], ['paths[]', '/mock'], ['paths[]', '/mock2'], ['methods', 'GET'], ['methods', 'POST'], ['hosts', 'a.test'], ['strip_path', 'false']], { form: true });
      expect(r.status).toBe(201);
      const svc = await gw.admin('GET', '/services/example');
      expect(r.body).toMatchObject({
        name: 'mocking',
        paths: ['/mock', '/mock2'],
        methods: ['GET', 'POST'],
        hosts: ['a.test'],
        strip_path: false,
        protocols: ['http', 'https'],
        https_redirect_status_code: 426,
        regex_priority: 0,
        path_handling: 'v0',
        preserve_host: false,
        request_buffering: true,
        response_buffering: true,
        headers: null,
        snis: null,
        sources: null,
        destinations: null,
        service: { id: svc.body.id },
      });
      const parent = await gw.admin('GET', '/routes/mocking/service');
      expect(parent.body.id).toBe(svc.body.id);
    });

    it('requires a matching attribute (https message for the default protocols)', async () => {
      const r = await gw.admin('POST', '/routes', {});
      expect(r.status).toBe(400);
      expect(r.body.fields).toEqual({ '@entity': ["must set one of 'methods', 'hosts', 'headers', 'paths', 'snis' when 'protocols' is 'https'"] });
    });

    it('reports bad protocols per element', async () => {
      const r = await gw.admin('POST', '/routes', { methods: ['GET'], protocols: ['foo', 'http'] });
      expect(r.body).toEqual({
        code: 2,
        name: 'schema violation',
        message: 'schema violation (protocols.1: expected one of: grpc, grpcs, http, https, tcp, tls, tls_passthrough, udp)',
        fields: { protocols: ['expected one of: grpc, grpcs, http, https, tcp, tls, tls_passthrough, udp'] },
      });
    });

    it('resolves service by name, or answers code 13 / code 4', async () => {
      const ok = await gw.admin('POST', '/routes', { methods: ['GET'], service: { name: 'example' } });
      expect(ok.status).toBe(201);
      const unresolved = await gw.admin('POST', '/routes', { methods: ['GET'], service: { name: 'non-existing' } });
      expect(unresolved.status).toBe(400);
      expect(unresolved.body).toEqual({
        code: 13,
        name: 'foreign keys unresolved',
        message: `foreign key unresolved (service.name: the foreign key cannot be resolved with '{name="non-existing"}' for an existing 'services' entity)`,
        fields: { service: { name: `the foreign key cannot be resolved with '{name="non-existing"}' for an existing 'services' entity` } },
      });
      const noPk = await gw.admin('POST', '/routes', { methods: ['GET'], service: { protocol: 'http' } });
      expect(noPk.body.code).toBe(2);
      expect(noPk.body.fields).toEqual({ service: { id: 'missing primary key' } });
      const id = '8c1b3b4a-8c1b-4b4a-8c1b-3b4a8c1b3b4a';
      const missing = await gw.admin('POST', '/routes', { methods: ['GET'], service: { id } });
      expect(missing.body).toEqual({
        code: 4,
        name: 'foreign key violation',
        message: `the foreign key '{id="${id}"}' does not reference an existing 'services' entity.`,
        fields: { service: { id } },
      });
    });

    it('rejects non-normalised prefix paths and bad regexes, and host headers', async () => {
      const r = await gw.admin('POST', '/routes', { paths: ['/a/../b', '~/(unclosed'], headers: { Host: ['x'] } });
      expect(r.status).toBe(400);
      expect(r.body.fields.paths[0]).toBe("non-normalized path, consider use '/b' instead");
      expect(r.body.fields.paths[1]).toMatch(/^invalid regex: '\/\(unclosed'/);
      expect(r.body.fields.headers).toEqual({ Host: "cannot contain 'host' header, which must be specified in the 'hosts' attribute" });
    });

    it('refuses to delete a service that has routes, then cascades plugins', async () => {
      const svc = await gw.admin('POST', '/services', { name: 'has-routes', host: 'h.test' });
      const route = await gw.admin('POST', '/services/has-routes/routes', { paths: ['/hr'] });
      const plugin = await gw.admin('POST', '/services/has-routes/plugins', { name: 'test-plugin' });
      expect(plugin.status).toBe(201);
      const refused = await gw.admin('DELETE', '/services/has-routes');
      expect(refused.status).toBe(400);
      expect(refused.body).toEqual({
        code: 4,
        name: 'foreign key violation',
        message: "an existing 'routes' entity references this 'services' entity",
        fields: { '@referenced_by': 'routes' },
      });
      expect((await gw.admin('DELETE', `/routes/${route.body.id}`)).status).toBe(204);
      expect((await gw.admin('DELETE', `/services/${svc.body.id}`)).status).toBe(204);
      expect((await gw.admin('GET', `/plugins/${plugin.body.id}`)).status).toBe(404);
    });

    it('nested GET/PATCH/DELETE check that the child belongs to the parent', async () => {
      await gw.admin('POST', '/services', { name: 'other', host: 'o.test' });
      const r = await gw.admin('GET', '/services/other/routes/mocking');
      expect(r.status).toBe(404);
      const ok = await gw.admin('GET', '/services/example/routes/mocking');
      expect(ok.status).toBe(200);
    });
  });

  describe('plugins', () => {
    it('fills config defaults and rejects a second instance on the same scope', async () => {
      const a = await gw.admin('POST', '/services/example/plugins', { name: 'test-plugin', config: { minute: 5 } });
      expect(a.status).toBe(201);
      const svc = await gw.admin('GET', '/services/example');
      expect(a.body).toMatchObject({
        name: 'test-plugin',
        instance_name: null,
        route: null,
        consumer: null,
        service: { id: svc.body.id },
        enabled: true,
        protocols: ['grpc', 'grpcs', 'http', 'https'],
        config: { key_names: ['apikey'], hide_credentials: false, minute: 5, nested: { a: 1, b: 'x' } },
      });
      const dup = await gw.admin('POST', '/services/example/plugins', { name: 'test-plugin' });
      expect(dup.status).toBe(409);
      expect(dup.body.message).toBe(`UNIQUE violation detected on '{consumer=null,name="test-plugin",route=null,service={id="${svc.body.id}"}}'`);
      expect(dup.body.fields).toEqual({ consumer: null, name: 'test-plugin', route: null, service: { id: svc.body.id } });
    });

    it('merges config on PATCH and decodes form config keys', async () => {
      const p = await gw.admin('POST', '/plugins', [['name', 'test-plugin'], ['config.key_names', 'k1'], ['config.key_names', 'k2'], ['config.hide_credentials', 'true'], ['instance_name', 'global-test']], { form: true });
      expect(p.status).toBe(201);
      expect(p.body.config).toMatchObject({ key_names: ['k1', 'k2'], hide_credentials: true });
      const patched = await gw.admin('PATCH', '/plugins/global-test', [['config.nested.b', 'y']], { form: true });
      expect(patched.status).toBe(200);
      expect(patched.body.config).toMatchObject({ key_names: ['k1', 'k2'], hide_credentials: true, nested: { a: 1, b: 'y' } });
    });

    it('rejects unknown and unknown-field configs with Kong errors', async () => {
      const unknown = await gw.admin('POST', '/plugins', { name: 'no-such-plugin' });
      expect(unknown.status).toBe(400);
      expect(unknown.body.fields).toEqual({ name: "plugin 'no-such-plugin' not enabled; add it to the 'plugins' configuration property" });
      const noName = await gw.admin('POST', '/services/example/plugins', {});
      expect(noName.body).toEqual({ code: 2, name: 'schema violation', message: 'schema violation (name: required field missing)', fields: { name: 'required field missing' } });
      const badCfg = await gw.admin('POST', '/routes/mocking/plugins', { name: 'test-plugin', config: { minute: -1, nope: 1 } });
      expect(badCfg.body.fields).toEqual({ config: { minute: 'value must be greater than 0', nope: 'unknown field' } });
      const badTop = await gw.admin('PATCH', '/plugins/global-test', { foo: 'bar' });
      expect(badTop.body).toEqual({ code: 2, name: 'schema violation', message: 'schema violation (foo: unknown field)', fields: { foo: 'unknown field' } });
    });

    it('refuses a consumer scope for no_consumer plugins', async () => {
      const c = await gw.admin('POST', '/consumers', { username: 'scoped' });
      const r = await gw.admin('POST', `/consumers/${c.body.id}/plugins`, { name: 'test-no-consumer' });
      expect(r.status).toBe(400);
      expect(r.body.fields).toEqual({ consumer: 'value must be null' });
    });

    it('lists enabled plugins and plugin schemas', async () => {
      const enabled = await gw.admin('GET', '/plugins/enabled');
      expect(enabled.body.enabled_plugins).toEqual(expect.arrayContaining(['test-plugin', 'test-no-consumer']));
      const schema = await gw.admin('GET', '/schemas/plugins/test-plugin');
      expect(schema.status).toBe(200);
      const config = schema.body.fields.find((f: any) => f.config).config;
      expect(config.type).toBe('record');
      expect(config.fields[0]).toEqual({ key_names: { type: 'array', default: ['apikey'], elements: { type: 'string' } } });
      const missing = await gw.admin('GET', '/schemas/plugins/nope');
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ message: "No plugin named 'nope'" });
    });
  });

  describe('consumers, upstreams and targets', () => {
    it('requires username or custom_id and filters by custom_id', async () => {
      const bad = await gw.admin('POST', '/consumers', {});
      expect(bad.body.fields).toEqual({ '@entity': ["at least one of these fields must be non-empty: 'custom_id', 'username'"] });
      const c = await gw.admin('POST', '/consumers', { username: 'alice', custom_id: 'A-1' });
      const found = await gw.admin('GET', '/consumers?custom_id=A-1');
      expect(found.body).toEqual({ data: [c.body], next: null });
      const empty = await gw.admin('GET', '/consumers?custom_id=');
      expect(empty.status).toBe(400);
      expect(empty.body).toEqual({ message: 'custom_id must be an unempty string' });
    });

    it('normalises targets, rejects duplicates and answers 404 on /targets', async () => {
      const u = await gw.admin('POST', '/upstreams', { name: 'up.internal' });
      expect(u.status).toBe(201);
      expect(u.body.algorithm).toBe('round-robin');
      expect(u.body.healthchecks.active.unhealthy.http_statuses).toEqual([429, 404, 500, 501, 502, 503, 504, 505]);
      const t = await gw.admin('POST', '/upstreams/up.internal/targets', { target: '10.0.0.1' });
      expect(t.status).toBe(201);
      expect(t.body.target).toBe('10.0.0.1:8000');
      expect(t.body.weight).toBe(100);
      expect(t.body.upstream).toEqual({ id: u.body.id });
      expect(t.body.created_at % 1 === 0 || String(t.body.created_at).includes('.')).toBe(true);
      const dup = await gw.admin('POST', '/upstreams/up.internal/targets', { target: '10.0.0.1:8000' });
      expect(dup.status).toBe(409);
      const byKey = await gw.admin('GET', '/upstreams/up.internal/targets/10.0.0.1:8000');
      expect(byKey.body.id).toBe(t.body.id);
      expect((await gw.admin('DELETE', '/upstreams/up.internal/targets/10.9.9.9:80')).status).toBe(404);
      expect((await gw.admin('GET', '/targets')).status).toBe(404);
      const bad = await gw.admin('POST', '/upstreams/up.internal/targets', { target: 'not valid!' });
      expect(bad.body.fields).toEqual({ target: "Invalid target ('not valid!'); not a valid hostname or ip address" });
      const badName = await gw.admin('POST', '/upstreams', { name: '10.0.0.1' });
      expect(badName.body.fields).toEqual({ name: "Invalid name ('10.0.0.1'); no ip addresses allowed" });
    });

    it('keeps unusual strings distinct and unique: NUL, lone surrogates, long and hash-like values', async () => {
      const names = ['nul\u0000a', 'nul\u0000b', 'lone\ud800', 'lone\udbff', '\udc00lone', 'x'.repeat(300), 'x'.repeat(299) + 'y', 'sha256:abc'];
      for (const username of names) {
        const r = await gw.admin('POST', '/consumers', { username, tags: ['odd-strings'] });
        expect(r.status, JSON.stringify(username)).toBe(201);
        expect(r.body.username).toBe(username);
      }
      for (const username of names) {
        const dup = await gw.admin('POST', '/consumers', { username });
        expect(dup.status, JSON.stringify(username)).toBe(409);
        expect(dup.body.fields).toEqual({ username });
      }
      const listed = await gw.admin('GET', '/consumers?tags=odd-strings');
      expect(listed.body.data.map((c: any) => c.username).sort()).toEqual([...names].sort());
    });

    it('hash_on implies consistent-hashing', async () => {
      const u = await gw.admin('POST', '/upstreams', { name: 'hashed.internal', hash_on: 'header', hash_on_header: 'x-user' });
      expect(u.body.algorithm).toBe('consistent-hashing');
      const bad = await gw.admin('POST', '/upstreams', { name: 'h2.internal', hash_on: 'header' });
      expect(bad.body.fields).toEqual({ hash_on_header: 'required field missing' });
    });

    it('deleting an upstream cascades to its targets', async () => {
      await gw.admin('POST', '/upstreams', { name: 'cascade.internal' });
      const t = await gw.admin('POST', '/upstreams/cascade.internal/targets', { target: 'a.test:81' });
      expect((await gw.admin('DELETE', '/upstreams/cascade.internal')).status).toBe(204);
      expect(gw.gateway.store.get('targets', t.body.id)).toBeUndefined();
    });
  });

  describe('pagination and tags', () => {
    it('pages with size, offset and next', async () => {
      for (let i = 0; i < 5; i++) await gw.admin('POST', '/consumers', { username: `page-${i}`, tags: ['paged', i % 2 ? 'odd' : 'even'] });
      const seen: string[] = [];
      let next: string | null = '/consumers?tags=paged&size=2';
      let pages = 0;
      while (next) {
        const r = await gw.admin('GET', next);
        expect(r.status).toBe(200);
        seen.push(...r.body.data.map((c: any) => c.username));
        if (r.body.next) {
          expect(r.body.offset).toBeTypeOf('string');
          expect(r.body.next).toContain('&tags=paged&size=2');
        } else expect(r.body).not.toHaveProperty('offset');
        next = r.body.next;
        pages++;
      }
      expect(pages).toBe(3);
      expect(seen.sort()).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
    });

    it('filters tags with AND (,) and OR (/)', async () => {
      const and = await gw.admin('GET', '/consumers?tags=paged,odd');
      expect(and.body.data.map((c: any) => c.username).sort()).toEqual(['page-1', 'page-3']);
      const or = await gw.admin('GET', '/consumers?tags=odd/even');
      expect(or.body.data).toHaveLength(5);
      const empty = await gw.admin('GET', '/consumers?tags=');
      expect(empty.body).toEqual({ code: 11, name: 'invalid options', message: 'invalid option (tags: cannot be null)', options: { tags: 'cannot be null' } });
    });

    it('validates size and offset', async () => {
      expect((await gw.admin('GET', '/services?size=abc')).body).toEqual({ code: 9, name: 'invalid size', message: 'size must be a number' });
      expect((await gw.admin('GET', '/services?size=2000')).body).toEqual({ code: 9, name: 'invalid size', message: 'size must be an integer between 1 and 1000' });
      expect((await gw.admin('GET', '/services?offset=x')).body).toEqual({ code: 7, name: 'invalid offset', message: "'x' is not a valid offset: bad base64 encoding" });
    });

    it('lists tags', async () => {
      const r = await gw.admin('GET', '/tags/odd');
      expect(r.body.data).toHaveLength(2);
      expect(r.body.data[0]).toMatchObject({ entity_name: 'consumers', tag: 'odd' });
    });
  });

  describe('protocol behaviour', () => {
    it('answers malformed JSON, unknown types, paths and methods like Kong', async () => {
      const bad = await gw.admin('POST', '/services', undefined, { raw: '{"name":', headers: { 'content-type': 'application/json' } });
      expect(bad.status).toBe(400);
      expect(bad.body).toEqual({ message: 'Cannot parse JSON body' });
      const type = await gw.admin('POST', '/services', undefined, { raw: '<x/>', headers: { 'content-type': 'application/xml' } });
      expect(type.status).toBe(415);
      const unknown = await gw.admin('GET', '/nowhere');
      expect(unknown.status).toBe(404);
      expect(unknown.body).toEqual({ message: 'Not found' });
      const method = await gw.admin('PUT', '/services');
      expect(method.status).toBe(405);
      expect(method.body).toEqual({ message: 'Method not allowed' });
    });

    it('accepts multipart bodies', async () => {
      const fd = new FormData();
      fd.append('name', 'multipart-svc');
      fd.append('url', 'http://mp.test/x');
      const res = await fetch(gw.adminUrl + '/services', { method: 'POST', body: fd });
      expect(res.status).toBe(201);
      expect(((await res.json()) as { path: string }).path).toBe('/x');
    });

    it('answers OPTIONS with Allow and echoes CORS origins', async () => {
      const res = await fetch(gw.adminUrl + '/services', { method: 'OPTIONS', headers: { Origin: 'http://manager.test', 'Access-Control-Request-Headers': 'X-Foo' } });
      expect(res.status).toBe(204);
      expect(res.headers.get('allow')).toBe('GET, HEAD, OPTIONS, POST');
      expect(res.headers.get('access-control-allow-methods')).toBe('GET, HEAD, OPTIONS, POST');
      expect(res.headers.get('access-control-allow-headers')).toBe('X-Foo');
      expect(res.headers.get('access-control-allow-origin')).toBe('http://manager.test');
      expect(res.headers.get('access-control-allow-credentials')).toBe('true');
      const get = await fetch(gw.adminUrl + '/services');
      expect(get.headers.get('access-control-allow-origin')).toBe('*');
      expect(get.headers.get('server')).toBe('kong/3.10.0');
    });

    it('serves node information, status, endpoints and entity schemas', async () => {
      const root = await gw.admin('GET', '/');
      expect(root.body.version).toBe('3.10.0');
      expect(root.body.tagline).toBe('Welcome to kong');
      expect(root.body.node_id).toMatch(UUID);
      expect(root.body.plugins.available_on_server['test-plugin']).toEqual({ version: '1.0.0', priority: 500 });
      expect(root.body.plugins.enabled_in_cluster).toContain('test-plugin');
      expect(root.body.configuration.proxy_listen).toBeDefined();
      // Kong clients expect a database they know; the store actually in use is named beside it
      expect(root.body.configuration.database).toBe('postgres');
      expect(root.body.configuration.portcullis_database).toBe(store);
      const status = await gw.admin('GET', '/status');
      expect(status.body.database).toEqual({ reachable: true });
      expect(status.body.server).toHaveProperty('total_requests');
      expect(status.body.memory.workers_lua_vms[0].http_allocated_gc).toMatch(/ MiB$/);
      const endpoints = await gw.admin('GET', '/endpoints');
      expect(endpoints.body.data).toEqual(expect.arrayContaining(['/services', '/services/{services}/routes', '/consumers/{consumers}/key-auth']));
      const schema = await gw.admin('GET', '/schemas/services');
      expect(schema.body.fields[0]).toEqual({ id: { type: 'string', uuid: true, auto: true, description: 'A string representing a UUID (universally unique identifier).' } });
      expect((await gw.admin('GET', '/schemas/nope')).body).toEqual({ message: "No entity named 'nope'" });
      const valid = await gw.admin('POST', '/schemas/services/validate', { host: 'ok.test' });
      expect(valid.body).toEqual({ message: 'schema validation successful' });
      const invalid = await gw.admin('POST', '/schemas/services/validate', { port: 1 });
      expect(invalid.status).toBe(400);
      expect(invalid.body.fields).toEqual({ host: 'required field missing' });
    });

    it('answers /config with the database-mode message', async () => {
      const r = await gw.admin('GET', '/config');
      expect(r.status).toBe(400);
      expect(r.body).toEqual({ message: 'this endpoint is only available when Kong is configured to not use a database' });
    });

    it('generates key-auth credentials under consumers', async () => {
      const c = await gw.admin('POST', '/consumers', { username: 'keyed' });
      const k = await gw.admin('POST', '/consumers/keyed/key-auth', {});
      expect(k.status).toBe(201);
      expect(k.body.key).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(k.body.consumer).toEqual({ id: c.body.id });
      const byKey = await gw.admin('GET', `/key-auths/${k.body.key}`);
      expect(byKey.body.id).toBe(k.body.id);
      const own = await gw.admin('POST', '/consumers/keyed/key-auth', { key: 'secret-1' });
      expect(own.body.key).toBe('secret-1');
      const dup = await gw.admin('POST', '/consumers/keyed/key-auth', { key: 'secret-1' });
      expect(dup.status).toBe(409);
      await gw.admin('DELETE', '/consumers/keyed');
      expect((await gw.admin('GET', `/key-auths/${own.body.id}`)).status).toBe(404);
    });
  });

  describe('certificates, SNIs and timestamps', () => {
    it('writes a certificate and its SNIs together, refuses a taken SNI, and cascades on delete', async () => {
      const { cert, key } = selfSigned();
      const c = await gw.admin('POST', '/certificates', { cert, key, snis: ['b.tls.test', 'a.tls.test'] });
      expect(c.status).toBe(201);
      expect(c.body.snis).toEqual(['a.tls.test', 'b.tls.test']);
      const snis = await gw.admin('GET', '/snis');
      expect(snis.body.data.map((x: any) => [x.name, x.certificate.id]).sort()).toEqual([
        ['a.tls.test', c.body.id],
        ['b.tls.test', c.body.id],
      ]);
      const taken = await gw.admin('POST', '/certificates', { cert, key, snis: ['a.tls.test'] });
      expect(taken.status).toBe(409);
      expect(taken.body).toEqual({ code: 5, name: 'unique constraint violation', message: `UNIQUE violation detected on '{name="a.tls.test"}'`, fields: { name: 'a.tls.test' } });
      const direct = await gw.admin('POST', '/snis', { name: 'b.tls.test', certificate: { id: c.body.id } });
      expect(direct.status).toBe(409);
      // replacing the SNI list drops the old names and adds the new one in one write
      const patched = await gw.admin('PATCH', `/certificates/${c.body.id}`, { snis: ['c.tls.test'] });
      expect(patched.body.snis).toEqual(['c.tls.test']);
      expect((await gw.admin('GET', '/snis/a.tls.test')).status).toBe(404);
      expect((await gw.admin('DELETE', `/certificates/${c.body.id}`)).status).toBe(204);
      expect((await gw.admin('GET', '/snis')).body).toEqual({ data: [], next: null });
    });

    it('keeps created_at and moves updated_at on update; PUT by id keeps the given id', async () => {
      const id = '5a0b7d3e-1f2a-4c3b-9d4e-6f7a8b9c0d1e';
      const put = await gw.admin('PUT', `/consumers/${id}`, { username: 'put-by-id' });
      expect(put.status).toBe(200);
      expect(put.body.id).toBe(id);
      const created = put.body.created_at;
      // timestamps have second precision, as Kong's
      await new Promise((r) => setTimeout(r, 1100));
      const patched = await gw.admin('PATCH', `/consumers/${id}`, { custom_id: 'pbi' });
      expect(patched.body.created_at).toBe(created);
      expect(patched.body.updated_at).toBeGreaterThan(created);
      const upper = await gw.admin('GET', `/consumers/${id.toUpperCase()}`);
      expect(upper.body).toEqual(patched.body);
      const clash = await gw.admin('POST', '/consumers', { id, username: 'other-name' });
      // code 3 answers 400 in Kong's admin API (ERRORS_HTTP_CODES)
      expect(clash.status).toBe(400);
      expect(clash.body).toEqual({ code: 3, name: 'primary key violation', message: `primary key violation on key '{id="${id}"}'`, fields: { id } });
    });
  });

  describe('durability', () => {
    it('a restarted gateway answers every list with the same bodies', async () => {
      const paths = ['/services', '/routes', '/consumers', '/plugins', '/upstreams', '/upstreams/up.internal/targets', '/certificates', '/snis', '/key-auths', '/tags'];
      const before = await Promise.all(paths.map(async (p) => (await gw.admin('GET', `${p}?size=1000`)).body));
      expect(before[0].data.length).toBeGreaterThan(3);
      const prefix = tempDir();
      // the embedded store reads its journal back from the same prefix; PostgreSQL from the same database
      await gw.gateway.stop();
      fs.cpSync(gw.prefix, prefix, { recursive: true });
      fs.rmSync(gw.prefix, { recursive: true, force: true });
      gw = await startGateway({ ...PLUGINS_ENV, ...storeEnv }, { ...PLUGINS_OPTS, prefix });
      const after = await Promise.all(paths.map(async (p) => (await gw.admin('GET', `${p}?size=1000`)).body));
      expect(after).toEqual(before);
      const page = await gw.admin('GET', '/consumers?tags=paged&size=2');
      expect(page.body.data.map((c: any) => c.username)).toHaveLength(2);
    });
  });
});

/** A throwaway self-signed certificate (openssl is a test dependency, as for the connectors). */
function selfSigned(): { cert: string; key: string } {
  const dir = tempDir('portcullis-cert-');
  try {
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=tls.test', '-days', '2', '-keyout', 'key.pem', '-out', 'cert.pem'], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
    return { cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8'), key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
