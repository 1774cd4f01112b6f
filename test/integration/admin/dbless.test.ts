import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, tempDir, type TestGateway } from '../../helpers/gateway.js';
import { testPlugin } from '../../fixtures/test-plugin.js';

const KONG_YML = `
_format_version: "3.0"
_comment: a walk-through file
services:
- name: example
  url: http://httpbin.test/anything
  tags: [demo]
  routes:
  - name: r1
    paths: ["/x"]
    plugins:
    - name: test-plugin
      config: { minute: 5 }
  plugins:
  - name: test-plugin
routes:
- name: r2
  service: example
  paths: ["/y"]
consumers:
- username: alice
  keyauth_credentials:
  - key: secret
upstreams:
- name: up.internal
  targets:
  - target: 10.0.0.1:8080
    weight: 50
`;

let gw: TestGateway;
let dir: string;

beforeAll(async () => {
  dir = tempDir();
  fs.writeFileSync(path.join(dir, 'kong.yml'), KONG_YML);
  gw = await startGateway(
    { KONG_DATABASE: 'off', KONG_DECLARATIVE_CONFIG: path.join(dir, 'kong.yml'), KONG_PLUGINS: 'bundled,test-plugin' },
    { extraPlugins: [testPlugin], prefix: dir },
  );
});
afterAll(async () => {
  await gw?.stop();
});

describe('DB-less mode', () => {
  it('loads nested and top-level entities with references by name', async () => {
    const services = await gw.admin('GET', '/services');
    expect(services.body.data).toHaveLength(1);
    const svc = services.body.data[0];
    expect(svc).toMatchObject({ name: 'example', host: 'httpbin.test', path: '/anything', tags: ['demo'] });
    const routes = await gw.admin('GET', '/services/example/routes');
    expect(routes.body.data.map((r: any) => r.name).sort()).toEqual(['r1', 'r2']);
    const plugins = await gw.admin('GET', '/plugins');
    expect(plugins.body.data).toHaveLength(2);
    const routePlugin = plugins.body.data.find((p: any) => p.route);
    expect(routePlugin.config).toMatchObject({ minute: 5, key_names: ['apikey'] });
    const targets = await gw.admin('GET', '/upstreams/up.internal/targets');
    expect(targets.body.data[0]).toMatchObject({ target: '10.0.0.1:8080', weight: 50 });
    const key = await gw.admin('GET', '/key-auths/secret');
    expect(key.status).toBe(200);
  });

  it('gives deterministic ids across reloads', async () => {
    const before = (await gw.admin('GET', '/services/example')).body.id;
    const r = await gw.admin('POST', '/config', { config: KONG_YML });
    expect(r.status).toBe(201);
    expect((await gw.admin('GET', '/services/example')).body.id).toBe(before);
  });

  it('refuses writes with Kong code 12', async () => {
    const post = await gw.admin('POST', '/routes', { paths: ['/z'] });
    expect(post.status).toBe(405);
    expect(post.body).toEqual({ code: 12, name: 'operation unsupported', message: "cannot create 'routes' entities when not using a database" });
    const put = await gw.admin('PUT', '/services/new-one', { host: 'x.test' });
    expect(put.body.message).toBe("cannot create or update 'services' entities by 'name' when not using a database");
    const patchMissing = await gw.admin('PATCH', '/services/ghost', { retries: 1 });
    expect(patchMissing.status).toBe(404);
    const patch = await gw.admin('PATCH', '/services/example', { retries: 1 });
    expect(patch.status).toBe(405);
    expect(patch.body.message).toBe("cannot update 'services' entities by 'name' when not using a database");
    expect((await gw.admin('DELETE', '/services/ghost')).status).toBe(204);
    const del = await gw.admin('DELETE', '/services/example');
    expect(del.status).toBe(405);
    expect(del.body.message).toBe("cannot remove 'services' entities by 'name' when not using a database");
  });

  it('reports a configuration hash in /status instead of database', async () => {
    const s = await gw.admin('GET', '/status');
    expect(s.body).not.toHaveProperty('database');
    expect(s.body.configuration_hash).toMatch(/^[0-9a-f]{32}$/);
    expect(s.body.configuration_hash).not.toBe('00000000000000000000000000000000');
  });

  it('exports a configuration that loads back unchanged', async () => {
    const before = await gw.admin('GET', '/config');
    expect(before.status).toBe(200);
    const exported = YAML.parse(before.body.config);
    expect(exported._format_version).toBe('3.0');
    const snapshot = (await gw.admin('GET', '/services')).body.data;
    const r = await gw.admin('POST', '/config', { config: before.body.config });
    expect(r.status).toBe(201);
    expect(Object.keys(r.body.services)).toEqual(snapshot.map((s: any) => s.id));
    const after = await gw.admin('GET', '/config');
    expect(YAML.parse(after.body.config)).toEqual(exported);
  });

  it('answers 304 for an unchanged configuration with check_hash', async () => {
    await gw.admin('POST', '/config', { config: KONG_YML });
    const again = await gw.admin('POST', '/config?check_hash=1', { config: KONG_YML });
    expect(again.status).toBe(304);
  });

  it('rejects invalid configurations with code 14 and flattened errors', async () => {
    const bad = `_format_version: "3.0"\nservices:\n- name: mis-matched\n  host: localhost\n  path: /path\n  protocol: tcp\n  tags: [service-02]\n- name: two\n  port: 99999\n`;
    const r = await gw.admin('POST', '/config?flatten_errors=1', { config: bad });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe(14);
    expect(r.body.name).toBe('invalid declarative configuration');
    expect(r.body.fields.services[0]).toEqual({ path: 'value must be null', '@entity': ["failed conditional validation given value of field 'protocol'"] });
    expect(r.body.fields.services[1]).toEqual({ host: 'required field missing', port: 'value should be between 0 and 65535' });
    expect(r.body.message).toMatch(/^declarative config is invalid: \{services=/);
    const item = r.body.flattened_errors.find((e: any) => e.entity_name === 'mis-matched');
    expect(item).toMatchObject({ entity_type: 'service', entity_tags: ['service-02'] });
    expect(item).not.toHaveProperty('entity_id');
    expect(item.errors).toEqual(
      expect.arrayContaining([
        { type: 'field', field: 'path', message: 'value must be null' },
        { type: 'entity', message: "failed conditional validation given value of field 'protocol'" },
      ]),
    );
    // the previous configuration is still in force
    expect((await gw.admin('GET', '/services/example')).status).toBe(200);
  });

  it('reports unresolved references and duplicates', async () => {
    const r = await gw.admin('POST', '/config', {
      config: `_format_version: "3.0"\nservices:\n- name: a\n  host: a.test\n- name: a\n  host: b.test\nroutes:\n- service: nope\n  paths: ["/"]\n`,
    });
    expect(r.status).toBe(400);
    expect(r.body.fields.services[1].name).toBe("uniqueness violation: 'services' entity with name set to 'a' already declared");
    expect(r.body.fields.routes[0].service).toBe("invalid reference 'service: nope' (no such entry in 'services')");
    const empty = await gw.admin('POST', '/config', {});
    expect(empty.body).toEqual({ message: 'expected a declarative configuration' });
    const garbage = await gw.admin('POST', '/config', { config: '- just\n- a list' });
    expect(garbage.body.fields).toEqual({ error: 'failed parsing declarative configuration: expected an object' });
  });

  it('migrates regex paths from format 1.1', async () => {
    const r = await gw.admin('POST', '/config', { config: `_format_version: "1.1"\nservices:\n- name: old\n  host: old.test\n  routes:\n  - paths: ["/users/\\\\d+", "/plain"]\n` });
    expect(r.status).toBe(201);
    const routes = (await gw.admin('GET', '/routes')).body.data;
    expect(routes[0].paths).toEqual(['~/users/\\d+', '/plain']);
  });

  it('keeps the last loaded configuration across a restart', async () => {
    await gw.admin('POST', '/config', { config: KONG_YML });
    await gw.gateway.stop();
    const again = await startGateway({ KONG_DATABASE: 'off', KONG_PLUGINS: 'bundled,test-plugin' }, { extraPlugins: [testPlugin], prefix: dir });
    try {
      expect((await again.admin('GET', '/services/example')).status).toBe(200);
    } finally {
      await again.gateway.stop();
    }
    gw = await startGateway({ KONG_DATABASE: 'off', KONG_PLUGINS: 'bundled,test-plugin' }, { extraPlugins: [testPlugin], prefix: dir });
  });
});
