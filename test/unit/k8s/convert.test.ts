// The Kubernetes → kong.yml converter as pure functions: per-kind fixtures, annotation tables, warnings.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertManifests, httpRoutePaths, ingressPaths, parseManifestText, type Diagnostic, type Entity } from '../../../src/k8s/index.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/k8s');

function convertText(text: string, backends: Record<string, string> = {}, file = 'inline.yaml') {
  const parsed = parseManifestText(text, file);
  const r = convertManifests(parsed.manifests, { backends });
  return { config: r.config as Record<string, any>, diagnostics: [...parsed.diagnostics, ...r.diagnostics] };
}

function convertFixture(name: string, backends: Record<string, string> = {}) {
  const file = path.join(FIXTURES, name);
  return convertText(fs.readFileSync(file, 'utf8'), backends, file);
}

const of = (ds: Diagnostic[], level: Diagnostic['level']) => ds.filter((d) => d.level === level).map((d) => `${d.resource}: ${d.message}`);
const allRoutes = (config: Record<string, any>): Entity[] => (config.services ?? []).flatMap((s: Entity) => s.routes ?? []);
const route = (config: Record<string, any>, name: string): Entity => {
  const r = allRoutes(config).find((x) => x.name === name);
  if (!r) throw new Error(`no route ${name}; have ${allRoutes(config).map((x) => x.name).join(', ')}`);
  return r;
};
const service = (config: Record<string, any>, name: string): Entity => {
  const s = (config.services ?? []).find((x: Entity) => x.name === name);
  if (!s) throw new Error(`no service ${name}; have ${(config.services ?? []).map((x: Entity) => x.name).join(', ')}`);
  return s;
};

function ingress(annotations: Record<string, string>, extra = ''): string {
  const ann = Object.entries(annotations)
    .map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`)
    .join('\n');
  return `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: demo
  annotations:
${ann || '    {}'}
spec:
  rules:
    - host: web.example.com
      http:
        paths:
          - path: /app
            pathType: Prefix
            backend:
              service:
                name: echo
                port:
                  number: 80
${extra}`;
}

describe('manifest parsing', () => {
  it('reads multi-document files, skips empty documents and flattens kind: List', () => {
    const text = `---\napiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\n# only a comment\n---\napiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Service\n    metadata: {name: b}\n`;
    const r = parseManifestText(text, 'f.yaml');
    expect(r.diagnostics).toEqual([]);
    expect(r.manifests.map((m) => m.doc.metadata.name)).toEqual(['a', 'b']);
  });

  it('reports bad YAML as an error and a non-manifest mapping as a warning', () => {
    expect(parseManifestText(fs.readFileSync(path.join(FIXTURES, 'bad.yaml'), 'utf8'), 'bad.yaml').diagnostics[0]).toMatchObject({ level: 'error', file: 'bad.yaml' });
    const values = parseManifestText('gateway:\n  plugins: {}\n', 'values.yaml');
    expect(values.diagnostics).toEqual([{ level: 'warning', file: 'values.yaml', resource: 'document 1', message: 'not a Kubernetes object (no apiVersion and kind); skipped' }]);
    expect(parseManifestText('apiVersion: v1\nkind: Service\nmetadata: {}\n', 'x.yaml').diagnostics[0]!.level).toBe('error');
  });
});

describe('Ingress paths (KIC 3.x mapping)', () => {
  it.each([
    ['/', 'Prefix', ['/']],
    ['/api', 'Prefix', ['/api/', '~/api$']],
    ['/api/', 'Prefix', ['/api/', '~/api$']],
    ['/a.b', 'Prefix', ['/a.b/', '~/a\\.b$']],
    ['/health', 'Exact', ['~/health$']],
    ['/', 'Exact', ['~/$']],
    ['/raw', 'ImplementationSpecific', ['/raw']],
    ['/raw', undefined, ['/raw']],
    ['/~/v[0-9]+/x', 'ImplementationSpecific', ['~/v[0-9]+/x']],
    ['//double//slash', 'ImplementationSpecific', ['/double/slash']],
    ['', 'Prefix', ['/']],
  ])('%s (%s) → %j', (p, type, expected) => {
    expect(ingressPaths(p, type)).toEqual(expected);
  });

  it('honours konghq.com/regex-prefix', () => {
    expect(ingressPaths('/re:^/x$', 'ImplementationSpecific', '/re:')).toEqual(['~^/x$']);
  });
});

describe('HTTPRoute paths', () => {
  it.each([
    ['PathPrefix', '/', ['/']],
    ['PathPrefix', '/cart', ['~/cart$', '/cart/']],
    ['PathPrefix', '/cart/', ['~/cart$', '/cart/']],
    ['Exact', '/cart/total', ['~/cart/total$']],
    ['RegularExpression', '/orders/[0-9]+', ['~/orders/[0-9]+']],
    [undefined, undefined, ['/']],
  ])('%s %s → %j', (type, value, expected) => {
    expect(httpRoutePaths(type, value)).toEqual(expected);
  });
});

describe('Ingress', () => {
  it('translates the annotation table onto every route of the Ingress', () => {
    const { config, diagnostics } = convertFixture('ingress-annotations.yaml', { 'store/api': 'http://127.0.0.1:9001' });
    expect(of(diagnostics, 'error')).toEqual([]);
    const r = route(config, 'store.shop.api.shop.example.com.8080');
    expect(r).toMatchObject({
      hosts: ['shop.example.com', 'shop.example.org'], // rule host + konghq.com/host-aliases
      paths: ['/api/', '~/api$', '~/v[0-9]+/items'], // Prefix + ImplementationSpecific (/~ regex prefix)
      methods: ['GET', 'POST'],
      headers: { 'x-tenant': ['alpha', 'bravo'] },
      protocols: ['https'],
      strip_path: true,
      preserve_host: false,
      regex_priority: 10,
      path_handling: 'v1',
      https_redirect_status_code: 308,
      request_buffering: false,
    });
    expect(r.plugins).toEqual([expect.objectContaining({ name: 'request-transformer', config: { add: { headers: ['x-from-k8s:yes'] } } })]);
    expect(r.tags).toEqual(['k8s-kind:Ingress', 'k8s-name:shop', 'k8s-namespace:store']);
    // wildcard host: '*' becomes '_' in the name (KIC), the host itself is kept
    expect(route(config, 'store.shop.api._.example.net.8080').hosts).toEqual(['*.example.net', 'shop.example.org']);
    // a port referenced by name gets its own KIC-style service name, resolved through the Service's ports
    expect(route(config, 'store.shop.api.shop.example.com.http').paths).toEqual(['~/health$']);
  });

  it('translates the Service annotation table', () => {
    const { config } = convertFixture('ingress-annotations.yaml', { 'store/api': 'http://127.0.0.1:9001' });
    const s = service(config, 'store.api.8080');
    expect(s).toMatchObject({ protocol: 'http', port: 9001, path: '/v2', connect_timeout: 5000, read_timeout: 7000, write_timeout: 9000, retries: 3 });
    expect(s.plugins).toEqual([expect.objectContaining({ name: 'rate-limiting', enabled: false, protocols: ['http', 'https'], config: { minute: 100, policy: 'local' } })]);
    // konghq.com/host-header needs an upstream: the service points at it
    expect(s.host).toBe('api.store.8080.svc');
    const up = config.upstreams.find((u: Entity) => u.name === 'api.store.8080.svc');
    expect(up).toMatchObject({ host_header: 'api.internal', targets: [{ target: '127.0.0.1:9001', weight: 100 }] });
  });

  it('uses KIC defaults: strip_path false, preserve_host true, one route per host+service+port', () => {
    const { config } = convertText(ingress({}));
    const r = route(config, 'demo.web.echo.web.example.com.80');
    expect(r).toMatchObject({ strip_path: false, preserve_host: true, hosts: ['web.example.com'], paths: ['/app/', '~/app$'] });
    expect(r.protocols).toBeUndefined();
    expect(service(config, 'demo.echo.80')).toMatchObject({ host: 'echo.demo.svc', port: 80, protocol: 'http' });
  });

  it.each([
    ['konghq.com/strip-path', 'maybe', 'is not true or false'],
    ['konghq.com/https-redirect-status-code', '303', 'is not one of 426, 301, 302, 307, 308'],
    ['konghq.com/regex-priority', 'high', 'is not an integer'],
    ['konghq.com/path-handling', 'v9', 'is not v0 or v1'],
    ['konghq.com/protocols', 'http,gopher', 'has unknown protocols'],
    ['konghq.com/headers.host', 'x', 'the Host header is matched with hosts'],
  ])('warns about a bad %s value and ignores it', (key, value, message) => {
    const { config, diagnostics } = convertText(ingress({ [key]: value }));
    expect(of(diagnostics, 'warning').some((w) => w.includes(key) && w.includes(message))).toBe(true);
    expect(of(diagnostics, 'error')).toEqual([]);
    expect(route(config, 'demo.web.echo.web.example.com.80').strip_path).toBe(false);
  });

  it('maps a Service to a --backend URL by namespace/name, name, or name:port', () => {
    for (const key of ['demo/echo', 'echo', 'demo/echo:80', 'echo:80']) {
      const { config, diagnostics } = convertText(ingress({}), { [key]: 'https://localhost:8443/base' });
      expect(service(config, 'demo.echo.80')).toMatchObject({ protocol: 'https', host: 'localhost', port: 8443, path: '/base' });
      expect(of(diagnostics, 'warning')).toEqual([]);
    }
  });

  it('warns once per unmapped Service and about unused --backend entries', () => {
    const twoPaths = ingress({}).replace(
      '            pathType: Prefix',
      '            pathType: Prefix\n            backend:\n              service:\n                name: echo\n                port:\n                  number: 80\n          - path: /other\n            pathType: Prefix',
    );
    const { diagnostics } = convertText(twoPaths, { 'demo/nothing': 'http://127.0.0.1:1' });
    const warnings = of(diagnostics, 'warning');
    expect(warnings.filter((w) => w.includes('no --backend for Service demo/echo'))).toHaveLength(1);
    expect(warnings.filter((w) => w.includes('demo/nothing'))).toEqual(['demo/nothing: matches no Service referenced by the input; unused']);
  });

  it('rejects a bad --backend URL', () => {
    const { diagnostics } = convertText(ingress({}), { 'demo/echo': 'not a url' });
    expect(of(diagnostics, 'error')).toEqual([`demo/echo: 'not a url' is not a URL (expected e.g. http://127.0.0.1:8080)`]);
  });

  it('skips Ingresses of other classes and accepts classes of IngressClasses run by KIC', () => {
    const { config, diagnostics } = convertFixture('unknown.yaml');
    expect(allRoutes(config).map((r) => r.name)).toEqual(['misc.noisy.noisy..80']);
    expect(of(diagnostics, 'note')).toContain("Ingress misc/for-nginx: ingress class 'nginx' is not Kong's; skipped");
    const custom = `apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: edge}\nspec: {controller: ingress-controllers.konghq.com/kong}\n---\n${ingress({}).replace('spec:\n', 'spec:\n  ingressClassName: edge\n')}`;
    expect(allRoutes(convertText(custom).config)).toHaveLength(1);
    const annotated = convertText(ingress({ 'kubernetes.io/ingress.class': 'traefik' }));
    expect(annotated.config.services).toBeUndefined();
  });

  it('translates the default backend as a catch-all route named <namespace>.<ingress>', () => {
    const { config } = convertFixture('default-backend.yaml', { 'default/catch-all': 'http://127.0.0.1:7000' });
    expect(service(config, 'default.catch-all.8080')).toMatchObject({ host: '127.0.0.1', port: 7000 });
    expect(route(config, 'default.fallback')).toMatchObject({ paths: ['/'], strip_path: false, preserve_host: true });
  });

  it('turns TLS sections with their Secret into certificates and SNIs, and warns when the Secret is absent', () => {
    const tls = `  tls:\n    - hosts: [web.example.com]\n      secretName: web-tls\n`;
    const withTls = ingress({}).replace('spec:\n', `spec:\n${tls}`);
    const absent = convertText(withTls);
    expect(of(absent.diagnostics, 'warning').some((w) => w.includes('TLS Secret demo/web-tls is not in the input'))).toBe(true);
    const secret = `---\napiVersion: v1\nkind: Secret\nmetadata: {name: web-tls, namespace: demo}\ntype: kubernetes.io/tls\nstringData:\n  tls.crt: CERT\n  tls.key: KEY\n`;
    const present = convertText(withTls + secret);
    expect(present.config.certificates).toEqual([{ cert: 'CERT', key: 'KEY', snis: [{ name: 'web.example.com' }], tags: ['k8s-kind:Secret', 'k8s-name:web-tls', 'k8s-namespace:demo'] }]);
  });
});

describe('warnings for things not translated', () => {
  it('lists unknown kinds, unsupported KIC kinds, ignored kinds and unknown annotations, one line each', () => {
    const { diagnostics } = convertFixture('unknown.yaml');
    const warnings = of(diagnostics, 'warning');
    expect(warnings).toEqual(
      expect.arrayContaining([
        'Ingress misc/noisy: annotation konghq.com/override ignored: KongIngress overrides are deprecated and not translated; use the per-setting annotations',
        'Ingress misc/noisy: annotation konghq.com/frobnicate is not supported by from-k8s; ignored',
        'Ingress misc/noisy: annotation nginx.ingress.kubernetes.io/rewrite-target is not a Kong annotation; ignored',
        'Widget misc/gizmo: unknown kind example.com/v1/Widget; ignored',
        'KongIngress misc/legacy: KongIngress ignored: KongIngress is deprecated in KIC 3.x and not translated; use annotations',
      ]),
    );
    // bookkeeping annotations are not noise
    expect(warnings.some((w) => w.includes('kubectl.kubernetes.io'))).toBe(false);
    expect(of(diagnostics, 'note')).toContain('ConfigMap misc/settings: ignored: carries no gateway configuration');
    expect(diagnostics.every((d) => d.file.endsWith('unknown.yaml'))).toBe(true);
    expect(of(diagnostics, 'error')).toEqual([]);
  });

  it('reports a plugin referenced but missing as an error', () => {
    const { diagnostics } = convertFixture('missing-plugin.yaml');
    expect(of(diagnostics, 'error')).toEqual([
      "Ingress demo/broken: konghq.com/plugins references 'does-not-exist', but there is no KongPlugin demo/does-not-exist nor KongClusterPlugin does-not-exist in the input",
    ]);
  });

  it('warns about KongPlugins nobody references', () => {
    const text = `apiVersion: configuration.konghq.com/v1\nkind: KongPlugin\nmetadata: {name: lonely, namespace: demo}\nplugin: cors\n`;
    expect(of(convertText(text).diagnostics, 'warning')).toEqual(['KongPlugin demo/lonely: not referenced by any konghq.com/plugins annotation (nor labelled global: "true"); not translated']);
  });
});

describe('KongPlugin and KongClusterPlugin', () => {
  const plugins = `apiVersion: configuration.konghq.com/v1
kind: KongClusterPlugin
metadata:
  name: everywhere
  labels:
    global: "true"
  annotations:
    kubernetes.io/ingress.class: kong
plugin: correlation-id
config:
  header_name: x-trace
---
apiVersion: configuration.konghq.com/v1
kind: KongPlugin
metadata: {name: from-secret, namespace: demo}
plugin: rate-limiting
instanceName: limiter
ordering:
  before:
    access: [key-auth]
configFrom:
  secretKeyRef: {name: rl-config, key: config}
---
apiVersion: v1
kind: Secret
metadata: {name: rl-config, namespace: demo}
stringData:
  config: '{"minute": 7, "policy": "local"}'
`;

  it('makes a KongClusterPlugin labelled global: "true" a global plugin', () => {
    const { config } = convertText(plugins + '---\n' + ingress({ 'konghq.com/plugins': 'from-secret' }));
    expect(config.plugins).toEqual([{ name: 'correlation-id', config: { header_name: 'x-trace' }, tags: ['k8s-kind:KongClusterPlugin', 'k8s-name:everywhere'] }]);
  });

  it('reads configFrom Secrets in the input, keeps ordering and instanceName', () => {
    const { config, diagnostics } = convertText(plugins + '---\n' + ingress({ 'konghq.com/plugins': 'from-secret' }));
    expect(route(config, 'demo.web.echo.web.example.com.80').plugins[0]).toMatchObject({
      name: 'rate-limiting',
      instance_name: 'limiter',
      config: { minute: 7, policy: 'local' },
      ordering: { before: { access: ['key-auth'] } },
    });
    expect(of(diagnostics, 'note')).toContain('KongPlugin demo/from-secret: config read from Secret demo/rl-config key config');
  });

  it('warns when the configFrom Secret is not in the input', () => {
    const noSecret = plugins.slice(0, plugins.indexOf('---\napiVersion: v1\nkind: Secret'));
    const { diagnostics } = convertText(noSecret + '---\n' + ingress({ 'konghq.com/plugins': 'from-secret' }));
    expect(of(diagnostics, 'warning').some((w) => w.startsWith('KongPlugin demo/from-secret: configFrom.secretKeyRef demo/rl-config key config is not in the input'))).toBe(true);
  });

  it('falls back to a KongClusterPlugin of the same name, and a KongPlugin wins over it', () => {
    const cluster = `apiVersion: configuration.konghq.com/v1\nkind: KongClusterPlugin\nmetadata: {name: shared}\nplugin: cors\n---\n`;
    expect(route(convertText(cluster + ingress({ 'konghq.com/plugins': 'shared' })).config, 'demo.web.echo.web.example.com.80').plugins[0].name).toBe('cors');
    const local = `apiVersion: configuration.konghq.com/v1\nkind: KongPlugin\nmetadata: {name: shared, namespace: demo}\nplugin: key-auth\n---\n`;
    const { config, diagnostics } = convertText(cluster + local + ingress({ 'konghq.com/plugins': 'shared' }));
    expect(route(config, 'demo.web.echo.web.example.com.80').plugins[0].name).toBe('key-auth');
    expect(of(diagnostics, 'warning')).toContain('KongClusterPlugin shared: not referenced by any konghq.com/plugins annotation (nor labelled global: "true"); not translated');
  });
});

describe('the connectors/kubernetes walk-through', () => {
  const dir = path.resolve(import.meta.dirname, '../../../connectors/kubernetes');
  const load = (backends: Record<string, string>) => {
    const manifests = [];
    const diagnostics: Diagnostic[] = [];
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.yaml')).sort()) {
      const p = parseManifestText(fs.readFileSync(path.join(dir, f), 'utf8'), f);
      manifests.push(...p.manifests);
      diagnostics.push(...p.diagnostics);
    }
    const r = convertManifests(manifests, { backends });
    return { config: r.config as Record<string, any>, diagnostics: [...diagnostics, ...r.diagnostics] };
  };

  it('maps kong-lua to the bundled wallarm-plugin on the Ingress route, with a note', () => {
    const { config, diagnostics } = load({ 'demo/echo': 'http://127.0.0.1:8080' });
    expect(of(diagnostics, 'error')).toEqual([]);
    const r = route(config, 'demo.echo.echo..80');
    expect(r).toMatchObject({ paths: ['/'], strip_path: false, preserve_host: true });
    expect(r.plugins).toEqual([
      expect.objectContaining({
        name: 'wallarm-plugin',
        config: { wallarm_node_address: 'http://portcullis-node.portcullis.svc.cluster.local:5000', blocking: true, timeout_ms: 1000, fallback_action: 'pass', request_body_limit: 1048576, inspect_response: false },
      }),
    ]);
    expect(of(diagnostics, 'note').some((n) => n.startsWith('KongClusterPlugin portcullis-waf: plugin kong-lua is translated to wallarm-plugin'))).toBe(true);
    // the node address is a cluster name: said so, with the flag that fixes it
    expect(of(diagnostics, 'warning').some((w) => w.includes('--backend portcullis/portcullis-node=URL'))).toBe(true);
    // values.yaml is a Helm values file, Deployments/Namespaces/ConfigMap carry no gateway configuration
    expect(of(diagnostics, 'warning')).toContain('document 1: not a Kubernetes object (no apiVersion and kind); skipped');
    expect(of(diagnostics, 'note')).toEqual(expect.arrayContaining(['Deployment demo/echo: ignored: carries no gateway configuration', 'ConfigMap kong/kong-plugin-kong-lua: ignored: carries no gateway configuration']));
  });

  it('rewrites the node address through --backend, and drops kong-lua-only settings with a warning', () => {
    const { config } = load({ 'demo/echo': 'http://127.0.0.1:8080', 'portcullis/portcullis-node': 'http://127.0.0.1:5000' });
    expect(route(config, 'demo.echo.echo..80').plugins[0].config.wallarm_node_address).toBe('http://127.0.0.1:5000');
    const extra = `apiVersion: configuration.konghq.com/v1\nkind: KongClusterPlugin\nmetadata: {name: waf}\nplugin: kong-lua\nconfig: {ssl_verify: false, keepalive_pool_size: 3, timeout_ms: 50}\n---\n`;
    const r = convertText(extra + ingress({ 'konghq.com/plugins': 'waf' }));
    expect(route(r.config, 'demo.web.echo.web.example.com.80').plugins[0]).toMatchObject({ name: 'wallarm-plugin', config: { timeout_ms: 50 } });
    expect(of(r.diagnostics, 'warning')).toEqual(expect.arrayContaining(['KongClusterPlugin waf: config.ssl_verify of kong-lua has no equivalent in wallarm-plugin; dropped']));
  });
});

describe('HTTPRoute', () => {
  it('turns weighted backendRefs into an upstream with weighted targets', () => {
    const { config, diagnostics } = convertFixture('httproute-weighted.yaml', { 'web/checkout-stable': 'http://127.0.0.1:9101', 'web/checkout-canary': 'http://127.0.0.1:9102' });
    expect(of(diagnostics, 'error')).toEqual([]);
    const s = service(config, 'httproute.web.svc.web.checkout-canary.80.25_web.checkout-stable.80.75');
    expect(s).toMatchObject({ host: 'httproute.web.svc.web.checkout-canary.80.25-web.checkout-stable.80.75', connect_timeout: 15000, read_timeout: 15000, write_timeout: 15000 });
    const up = config.upstreams.find((u: Entity) => u.name === s.host);
    expect(up.targets).toEqual([
      { target: '127.0.0.1:9101', weight: 75 },
      { target: '127.0.0.1:9102', weight: 25 },
    ]);
  });

  it('translates hostnames, path types, method and header matches (one route per match)', () => {
    const { config } = convertFixture('httproute-weighted.yaml');
    expect(route(config, 'httproute.web.checkout.0.0')).toMatchObject({ hosts: ['checkout.example.com'], paths: ['~/cart$', '/cart/'], methods: ['POST'], headers: { 'x-canary': ['true'] }, strip_path: false, preserve_host: true });
    expect(route(config, 'httproute.web.checkout.0.1').paths).toEqual(['~/cart/total$']);
    expect(route(config, 'httproute.web.checkout.0.2')).toMatchObject({ paths: ['~/orders/[0-9]+'], headers: { 'x-version': ['~*^v[12]$'] } });
    // the annotation plugin applies to every route of the HTTPRoute
    expect(allRoutes(config).every((r) => r.plugins?.some((p: Entity) => p.name === 'cors'))).toBe(true);
  });

  it('translates header modifier filters, warns about untranslated filters and query matches (not widened)', () => {
    const { config, diagnostics } = convertFixture('httproute-weighted.yaml');
    const single = service(config, 'httproute.web.svc.web.checkout-stable.80');
    expect(single.routes.map((r: Entity) => r.name)).toEqual(['httproute.web.checkout.1.1']);
    expect(single.routes[0].plugins).toContainEqual({ name: 'request-transformer', config: { replace: { headers: ['x-env:local'] }, add: { headers: ['x-env:local'] }, remove: { headers: ['x-debug'] } } });
    expect(of(diagnostics, 'warning')).toEqual(
      expect.arrayContaining([
        'HTTPRoute web/checkout: rule 1: filter URLRewrite is not translated (no equivalent plugin); the route is created without it',
        "HTTPRoute web/checkout: rule 1 match 0: query parameter matches need Kong's expressions router; match skipped (not widened)",
      ]),
    );
  });

  it('answers 500 for a rule without backends, as the Gateway API requires', () => {
    const text = `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: empty, namespace: demo}\nspec:\n  rules:\n    - matches: [{path: {type: PathPrefix, value: /nothing}}]\n`;
    const { config } = convertText(text);
    expect(config.routes).toEqual([expect.objectContaining({ name: 'httproute.demo.empty.0.0', plugins: [{ name: 'request-termination', config: { status_code: 500, message: 'no existing backendRef provided' } }] })]);
  });
});

describe('KongConsumer', () => {
  it('builds consumers with credentials from labelled and legacy Secrets, and consumer plugins', () => {
    const { config, diagnostics } = convertFixture('consumers.yaml', { 'apps/echo': 'http://127.0.0.1:9200' });
    expect(of(diagnostics, 'error')).toEqual([]);
    expect(config.consumers[0]).toEqual({
      username: 'alice',
      custom_id: '1001',
      tags: ['k8s-kind:KongConsumer', 'k8s-name:alice', 'k8s-namespace:apps'],
      keyauth_credentials: [{ key: 'alice-secret-key' }],
      basicauth_credentials: [{ username: 'alice', password: 's3cr3t' }], // base64 data, kongCredType
      jwt_secrets: [{ key: 'alice-issuer', secret: 'alice-jwt-secret', algorithm: 'HS256' }],
      acls: [{ group: 'admins' }],
      plugins: [expect.objectContaining({ name: 'rate-limiting', config: { minute: 5, policy: 'local' } })],
    });
    expect(of(diagnostics, 'warning')).toContain('KongConsumer apps/bob: credential Secret apps/bob-missing is not in the input; credential skipped');
  });

  it('warns about unsupported credential types and extra fields', () => {
    const text = `apiVersion: configuration.konghq.com/v1\nkind: KongConsumer\nmetadata: {name: c, namespace: d}\nusername: c\ncredentials: [h, k]\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: h, namespace: d, labels: {konghq.com/credential: oauth2}}\nstringData: {client_id: c, client_secret: s}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: k, namespace: d, labels: {konghq.com/credential: key-auth}}\nstringData: {key: abc, ttl: "5"}\n`;
    const { config, diagnostics } = convertText(text);
    expect(config.consumers[0].keyauth_credentials).toEqual([{ key: 'abc' }]);
    expect(of(diagnostics, 'warning')).toEqual(["Secret d/h: credential type 'oauth2' is not supported (key-auth, basic-auth, jwt, acl, hmac-auth); skipped", 'Secret d/k: key-auth credential fields ttl are not translated']);
  });
});
