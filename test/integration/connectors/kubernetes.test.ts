// The Kong Ingress Controller manifests (connectors/kubernetes): every file parses, and the objects
// agree with each other (names, namespaces, ports, plugin name, the node's service DNS name).
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { ROOT } from './lua.js';

const DIR = path.join(ROOT, 'connectors/kubernetes');
type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [k: string]: any };

function load(file: string): unknown[] {
  const docs = YAML.parseAllDocuments(fs.readFileSync(path.join(DIR, file), 'utf8'));
  for (const d of docs) expect(d.errors.map(String), file).toEqual([]);
  return docs.map((d) => d.toJS()).filter((d) => d != null);
}

const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
const manifests: Array<Obj & { file: string }> = files
  .filter((f) => f !== 'values.yaml')
  .flatMap((f) => load(f).map((o) => ({ ...(o as Obj), file: f })));
const find = (kind: string, name: string, namespace?: string) => {
  const o = manifests.find((m) => m.kind === kind && m.metadata.name === name && (namespace === undefined || m.metadata.namespace === namespace));
  expect(o, `${kind} ${namespace ? namespace + '/' : ''}${name}`).toBeDefined();
  return o!;
};
const CLUSTER_SCOPED = new Set(['Namespace', 'KongClusterPlugin']);

/** Config field names declared in a plugin's schema.lua. */
function schemaFields(schemaLua: string): string[] {
  const body = schemaLua.slice(schemaLua.indexOf('config = {'));
  return [...body.matchAll(/^\s*\{ (\w+) = /gm)].map((m) => m[1]!);
}

describe('Kong Ingress Controller manifests', () => {
  it('every manifest parses and is a well-formed object', () => {
    expect(files).toEqual(expect.arrayContaining(['kong-lua-configmap.yaml', 'values.yaml', 'kongclusterplugin.yaml', 'ingress.yaml', 'node.yaml', 'namespaces.yaml']));
    expect(manifests.length).toBeGreaterThanOrEqual(9);
    const namespaces = new Set(manifests.filter((m) => m.kind === 'Namespace').map((m) => m.metadata.name));
    for (const m of manifests) {
      expect(typeof m.apiVersion, m.file).toBe('string');
      expect(m.metadata.name, m.file).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      if (CLUSTER_SCOPED.has(m.kind)) expect(m.metadata.namespace, `${m.kind} ${m.metadata.name}`).toBeUndefined();
      else {
        expect(m.metadata.namespace, `${m.kind} ${m.metadata.name} must name its namespace`).toBeTruthy();
        // `kong` is created by helm (--create-namespace) / kubectl before the ConfigMap
        if (m.metadata.namespace !== 'kong') expect(namespaces.has(m.metadata.namespace!), `${m.kind} ${m.metadata.name}: namespace ${m.metadata.namespace}`).toBe(true);
      }
    }
  });

  it('the ConfigMap holds the generated kong-lua plugin, and values.yaml mounts it under that name', () => {
    const cm = find('ConfigMap', 'kong-plugin-kong-lua', 'kong');
    for (const f of ['handler.lua', 'schema.lua']) {
      expect(cm.data[f], f).toBe(fs.readFileSync(path.join(ROOT, 'connectors/kong/kong-lua', f), 'utf8'));
    }
    expect(cm.data['schema.lua']).toContain('local PLUGIN_NAME = "kong-lua"');
    expect(cm.data['handler.lua']).toContain('local PLUGIN_NAME = "kong-lua"');
    const [values] = load('values.yaml') as any[];
    expect(values.gateway.plugins.configMaps).toEqual([{ name: cm.metadata.name, pluginName: 'kong-lua' }]);
  });

  it('the KongClusterPlugin uses kong-lua with known fields and points at the node Service', () => {
    const plugin = find('KongClusterPlugin', 'portcullis-waf');
    expect(plugin.apiVersion).toBe('configuration.konghq.com/v1');
    expect(plugin.plugin).toBe('kong-lua');
    const fields = schemaFields(fs.readFileSync(path.join(ROOT, 'connectors/kong/kong-lua/schema.lua'), 'utf8'));
    expect(fields).toContain('wallarm_node_address');
    for (const k of Object.keys(plugin.config)) expect(fields, `config.${k}`).toContain(k);
    expect(plugin.config.blocking).toBe(true);
    expect(plugin.config.fallback_action).toMatch(/^(pass|block)$/);

    const url = new URL(plugin.config.wallarm_node_address);
    expect(url.protocol).toBe('http:');
    const m = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local$/.exec(url.hostname);
    expect(m, url.hostname).not.toBeNull();
    const svc = find('Service', m![1]!, m![2]!);
    expect(svc.spec.ports.map((p: any) => p.port)).toContain(Number(url.port));
    expect(url.toString()).toBe('http://portcullis-node.portcullis.svc.cluster.local:5000/');
  });

  it('the Ingress enables the plugin, on the same ingress class, for an existing backend', () => {
    const plugin = find('KongClusterPlugin', 'portcullis-waf');
    const ing = find('Ingress', 'echo', 'demo');
    const enabled = ing.metadata.annotations!['konghq.com/plugins']!.split(',').map((s) => s.trim());
    expect(enabled).toContain(plugin.metadata.name);
    expect(ing.spec.ingressClassName).toBe(plugin.metadata.annotations!['kubernetes.io/ingress.class']);
    for (const rule of ing.spec.rules) {
      for (const p of rule.http.paths) {
        const svc = find('Service', p.backend.service.name, ing.metadata.namespace);
        expect(svc.spec.ports.map((x: any) => x.port)).toContain(p.backend.service.port.number);
      }
    }
  });

  it('the node Deployment runs `portcullis node` on 5000 with the token Secret and health probes', () => {
    const dep = find('Deployment', 'portcullis-node', 'portcullis');
    const svc = find('Service', 'portcullis-node', 'portcullis');
    const pod = dep.spec.template;
    expect(dep.spec.selector.matchLabels).toEqual(svc.spec.selector);
    for (const [k, v] of Object.entries(svc.spec.selector)) expect(pod.metadata.labels[k]).toBe(v);

    const [c] = pod.spec.containers;
    expect(c.image).toMatch(/(^|\/)portcullis:/);
    expect(c.args).toEqual(['node']);
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e]));
    expect(env.PORTCULLIS_NODE_LISTEN.value).toBe('0.0.0.0:5000');
    expect(env.PORTCULLIS_NODE_TOKEN.valueFrom.secretKeyRef).toEqual({ name: 'portcullis-node-token', key: 'token' });
    expect(['off', 'monitoring', 'safe_blocking', 'block']).toContain(env.WALLARM_MODE.value);

    const port = c.ports.find((p: any) => p.containerPort === 5000);
    expect(port).toBeDefined();
    for (const p of svc.spec.ports) expect([port.name, port.containerPort]).toContain(p.targetPort);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/ready', port: 5000 });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/live', port: 5000 });
    // KONG_PREFIX (the attack log) is writable
    const prefix = env.KONG_PREFIX.value;
    expect(c.volumeMounts.map((v: any) => v.mountPath)).toContain(prefix);

    // the Secret is made by hand (no token in git); the manifest and the docs say how
    expect(manifests.find((m) => m.kind === 'Secret')).toBeUndefined();
    const how = 'kubectl -n portcullis create secret generic portcullis-node-token';
    expect(fs.readFileSync(path.join(DIR, 'node.yaml'), 'utf8')).toContain(how);
    expect(fs.readFileSync(path.join(ROOT, 'docs/connectors/kubernetes.md'), 'utf8')).toContain(how);
  });
});
