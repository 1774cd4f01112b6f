// Kubernetes manifests (Ingress, HTTPRoute, Service, KongPlugin, KongClusterPlugin, KongConsumer, Secret)
// into a declarative kong.yml (format 3.0), following how Kong Ingress Controller 3.x translates them.
// Pure: no file system, no network. docs/connectors/from-k8s.md describes every mapping and its limits.
import YAML from 'yaml';
import type { ConvertOptions, ConvertResult, Diagnostic, Entity, KongDocument, Manifest } from './types.js';

/** Plugins KIC users install under a different name than the one Portcullis bundles. */
export const PLUGIN_ALIASES: Record<string, { name: string; why: string; dropConfig?: string[] }> = {
  'kong-lua': {
    name: 'wallarm-plugin',
    why: "'kong-lua' is the Portcullis connector as packaged for Kong Ingress Controller (connectors/kubernetes); Portcullis bundles the same connector as 'wallarm-plugin'",
    // connector transport settings of the Lua schema that the bundled plugin does not have
    dropConfig: ['ssl_verify', 'keepalive_timeout_ms', 'keepalive_pool_size'],
  },
};

/** Route annotations (Ingress and HTTPRoute) this converter translates. */
export const ROUTE_ANNOTATIONS = [
  'konghq.com/plugins',
  'konghq.com/strip-path',
  'konghq.com/methods',
  'konghq.com/protocols',
  'konghq.com/preserve-host',
  'konghq.com/https-redirect-status-code',
  'konghq.com/regex-priority',
  'konghq.com/path-handling',
  'konghq.com/host-aliases',
  'konghq.com/snis',
  'konghq.com/request-buffering',
  'konghq.com/response-buffering',
  'konghq.com/tags',
  // konghq.com/headers.<name> is handled as a prefix
] as const;

/** Service annotations this converter translates. */
export const SERVICE_ANNOTATIONS = [
  'konghq.com/path',
  'konghq.com/protocol',
  'konghq.com/connect-timeout',
  'konghq.com/read-timeout',
  'konghq.com/write-timeout',
  'konghq.com/retries',
  'konghq.com/plugins',
  'konghq.com/host-header',
  'konghq.com/tls-verify',
  'konghq.com/tls-verify-depth',
  'konghq.com/tags',
] as const;

/** KIC annotations that exist but are not translated, with the reason given in the warning. */
const UNSUPPORTED_ANNOTATIONS: Record<string, string> = {
  'konghq.com/override': 'KongIngress overrides are deprecated and not translated; use the per-setting annotations',
  'konghq.com/rewrite': 'URI rewriting (RewriteURIs feature gate) is not translated; use a request-transformer KongPlugin',
  'ingress.kubernetes.io/force-ssl-redirect': 'not translated; set konghq.com/protocols: https and konghq.com/https-redirect-status-code instead',
  'konghq.com/client-cert': 'client certificates are not translated',
  'konghq.com/ca-certificates-secrets': 'CA certificates are not translated',
  'konghq.com/ca-certificates-configmaps': 'CA certificates are not translated',
  'konghq.com/upstream-policy': 'KongUpstreamPolicy is not translated',
  'konghq.com/tls-redirect': 'not translated',
  'konghq.com/connect-timeout': 'belongs on the Service, not on a route resource',
  'konghq.com/read-timeout': 'belongs on the Service, not on a route resource',
  'konghq.com/write-timeout': 'belongs on the Service, not on a route resource',
  'konghq.com/retries': 'belongs on the Service, not on a route resource',
  'konghq.com/path': 'belongs on the Service, not on a route resource',
  'konghq.com/protocol': 'belongs on the Service (konghq.com/protocols is the route annotation)',
  'konghq.com/host-header': 'belongs on the Service, not on a route resource',
  'konghq.com/consumer-groups': 'consumer groups are not supported',
};

/** Bookkeeping annotations written by tools: never meaningful to a gateway, so not reported. */
const BOOKKEEPING = [/^kubectl\.kubernetes\.io\//, /^meta\.helm\.sh\//, /^deployment\.kubernetes\.io\//, /^argocd\.argoproj\.io\//, /^kustomize\.config\.k8s\.io\//];

/** Kinds that carry no gateway configuration: reported as notes. */
const IGNORED_KINDS = new Set([
  'Namespace', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Pod', 'Job', 'CronJob', 'ConfigMap', 'ServiceAccount',
  'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy',
  'PersistentVolumeClaim', 'PersistentVolume', 'Endpoints', 'EndpointSlice', 'Gateway', 'GatewayClass', 'ReferenceGrant',
  'CustomResourceDefinition', 'LimitRange', 'ResourceQuota', 'PriorityClass',
]);

/** Kong Ingress Controller kinds (and other routing kinds) this converter does not translate: warnings. */
const UNSUPPORTED_KINDS: Record<string, string> = {
  KongIngress: 'KongIngress is deprecated in KIC 3.x and not translated; use annotations',
  KongUpstreamPolicy: 'not translated (load-balancing and health-check settings stay Kong defaults)',
  KongConsumerGroup: 'consumer groups are not supported',
  KongVault: 'vaults are not supported',
  KongCustomEntity: 'custom entities are not supported',
  KongLicense: 'not applicable',
  TCPIngress: 'stream (TCP) routes are not translated',
  UDPIngress: 'stream (UDP) routes are not translated',
  TCPRoute: 'stream routes are not translated',
  UDPRoute: 'stream routes are not translated',
  TLSRoute: 'stream routes are not translated',
  GRPCRoute: 'GRPCRoute is not translated',
};

const CLUSTER_SCOPED = new Set(['KongClusterPlugin', 'IngressClass', 'Namespace', 'GatewayClass', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume', 'PriorityClass']);
const KIC_CONTROLLER = 'ingress-controllers.konghq.com/kong';
const ROUTE_PROTOCOLS = ['grpc', 'grpcs', 'http', 'https', 'tcp', 'tls', 'tls_passthrough', 'udp'];
const SERVICE_PROTOCOLS: Record<string, string> = { http: 'http', https: 'https', grpc: 'grpc', grpcs: 'grpcs', tcp: 'tcp', tls: 'tls', udp: 'udp', ws: 'http', wss: 'https' };

interface BackendAddress {
  protocol: string;
  host: string;
  port: number;
  path: string | null;
}

interface Backend {
  ns: string;
  name: string;
  /** KIC's canonical port: the number, or the port name when referenced by name. */
  portLabel: string;
  port: number;
  address: BackendAddress;
  svc?: Manifest;
}

const ns = (m: Manifest): string => (typeof m.doc.metadata.namespace === 'string' && m.doc.metadata.namespace ? m.doc.metadata.namespace : 'default');
const nameOf = (m: Manifest): string => String(m.doc.metadata.name);
const describe = (m: Manifest): string => (CLUSTER_SCOPED.has(m.doc.kind) ? `${m.doc.kind} ${nameOf(m)}` : `${m.doc.kind} ${ns(m)}/${nameOf(m)}`);
const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

function annotationsOf(m: Manifest): Record<string, string> {
  const a = m.doc.metadata.annotations;
  if (!isObj(a)) return {};
  return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)]));
}

function labelsOf(m: Manifest): Record<string, string> {
  const l = m.doc.metadata.labels;
  if (!isObj(l)) return {};
  return Object.fromEntries(Object.entries(l).map(([k, v]) => [k, String(v)]));
}

function splitList(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Parse `--backend` URLs once. */
export function parseBackendUrl(url: string): BackendAddress | string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `'${url}' is not a URL (expected e.g. http://127.0.0.1:8080)`;
  }
  const scheme = u.protocol.replace(/:$/, '');
  const protocol = SERVICE_PROTOCOLS[scheme];
  if (!protocol || !['http', 'https', 'grpc', 'grpcs'].includes(protocol)) return `'${url}': the scheme must be http, https, ws, wss, grpc or grpcs`;
  if (!u.hostname) return `'${url}' has no host`;
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = u.port ? Number(u.port) : protocol === 'https' || protocol === 'grpcs' ? 443 : 80;
  const path = u.pathname && u.pathname !== '/' ? u.pathname : null;
  return { protocol, host, port, path };
}

/** Go-style duration of the Gateway API (`10s`, `1m30s`, `500ms`) in milliseconds, or null. */
export function parseDuration(v: string): number | null {
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s)/g;
  if (!/^(\d+(\.\d+)?(h|ms|m|s))+$/.test(v)) return null;
  const unit: Record<string, number> = { h: 3600000, m: 60000, s: 1000, ms: 1 };
  let total = 0;
  for (const m of v.matchAll(re)) total += Number(m[1]) * unit[m[2]!]!;
  return Math.round(total);
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function flattenSlashes(p: string): string {
  return p.replace(/\/{2,}/g, '/');
}

/** Ingress path → Kong route paths, as KIC 3.x does (see the mapping table in docs/connectors/from-k8s.md). */
export function ingressPaths(path: string | undefined, pathType: string | undefined, regexPrefix = '/~'): string[] {
  const p = flattenSlashes(path || '/');
  switch (pathType ?? 'ImplementationSpecific') {
    case 'Exact': {
      const rel = p.replace(/^\/+/, '');
      return [`~/${escapeRegex(rel)}$`];
    }
    case 'Prefix': {
      const base = p.replace(/^\/+|\/+$/g, '');
      if (!base) return ['/'];
      return [`/${base}/`, `~/${escapeRegex(base)}$`];
    }
    default: {
      // ImplementationSpecific: as written; the controller's regex prefix (/~ by default) marks a regex
      if (regexPrefix && p.startsWith(regexPrefix)) return [`~${p.slice(regexPrefix.length)}`];
      return [p];
    }
  }
}

/** HTTPRoute path match → Kong route paths (KIC 3.x traditional router). */
export function httpRoutePaths(type: string | undefined, value: string | undefined): string[] | string {
  const v = value ?? '/';
  switch (type ?? 'PathPrefix') {
    case 'Exact':
      return [`~${escapeRegex(v)}$`];
    case 'PathPrefix': {
      if (v === '/') return ['/'];
      const trimmed = v.replace(/\/+$/, '');
      return [`~${escapeRegex(trimmed)}$`, `${trimmed}/`];
    }
    case 'RegularExpression':
      return [`~${v}`];
    default:
      return `unsupported path match type '${type}'`;
  }
}

class Converter {
  readonly diagnostics: Diagnostic[] = [];
  private readonly services = new Map<string, Entity>();
  private readonly upstreams = new Map<string, Entity>();
  private readonly consumers: Entity[] = [];
  private readonly globalPlugins: Entity[] = [];
  private readonly certificates = new Map<string, Entity>();
  private readonly orphanRoutes: Entity[] = [];

  private readonly k8sServices = new Map<string, Manifest>();
  private readonly secrets = new Map<string, Manifest>();
  private readonly kongPlugins = new Map<string, Manifest>();
  private readonly clusterPlugins = new Map<string, Manifest>();
  private readonly kongClasses = new Set<string>(['kong']);
  private readonly otherClasses = new Set<string>();

  private readonly backendUrls = new Map<string, BackendAddress>();
  private readonly usedBackendKeys = new Set<string>();
  private readonly warnedUnmapped = new Set<string>();
  private readonly usedServices = new Set<string>();
  private readonly usedSecrets = new Set<string>();
  private readonly usedPlugins = new Set<Manifest>();
  private readonly annotatedServices = new Set<string>();
  private readonly instanceNames = new Set<string>();
  private defaultBackendFrom: Manifest | null = null;

  constructor(
    private readonly manifests: Manifest[],
    opts: ConvertOptions,
  ) {
    for (const [key, url] of Object.entries(opts.backends)) {
      const r = parseBackendUrl(url);
      if (typeof r === 'string') this.diagnostics.push({ level: 'error', file: '--backend', resource: key, message: r });
      else this.backendUrls.set(key, r);
    }
  }

  private diag(level: Diagnostic['level'], m: Manifest, message: string): void {
    this.diagnostics.push({ level, file: m.file, resource: describe(m), message });
  }

  private tagsFor(m: Manifest): string[] {
    const tags = [`k8s-kind:${m.doc.kind}`, `k8s-name:${nameOf(m)}`];
    if (!CLUSTER_SCOPED.has(m.doc.kind)) tags.push(`k8s-namespace:${ns(m)}`);
    const extra = annotationsOf(m)['konghq.com/tags'];
    if (extra) for (const t of splitList(extra)) if (!tags.includes(t)) tags.push(t);
    return tags;
  }

  /** Report annotations that are neither translated here nor bookkeeping. */
  private checkAnnotations(m: Manifest, known: readonly string[], prefixes: readonly string[] = []): void {
    for (const key of Object.keys(annotationsOf(m))) {
      if (known.includes(key) || prefixes.some((p) => key.startsWith(p))) continue;
      if (BOOKKEEPING.some((re) => re.test(key))) continue;
      const why = UNSUPPORTED_ANNOTATIONS[key];
      if (why) this.diag('warning', m, `annotation ${key} ignored: ${why}`);
      else if (key.startsWith('konghq.com/') || key.startsWith('ingress.kubernetes.io/')) this.diag('warning', m, `annotation ${key} is not supported by from-k8s; ignored`);
      else this.diag('warning', m, `annotation ${key} is not a Kong annotation; ignored`);
    }
  }

  /** kubernetes.io/ingress.class (and, for Ingress, spec.ingressClassName): kong or absent. */
  private forKong(m: Manifest, className?: unknown): boolean {
    const annotated = annotationsOf(m)['kubernetes.io/ingress.class'];
    const cls = typeof className === 'string' && className ? className : annotated;
    if (cls === undefined || cls === '' || this.kongClasses.has(cls)) return true;
    this.diag('note', m, `ingress class '${cls}' is not Kong's${this.otherClasses.has(cls) ? ' (IngressClass with another controller)' : ''}; skipped`);
    return false;
  }

  run(): ConvertResult {
    const byKind = new Map<string, Manifest[]>();
    for (const m of this.manifests) {
      const list = byKind.get(m.doc.kind) ?? [];
      list.push(m);
      byKind.set(m.doc.kind, list);
    }
    const kinds = (k: string) => byKind.get(k) ?? [];
    // 1. index what other resources refer to
    for (const m of kinds('Service')) this.k8sServices.set(`${ns(m)}/${nameOf(m)}`, m);
    for (const m of kinds('Secret')) this.secrets.set(`${ns(m)}/${nameOf(m)}`, m);
    for (const m of kinds('KongPlugin')) this.kongPlugins.set(`${ns(m)}/${nameOf(m)}`, m);
    for (const m of kinds('KongClusterPlugin')) {
      if (this.forKong(m)) this.clusterPlugins.set(nameOf(m), m);
    }
    for (const m of kinds('IngressClass')) {
      if (m.doc.spec?.controller === KIC_CONTROLLER) this.kongClasses.add(nameOf(m));
      else {
        this.otherClasses.add(nameOf(m));
        this.diag('note', m, `controller '${String(m.doc.spec?.controller ?? '')}' is not Kong's; Ingresses of this class are skipped`);
      }
    }
    // 2. routing resources
    for (const m of kinds('Ingress')) this.ingress(m);
    for (const m of kinds('HTTPRoute')) this.httpRoute(m);
    // 3. consumers and global plugins
    for (const m of kinds('KongConsumer')) this.consumer(m);
    for (const m of this.clusterPlugins.values()) {
      if (labelsOf(m).global === 'true') {
        const p = this.plugin(m, m, 'global');
        if (p) this.globalPlugins.push(p);
      }
    }
    for (const m of kinds('KongPlugin')) {
      if (labelsOf(m).global === 'true') this.diag('warning', m, "the label global: \"true\" only makes a KongClusterPlugin global (KIC 3.x); this KongPlugin is applied only where referenced");
    }
    // 4. everything else, and what was left unused
    for (const [kind, list] of byKind) {
      if (['Service', 'Secret', 'KongPlugin', 'KongClusterPlugin', 'IngressClass', 'Ingress', 'HTTPRoute', 'KongConsumer'].includes(kind)) continue;
      for (const m of list) {
        if (IGNORED_KINDS.has(kind)) this.diag('note', m, 'ignored: carries no gateway configuration');
        else if (UNSUPPORTED_KINDS[kind]) this.diag('warning', m, `${kind} ignored: ${UNSUPPORTED_KINDS[kind]}`);
        else this.diag('warning', m, `unknown kind ${m.doc.apiVersion}/${kind}; ignored`);
      }
    }
    for (const [key, m] of this.k8sServices) if (!this.usedServices.has(key)) this.diag('note', m, 'no Ingress or HTTPRoute in the input routes to this Service; not translated');
    for (const [key, m] of this.secrets) if (!this.usedSecrets.has(key)) this.diag('note', m, 'not referenced by a KongConsumer, a KongPlugin or an Ingress TLS section; ignored');
    for (const m of [...this.kongPlugins.values(), ...this.clusterPlugins.values()]) {
      if (!this.usedPlugins.has(m)) this.diag('warning', m, 'not referenced by any konghq.com/plugins annotation (nor labelled global: "true"); not translated');
    }
    for (const key of this.backendUrls.keys()) {
      if (!this.usedBackendKeys.has(key)) this.diagnostics.push({ level: 'warning', file: '--backend', resource: key, message: 'matches no Service referenced by the input; unused' });
    }
    return { config: this.document(), diagnostics: this.diagnostics };
  }

  private document(): KongDocument {
    const doc: KongDocument = { _format_version: '3.0' };
    const byName = (a: Entity, b: Entity) => String(a.name ?? '').localeCompare(String(b.name ?? ''));
    const services = [...this.services.values()].sort(byName).map((s) => {
      s.routes = s.routes.sort(byName).map((r: Entity) => ordered(r, ROUTE_KEYS));
      if (!s.routes.length) delete s.routes;
      if (!s.plugins.length) delete s.plugins;
      return ordered(s, SERVICE_KEYS);
    });
    if (services.length) doc.services = services;
    if (this.orphanRoutes.length) doc.routes = this.orphanRoutes.sort(byName).map((r) => ordered(r, ROUTE_KEYS));
    if (this.upstreams.size) doc.upstreams = [...this.upstreams.values()].sort(byName);
    if (this.consumers.length) doc.consumers = this.consumers;
    if (this.globalPlugins.length) doc.plugins = this.globalPlugins;
    if (this.certificates.size) doc.certificates = [...this.certificates.values()];
    return doc;
  }

  // ---------------------------------------------------------------- backends and services

  private lookupBackendUrl(nsName: string, name: string, port: number, portLabel: string): BackendAddress | undefined {
    const keys = [`${nsName}/${name}:${portLabel}`, `${nsName}/${name}:${port}`, `${name}:${portLabel}`, `${name}:${port}`, `${nsName}/${name}`, name];
    for (const k of keys) {
      const a = this.backendUrls.get(k);
      if (a) {
        this.usedBackendKeys.add(k);
        return a;
      }
    }
    return undefined;
  }

  private resolveBackend(owner: Manifest, nsName: string, name: string, port: { number?: unknown; name?: unknown }): Backend | null {
    const key = `${nsName}/${name}`;
    const svc = this.k8sServices.get(key);
    if (svc) this.usedServices.add(key);
    const svcPorts: Array<Record<string, any>> = Array.isArray(svc?.doc.spec?.ports) ? svc!.doc.spec.ports : [];
    let portNumber: number;
    let portLabel: string;
    if (port.number !== undefined && port.number !== null) {
      portNumber = Number(port.number);
      if (!Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535) {
        this.diag('error', owner, `backend ${key}: invalid port '${String(port.number)}'`);
        return null;
      }
      portLabel = String(portNumber);
      if (svc && svcPorts.length && !svcPorts.some((p) => Number(p.port) === portNumber)) this.diag('warning', owner, `backend ${key}: the Service has no port ${portNumber}`);
    } else if (typeof port.name === 'string' && port.name) {
      portLabel = port.name;
      const found = svcPorts.find((p) => p.name === port.name);
      if (found) portNumber = Number(found.port);
      else {
        portNumber = 80;
        this.diag('warning', owner, `backend ${key}: port '${port.name}' ${svc ? 'is not a port of the Service' : 'cannot be resolved (the Service is not in the input)'}; using 80`);
      }
    } else if (svcPorts.length === 1) {
      portNumber = Number(svcPorts[0]!.port);
      portLabel = String(portNumber);
    } else {
      this.diag('error', owner, `backend ${key}: a port is required`);
      return null;
    }
    let address = this.lookupBackendUrl(nsName, name, portNumber, portLabel);
    if (!address) {
      address = { protocol: 'http', host: `${name}.${nsName}.svc`, port: portNumber, path: null };
      if (!this.warnedUnmapped.has(key)) {
        this.warnedUnmapped.add(key);
        this.diag('warning', owner, `no --backend for Service ${key}; using http://${name}.${nsName}.svc:${portNumber}, which resolves only inside the cluster (add --backend ${key}=URL)`);
      }
    }
    return { ns: nsName, name, portLabel, port: portNumber, address: { ...address }, svc };
  }

  /** The Kong service for a set of backends (one: the address itself; several: an upstream with weighted targets). */
  private kongService(owner: Manifest, name: string, backends: Array<{ backend: Backend; weight: number }>): Entity {
    let s = this.services.get(name);
    if (s) return s;
    const first = backends[0]!.backend;
    s = { name, protocol: first.address.protocol, host: first.address.host, port: first.address.port };
    if (first.address.path) s.path = first.address.path;
    s.tags = first.svc ? this.tagsFor(first.svc) : this.tagsFor(owner);
    s.routes = [];
    s.plugins = [];
    this.services.set(name, s);
    let hostHeader: string | undefined;
    for (const { backend } of backends) {
      if (!backend.svc) continue;
      const h = this.serviceAnnotations(s, backend.svc, backends.length > 1 && backend !== first);
      hostHeader ??= h;
    }
    if (backends.length > 1 || hostHeader) {
      const upName = backends.length > 1 ? name.replace(/_/g, '-').toLowerCase() : `${first.name}.${first.ns}.${first.portLabel}.svc`.toLowerCase();
      const targets = new Map<string, number>();
      for (const { backend, weight } of backends) {
        if (backend.address.protocol !== s.protocol) this.diag('warning', owner, `backend ${backend.ns}/${backend.name} uses ${backend.address.protocol} but the service ${name} uses ${s.protocol}`);
        const host = backend.address.host.includes(':') ? `[${backend.address.host}]` : backend.address.host;
        const t = `${host}:${backend.address.port}`;
        targets.set(t, Math.min(65535, (targets.get(t) ?? 0) + weight));
      }
      const up: Entity = { name: upName, targets: [...targets].map(([target, weight]) => ({ target, weight })), tags: s.tags };
      if (hostHeader) up.host_header = hostHeader;
      this.upstreams.set(upName, up);
      s.host = upName;
      s.port = first.address.port;
    }
    return s;
  }

  /** Service annotations onto a Kong service; returns konghq.com/host-header when set. */
  private serviceAnnotations(s: Entity, svc: Manifest, secondary: boolean): string | undefined {
    const key = `${ns(svc)}/${nameOf(svc)}`;
    const ann = annotationsOf(svc);
    if (!this.annotatedServices.has(key)) {
      this.annotatedServices.add(key);
      this.checkAnnotations(svc, SERVICE_ANNOTATIONS);
    }
    if (secondary) {
      const scalar = SERVICE_ANNOTATIONS.filter((a) => a !== 'konghq.com/plugins' && a !== 'konghq.com/tags' && ann[a] !== undefined);
      if (scalar.length) this.diag('warning', svc, `with several backends, ${scalar.join(', ')} are taken from the first backend's Service only`);
    } else {
      const int = (a: string, field: string, min: number, max: number) => {
        const v = ann[a];
        if (v === undefined) return;
        const n = Number(v);
        if (!/^\d+$/.test(v.trim()) || n < min || n > max) this.diag('warning', svc, `annotation ${a}: '${v}' is not an integer in ${min}..${max}; ignored`);
        else s[field] = n;
      };
      if (ann['konghq.com/protocol'] !== undefined) {
        const p = SERVICE_PROTOCOLS[ann['konghq.com/protocol'].trim()];
        if (!p) this.diag('warning', svc, `annotation konghq.com/protocol: unknown protocol '${ann['konghq.com/protocol']}'; ignored`);
        else {
          s.protocol = p;
          if (p !== ann['konghq.com/protocol'].trim()) this.diag('note', svc, `konghq.com/protocol ${ann['konghq.com/protocol']} is proxied as ${p} (WebSocket upgrades pass through)`);
          if (['tcp', 'tls', 'udp', 'grpc', 'grpcs'].includes(p)) delete s.path;
        }
      }
      if (ann['konghq.com/path'] !== undefined) {
        const p = ann['konghq.com/path'].trim();
        if (!p.startsWith('/')) this.diag('warning', svc, `annotation konghq.com/path: '${p}' must start with /; ignored`);
        else if (s.path) this.diag('note', svc, `konghq.com/path ${p} not applied: the --backend URL's path ${s.path} is used`);
        else s.path = p;
      }
      int('konghq.com/connect-timeout', 'connect_timeout', 1, 2147483646);
      int('konghq.com/read-timeout', 'read_timeout', 1, 2147483646);
      int('konghq.com/write-timeout', 'write_timeout', 1, 2147483646);
      int('konghq.com/retries', 'retries', 0, 32767);
      const tv = ann['konghq.com/tls-verify'];
      if (tv !== undefined) {
        const b = parseBool(tv);
        if (b === undefined) this.diag('warning', svc, `annotation konghq.com/tls-verify: '${tv}' is not true or false; ignored`);
        else if (s.protocol !== 'https') this.diag('warning', svc, 'annotation konghq.com/tls-verify applies only to https services; ignored');
        else s.tls_verify = b;
      }
      if (ann['konghq.com/tls-verify-depth'] !== undefined) {
        if (s.protocol !== 'https') this.diag('warning', svc, 'annotation konghq.com/tls-verify-depth applies only to https services; ignored');
        else int('konghq.com/tls-verify-depth', 'tls_verify_depth', 0, 64);
      }
    }
    if (ann['konghq.com/plugins']) {
      for (const p of this.pluginsFor(svc, ann['konghq.com/plugins'], 'service')) {
        if (!s.plugins.some((q: Entity) => q.name === p.name)) s.plugins.push(p);
      }
    }
    return secondary ? undefined : ann['konghq.com/host-header'] || undefined;
  }

  // ---------------------------------------------------------------- plugins

  private pluginsFor(owner: Manifest, list: string, scope: string): Entity[] {
    const out: Entity[] = [];
    for (const ref of splitList(list)) {
      const m = this.kongPlugins.get(`${ns(owner)}/${ref}`) ?? this.clusterPlugins.get(ref);
      if (!m) {
        this.diag('error', owner, `konghq.com/plugins references '${ref}', but there is no KongPlugin ${ns(owner)}/${ref} nor KongClusterPlugin ${ref} in the input`);
        continue;
      }
      const p = this.plugin(m, owner, scope);
      if (p) out.push(p);
    }
    return out;
  }

  /** One Kong plugin instance from a KongPlugin or KongClusterPlugin. */
  private plugin(m: Manifest, owner: Manifest, scope: string): Entity | null {
    const first = !this.usedPlugins.has(m);
    this.usedPlugins.add(m);
    const d = m.doc;
    if (typeof d.plugin !== 'string' || !d.plugin) {
      if (first) this.diag('error', m, 'the field plugin (the Kong plugin name) is required');
      return null;
    }
    let name = d.plugin;
    let config: Record<string, any> = isObj(d.config) ? clone(d.config) : {};
    if (d.config !== undefined && d.config !== null && !isObj(d.config) && first) this.diag('error', m, 'config must be a mapping');
    if (isObj(d.configFrom)) {
      const ref = d.configFrom.secretKeyRef;
      const secretNs = d.kind === 'KongClusterPlugin' ? String(ref?.namespace ?? '') : ns(m);
      const secretKey = `${secretNs}/${String(ref?.name ?? '')}`;
      const secret = this.secrets.get(secretKey);
      const raw = secret ? secretData(secret)[String(ref?.key ?? '')] : undefined;
      if (raw !== undefined) {
        this.usedSecrets.add(secretKey);
        try {
          const parsed = YAML.parse(raw) as unknown;
          if (isObj(parsed)) config = parsed;
          else throw new Error('not an object');
          if (first) this.diag('note', m, `config read from Secret ${secretKey} key ${String(ref?.key)}`);
        } catch {
          if (first) this.diag('error', m, `configFrom: Secret ${secretKey} key ${String(ref?.key)} is not a JSON (or YAML) object`);
        }
      } else if (first) {
        this.diag('warning', m, `configFrom.secretKeyRef ${secretKey} key ${String(ref?.key ?? '')} is not in the input; the plugin gets an empty config (add the Secret to the input, or inline config)`);
      }
    }
    if (Array.isArray(d.configPatches) && d.configPatches.length && first) this.diag('warning', m, 'configPatches are not applied (values from Secrets); the plugin uses config as written');
    if (d.consumerRef !== undefined && first) this.diag('warning', m, 'consumerRef is not supported; reference the plugin from the KongConsumer with konghq.com/plugins');
    if (d.run_on !== undefined && first) this.diag('warning', m, 'run_on is not a Kong 3.x plugin field; ignored');
    const alias = PLUGIN_ALIASES[name];
    if (alias) {
      if (first) this.diag('note', m, `plugin ${name} is translated to ${alias.name}: ${alias.why}`);
      for (const f of alias.dropConfig ?? []) {
        if (f in config) {
          if (first) this.diag('warning', m, `config.${f} of ${name} has no equivalent in ${alias.name}; dropped`);
          delete config[f];
        }
      }
      name = alias.name;
    }
    if (name === 'wallarm-plugin' && typeof config.wallarm_node_address === 'string') config.wallarm_node_address = this.rewriteClusterUrl(m, config.wallarm_node_address, first);
    const p: Entity = { name };
    if (Object.keys(config).length) p.config = config;
    if (d.disabled === true || d.disabled === 'true') p.enabled = false;
    if (Array.isArray(d.protocols) && d.protocols.length) {
      const bad = d.protocols.filter((x: unknown) => !ROUTE_PROTOCOLS.includes(String(x)));
      if (bad.length && first) this.diag('warning', m, `protocols ${bad.join(', ')} are not Kong protocols`);
      p.protocols = d.protocols.map(String);
    }
    if (isObj(d.ordering)) p.ordering = clone(d.ordering);
    if (typeof d.instanceName === 'string' && d.instanceName) {
      let inst = d.instanceName;
      if (this.instanceNames.has(inst)) inst = `${d.instanceName}_${scope}_${nameOf(owner)}`.replace(/[^A-Za-z0-9._~-]/g, '-');
      for (let i = 2; this.instanceNames.has(inst); i++) inst = `${d.instanceName}_${i}`;
      this.instanceNames.add(inst);
      p.instance_name = inst;
    }
    p.tags = this.tagsFor(m);
    if (first) this.checkAnnotations(m, ['kubernetes.io/ingress.class']);
    return p;
  }

  /** A URL naming a cluster Service (name.ns.svc[.cluster.local]) → its --backend mapping when there is one. */
  private rewriteClusterUrl(m: Manifest, url: string, report: boolean): string {
    const r = /^(https?):\/\/([a-z0-9-]+)\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?\.?(?::(\d+))?(\/.*)?$/i.exec(url);
    if (!r) return url;
    const [, scheme, svcName, svcNs, portText, rest] = r;
    const port = portText ? Number(portText) : scheme === 'https' ? 443 : 80;
    const key = `${svcNs}/${svcName}`;
    if (this.k8sServices.has(key)) this.usedServices.add(key);
    const a = this.lookupBackendUrl(svcNs!, svcName!, port, String(port));
    if (!a) {
      if (report) this.diag('warning', m, `${url} names the cluster Service ${key}, which does not resolve outside the cluster; map it with --backend ${key}=URL (until then the connector applies its fallback_action)`);
      return url;
    }
    const host = a.host.includes(':') ? `[${a.host}]` : a.host;
    const out = `${a.protocol}://${host}:${a.port}${a.path ?? ''}${rest ?? ''}`;
    if (report) this.diag('note', m, `${url} rewritten to ${out} (--backend ${key})`);
    return out;
  }

  // ---------------------------------------------------------------- routes

  /** Route annotations shared by Ingress and HTTPRoute, onto one Kong route. */
  private routeAnnotations(route: Entity, m: Manifest): void {
    const ann = annotationsOf(m);
    const bool = (a: string, field: string) => {
      const v = ann[a];
      if (v === undefined) return;
      const b = parseBool(v);
      if (b === undefined) this.diag('warning', m, `annotation ${a}: '${v}' is not true or false; ignored`);
      else route[field] = b;
    };
    bool('konghq.com/strip-path', 'strip_path');
    bool('konghq.com/preserve-host', 'preserve_host');
    bool('konghq.com/request-buffering', 'request_buffering');
    bool('konghq.com/response-buffering', 'response_buffering');
    if (ann['konghq.com/methods'] !== undefined) {
      const methods = splitList(ann['konghq.com/methods']).map((x) => x.toUpperCase());
      const bad = methods.filter((x) => !/^[A-Z]+$/.test(x));
      if (bad.length) this.diag('warning', m, `annotation konghq.com/methods: invalid method(s) ${bad.join(', ')}; ignored`);
      const ok = methods.filter((x) => /^[A-Z]+$/.test(x));
      if (ok.length) route.methods = [...new Set([...(route.methods ?? []), ...ok])];
    }
    if (ann['konghq.com/protocols'] !== undefined) {
      const protocols = splitList(ann['konghq.com/protocols']).map((x) => x.toLowerCase());
      const bad = protocols.filter((x) => !ROUTE_PROTOCOLS.includes(x));
      if (bad.length || !protocols.length) this.diag('warning', m, `annotation konghq.com/protocols: '${ann['konghq.com/protocols']}' has unknown protocols; ignored`);
      else route.protocols = protocols;
    }
    if (ann['konghq.com/https-redirect-status-code'] !== undefined) {
      const v = ann['konghq.com/https-redirect-status-code'].trim();
      if (!['426', '301', '302', '307', '308'].includes(v)) this.diag('warning', m, `annotation konghq.com/https-redirect-status-code: '${v}' is not one of 426, 301, 302, 307, 308; ignored`);
      else route.https_redirect_status_code = Number(v);
    }
    if (ann['konghq.com/regex-priority'] !== undefined) {
      const v = ann['konghq.com/regex-priority'].trim();
      if (!/^-?\d+$/.test(v)) this.diag('warning', m, `annotation konghq.com/regex-priority: '${v}' is not an integer; ignored`);
      else route.regex_priority = Number(v);
    }
    if (ann['konghq.com/path-handling'] !== undefined) {
      const v = ann['konghq.com/path-handling'].trim();
      if (v !== 'v0' && v !== 'v1') this.diag('warning', m, `annotation konghq.com/path-handling: '${v}' is not v0 or v1; ignored`);
      else route.path_handling = v;
    }
    if (ann['konghq.com/snis'] !== undefined) {
      const snis = splitList(ann['konghq.com/snis']);
      if (snis.length) route.snis = snis;
    }
    if (ann['konghq.com/host-aliases'] !== undefined) {
      const aliases = splitList(ann['konghq.com/host-aliases']);
      if (aliases.length) route.hosts = [...new Set([...(route.hosts ?? []), ...aliases])];
    }
    const headers: Record<string, string[]> = { ...(route.headers ?? {}) };
    for (const [k, v] of Object.entries(ann)) {
      if (!k.startsWith('konghq.com/headers.')) continue;
      const h = k.slice('konghq.com/headers.'.length);
      if (!h) continue;
      if (h.toLowerCase() === 'host') {
        this.diag('warning', m, `annotation ${k}: the Host header is matched with hosts (konghq.com/host-aliases), not headers; ignored`);
        continue;
      }
      const values = splitList(v);
      if (values.length) headers[h] = values;
    }
    if (Object.keys(headers).length) route.headers = headers;
    if (ann['konghq.com/plugins']) route.plugins = [...(route.plugins ?? []), ...this.pluginsFor(m, ann['konghq.com/plugins'], 'route')];
  }

  private ingress(m: Manifest): void {
    const spec = isObj(m.doc.spec) ? m.doc.spec : {};
    if (!this.forKong(m, spec.ingressClassName)) return;
    this.checkAnnotations(m, [...ROUTE_ANNOTATIONS, 'kubernetes.io/ingress.class', 'konghq.com/regex-prefix'], ['konghq.com/headers.']);
    const namespace = ns(m);
    const regexPrefix = annotationsOf(m)['konghq.com/regex-prefix'] ?? '/~';
    const groups = new Map<string, { host: string; backend: Backend; paths: string[] }>();
    const rules: unknown[] = Array.isArray(spec.rules) ? spec.rules : [];
    rules.forEach((rule, ri) => {
      if (!isObj(rule)) return;
      const host = typeof rule.host === 'string' ? rule.host : '';
      const paths: unknown[] = Array.isArray(rule.http?.paths) ? rule.http.paths : [];
      if (!paths.length) {
        this.diag('warning', m, `rule ${ri + 1}${host ? ` (${host})` : ''} has no http paths; skipped (as KIC does)`);
        return;
      }
      for (const p of paths) {
        if (!isObj(p)) continue;
        const be = p.backend;
        if (!isObj(be) || !isObj(be.service)) {
          this.diag('warning', m, `path ${String(p.path ?? '/')}: only Service backends are translated${isObj(be?.resource) ? ` (not ${String(be.resource.kind)})` : ''}; skipped`);
          continue;
        }
        const backend = this.resolveBackend(m, namespace, String(be.service.name), isObj(be.service.port) ? be.service.port : {});
        if (!backend) continue;
        const pt = p.pathType as string | undefined;
        if (pt !== undefined && !['Exact', 'Prefix', 'ImplementationSpecific'].includes(pt)) {
          this.diag('error', m, `path ${String(p.path)}: unknown pathType '${pt}'`);
          continue;
        }
        const routeName = `${namespace}.${nameOf(m)}.${backend.name}.${host.replace(/\*/g, '_')}.${backend.portLabel}`;
        const g = groups.get(routeName) ?? { host, backend, paths: [] };
        for (const kp of ingressPaths(typeof p.path === 'string' ? p.path : undefined, pt, regexPrefix)) if (!g.paths.includes(kp)) g.paths.push(kp);
        groups.set(routeName, g);
      }
    });
    for (const [routeName, g] of groups) {
      const service = this.kongService(m, `${g.backend.ns}.${g.backend.name}.${g.backend.portLabel}`, [{ backend: g.backend, weight: 100 }]);
      const route: Entity = { name: routeName, paths: g.paths, strip_path: false, preserve_host: true };
      if (g.host) route.hosts = [g.host];
      route.tags = this.tagsFor(m);
      this.routeAnnotations(route, m);
      service.routes.push(route);
    }
    // the default backend: KIC uses the oldest Ingress's; here the first one in the input
    const db = spec.defaultBackend;
    if (isObj(db)) {
      if (this.defaultBackendFrom) this.diag('warning', m, `defaultBackend ignored: only one default backend applies (KIC picks the oldest Ingress); using ${describe(this.defaultBackendFrom)}'s`);
      else if (!isObj(db.service)) this.diag('warning', m, 'defaultBackend: only a Service backend is translated; skipped');
      else {
        const backend = this.resolveBackend(m, namespace, String(db.service.name), isObj(db.service.port) ? db.service.port : {});
        if (backend) {
          this.defaultBackendFrom = m;
          const service = this.kongService(m, `${backend.ns}.${backend.name}.${backend.portLabel}`, [{ backend, weight: 100 }]);
          const route: Entity = { name: `${namespace}.${nameOf(m)}`, paths: ['/'], strip_path: false, preserve_host: true, regex_priority: 0, tags: this.tagsFor(m) };
          this.routeAnnotations(route, m);
          service.routes.push(route);
        }
      }
    }
    if (!groups.size && !isObj(db)) this.diag('warning', m, 'no rule produced a route');
    // TLS: certificates from kubernetes.io/tls Secrets, SNIs from the hosts
    const tls: unknown[] = Array.isArray(spec.tls) ? spec.tls : [];
    for (const t of tls) {
      if (!isObj(t) || typeof t.secretName !== 'string') continue;
      const key = `${namespace}/${t.secretName}`;
      const secret = this.secrets.get(key);
      const hosts: string[] = Array.isArray(t.hosts) ? t.hosts.map(String) : [];
      if (!secret) {
        this.diag('warning', m, `TLS Secret ${key} is not in the input; no certificate for ${hosts.join(', ') || 'its hosts'} (the gateway serves its default certificate)`);
        continue;
      }
      this.usedSecrets.add(key);
      const data = secretData(secret);
      if (!data['tls.crt'] || !data['tls.key']) {
        this.diag('error', secret, 'a TLS Secret needs tls.crt and tls.key');
        continue;
      }
      const cert = this.certificates.get(key) ?? { cert: data['tls.crt'], key: data['tls.key'], snis: [] as Entity[], tags: this.tagsFor(secret) };
      for (const h of hosts) if (!cert.snis.some((s: Entity) => s.name === h)) cert.snis.push({ name: h });
      this.certificates.set(key, cert);
    }
  }

  private httpRoute(m: Manifest): void {
    const spec = isObj(m.doc.spec) ? m.doc.spec : {};
    this.checkAnnotations(m, ROUTE_ANNOTATIONS, ['konghq.com/headers.']);
    const namespace = ns(m);
    const hostnames: string[] = Array.isArray(spec.hostnames) ? spec.hostnames.map(String) : [];
    const rules: unknown[] = Array.isArray(spec.rules) && spec.rules.length ? spec.rules : [{}];
    rules.forEach((rule, ri) => {
      if (!isObj(rule)) return;
      // backends
      const refs: unknown[] = Array.isArray(rule.backendRefs) ? rule.backendRefs : [];
      const backends: Array<{ backend: Backend; weight: number }> = [];
      const nameParts: string[] = [];
      for (const ref of refs) {
        if (!isObj(ref)) continue;
        const kind = ref.kind ?? 'Service';
        const group = ref.group ?? '';
        if (kind !== 'Service' || group !== '') {
          this.diag('warning', m, `rule ${ri}: backendRef ${String(group ? `${group}/` : '')}${String(kind)} ${String(ref.name)} is not a Service; skipped`);
          continue;
        }
        const bns = typeof ref.namespace === 'string' && ref.namespace ? ref.namespace : namespace;
        if (bns !== namespace) this.diag('note', m, `rule ${ri}: backendRef to ${bns}/${String(ref.name)} crosses namespaces; KIC needs a ReferenceGrant for it (not checked here)`);
        const weight = ref.weight === undefined || ref.weight === null ? 1 : Number(ref.weight);
        if (!Number.isInteger(weight) || weight < 0 || weight > 1000000) {
          this.diag('error', m, `rule ${ri}: backendRef ${String(ref.name)} has an invalid weight '${String(ref.weight)}'`);
          continue;
        }
        if (ref.port === undefined) {
          this.diag('error', m, `rule ${ri}: backendRef ${String(ref.name)} needs a port`);
          continue;
        }
        const backend = this.resolveBackend(m, bns, String(ref.name), { number: ref.port });
        if (!backend) continue;
        backends.push({ backend, weight });
        nameParts.push(`${bns}.${backend.name}.${backend.portLabel}${ref.weight !== undefined && ref.weight !== null ? `.${weight}` : ''}`);
      }
      let service: Entity | undefined;
      const plugins: Entity[] = [];
      if (backends.length) {
        if (backends.length > 1 && backends.every((b) => b.weight === 0)) this.diag('warning', m, `rule ${ri}: every backend has weight 0; requests will fail`);
        nameParts.sort();
        // weights scale to Kong's 0..65535 target weights
        const max = Math.max(...backends.map((b) => b.weight));
        const scaled = backends.map((b) => ({ backend: b.backend, weight: max > 65535 ? Math.round((b.weight / max) * 65535) : b.weight }));
        service = this.kongService(m, `httproute.${namespace}.svc.${nameParts.join('_')}`, scaled);
        const timeout = isObj(rule.timeouts) ? (rule.timeouts.backendRequest ?? rule.timeouts.request) : undefined;
        if (typeof timeout === 'string') {
          const ms = parseDuration(timeout);
          if (ms === null || ms < 1) this.diag('warning', m, `rule ${ri}: timeout '${timeout}' is not a duration; ignored`);
          else if (ms > 0) {
            service.connect_timeout = ms;
            service.read_timeout = ms;
            service.write_timeout = ms;
          }
        }
      } else {
        // Gateway API: a rule without a usable backend answers 500
        plugins.push({ name: 'request-termination', config: { status_code: 500, message: 'no existing backendRef provided' } });
        this.diag('warning', m, `rule ${ri}: no usable backendRef; its routes answer 500`);
      }
      // filters
      const filters: unknown[] = Array.isArray(rule.filters) ? rule.filters : [];
      for (const f of filters) {
        if (!isObj(f)) continue;
        const p = this.httpFilter(m, ri, f);
        if (p) plugins.push(...p);
      }
      // matches: one Kong route each (name httproute.<ns>.<name>.<rule>.<match>, as KIC)
      const matches: unknown[] = Array.isArray(rule.matches) && rule.matches.length ? rule.matches : [{}];
      matches.forEach((match, mi) => {
        if (!isObj(match)) return;
        const route: Entity = { name: `httproute.${namespace}.${nameOf(m)}.${ri}.${mi}`, strip_path: false, preserve_host: true };
        if (hostnames.length) route.hosts = [...hostnames];
        const path = isObj(match.path) ? match.path : {};
        const paths = httpRoutePaths(path.type, path.value);
        if (typeof paths === 'string') {
          this.diag('warning', m, `rule ${ri} match ${mi}: ${paths}; match skipped`);
          return;
        }
        route.paths = paths;
        if (typeof match.method === 'string') route.methods = [match.method.toUpperCase()];
        if (Array.isArray(match.headers)) {
          const headers: Record<string, string[]> = {};
          for (const h of match.headers) {
            if (!isObj(h) || typeof h.name !== 'string') continue;
            const hn = h.name.toLowerCase();
            if (headers[hn]) continue; // Gateway API: the first entry for a name wins
            if (hn === 'host') {
              this.diag('warning', m, `rule ${ri} match ${mi}: a Host header match is not translated (use hostnames)`);
              continue;
            }
            if (h.type === 'RegularExpression') headers[hn] = [`~*${String(h.value)}`];
            else if (h.type === undefined || h.type === 'Exact') headers[hn] = [String(h.value)];
            else this.diag('warning', m, `rule ${ri} match ${mi}: header match type '${String(h.type)}' is not supported; ignored`);
          }
          if (Object.keys(headers).length) route.headers = headers;
        }
        if (Array.isArray(match.queryParams) && match.queryParams.length) {
          this.diag('warning', m, `rule ${ri} match ${mi}: query parameter matches need Kong's expressions router; match skipped (not widened)`);
          return;
        }
        route.tags = this.tagsFor(m);
        this.routeAnnotations(route, m);
        if (plugins.length) route.plugins = [...(route.plugins ?? []), ...plugins.map((p) => clone(p))];
        if (service) service.routes.push(route);
        else this.orphanRoutes.push(route);
      });
    });
  }

  /** Gateway API filters → Kong plugins (KIC's translations for the ones Portcullis has plugins for). */
  private httpFilter(m: Manifest, ri: number, f: Record<string, any>): Entity[] | null {
    const headerList = (hs: unknown) => (Array.isArray(hs) ? hs.filter(isObj).map((h) => `${String(h.name)}:${String(h.value)}`) : []);
    switch (f.type) {
      case 'RequestHeaderModifier':
      case 'ResponseHeaderModifier': {
        const mod = f.type === 'RequestHeaderModifier' ? f.requestHeaderModifier : f.responseHeaderModifier;
        if (!isObj(mod)) return null;
        const config: Entity = {};
        const set = headerList(mod.set);
        const add = headerList(mod.add);
        const remove = Array.isArray(mod.remove) ? mod.remove.map(String) : [];
        // set = replace when present, add when absent; add = append
        if (set.length) {
          config.replace = { headers: set };
          config.add = { headers: set };
        }
        if (add.length) config.append = { headers: add };
        if (remove.length) config.remove = { headers: remove };
        return [{ name: f.type === 'RequestHeaderModifier' ? 'request-transformer' : 'response-transformer', config }];
      }
      case 'ExtensionRef': {
        const ref = f.extensionRef;
        if (isObj(ref) && ref.group === 'configuration.konghq.com' && (ref.kind === 'KongPlugin' || ref.kind === 'KongClusterPlugin')) return this.pluginsFor(m, String(ref.name), 'route');
        this.diag('warning', m, `rule ${ri}: ExtensionRef to ${String(ref?.group)}/${String(ref?.kind)} is not supported; ignored`);
        return null;
      }
      default:
        this.diag('warning', m, `rule ${ri}: filter ${String(f.type)} is not translated (no equivalent plugin); the route is created without it`);
        return null;
    }
  }

  // ---------------------------------------------------------------- consumers

  private consumer(m: Manifest): void {
    if (!this.forKong(m)) return;
    this.checkAnnotations(m, ['kubernetes.io/ingress.class', 'konghq.com/plugins', 'konghq.com/tags']);
    const c: Entity = {};
    if (typeof m.doc.username === 'string' && m.doc.username) c.username = m.doc.username;
    if (typeof m.doc.custom_id === 'string' && m.doc.custom_id) c.custom_id = m.doc.custom_id;
    if (!c.username && !c.custom_id) {
      this.diag('error', m, 'a KongConsumer needs username or custom_id');
      return;
    }
    c.tags = this.tagsFor(m);
    if (Array.isArray(m.doc.consumerGroups) && m.doc.consumerGroups.length) this.diag('warning', m, 'consumerGroups are not supported; ignored');
    const creds: unknown[] = Array.isArray(m.doc.credentials) ? m.doc.credentials : [];
    const add = (k: string, v: Entity) => {
      c[k] ??= [];
      c[k].push(v);
    };
    for (const cred of creds) {
      const key = `${ns(m)}/${String(cred)}`;
      const secret = this.secrets.get(key);
      if (!secret) {
        this.diag('warning', m, `credential Secret ${key} is not in the input; credential skipped`);
        continue;
      }
      this.usedSecrets.add(key);
      const data = secretData(secret);
      const type = labelsOf(secret)['konghq.com/credential'] ?? data.kongCredType;
      if (data.kongCredType && labelsOf(secret)['konghq.com/credential'] === undefined) this.diag('note', secret, 'kongCredType in the data is the legacy form; KIC 3.x reads the label konghq.com/credential');
      const fields: Record<string, string[]> = {
        'key-auth': ['key'],
        'basic-auth': ['username', 'password'],
        jwt: ['key', 'secret', 'algorithm', 'rsa_public_key'],
        acl: ['group'],
        'hmac-auth': ['username', 'secret'],
      };
      const entity: Record<string, string> = { 'key-auth': 'keyauth_credentials', 'basic-auth': 'basicauth_credentials', jwt: 'jwt_secrets', acl: 'acls', 'hmac-auth': 'hmacauth_credentials' };
      const aliases: Record<string, string> = { 'key-auth': 'key-auth', keyauth_credential: 'key-auth', 'basic-auth': 'basic-auth', basicauth_credential: 'basic-auth', jwt: 'jwt', jwt_secret: 'jwt', acl: 'acl', 'hmac-auth': 'hmac-auth', hmacauth_credential: 'hmac-auth' };
      const t = type ? aliases[type] : undefined;
      if (!type) {
        this.diag('warning', secret, `credential Secret of ${describe(m)} has no label konghq.com/credential (nor kongCredType); skipped`);
        continue;
      }
      if (!t) {
        this.diag('warning', secret, `credential type '${type}' is not supported (key-auth, basic-auth, jwt, acl, hmac-auth); skipped`);
        continue;
      }
      const v: Entity = {};
      for (const f of fields[t]!) if (data[f] !== undefined) v[f] = data[f];
      if (t === 'jwt' && data.rsa_public_key === undefined && data['rsa-public-key'] !== undefined) v.rsa_public_key = data['rsa-public-key'];
      const extra = Object.keys(data).filter((k) => k !== 'kongCredType' && !fields[t]!.includes(k) && !(t === 'jwt' && k === 'rsa-public-key'));
      if (extra.length) this.diag('warning', secret, `${t} credential fields ${extra.join(', ')} are not translated`);
      add(entity[t]!, v);
    }
    const plugins = annotationsOf(m)['konghq.com/plugins'];
    if (plugins) c.plugins = this.pluginsFor(m, plugins, 'consumer');
    this.consumers.push(c);
  }
}

const SERVICE_KEYS = ['name', 'protocol', 'host', 'port', 'path', 'connect_timeout', 'read_timeout', 'write_timeout', 'retries', 'tls_verify', 'tls_verify_depth', 'tags', 'plugins', 'routes'];
const ROUTE_KEYS = ['name', 'hosts', 'paths', 'methods', 'headers', 'snis', 'protocols', 'strip_path', 'preserve_host', 'regex_priority', 'path_handling', 'https_redirect_status_code', 'request_buffering', 'response_buffering', 'tags', 'plugins'];

/** The same object with its keys in a readable order (known keys first). */
function ordered(e: Entity, keys: string[]): Entity {
  const out: Entity = {};
  for (const k of keys) if (e[k] !== undefined) out[k] = e[k];
  for (const k of Object.keys(e)) if (!(k in out)) out[k] = e[k];
  return out;
}

function parseBool(v: string): boolean | undefined {
  const s = v.trim().toLowerCase();
  if (s === 'true') return true;
  if (s === 'false') return false;
  return undefined;
}

/** A Secret's values: `data` (base64) overlaid with `stringData`, as the API server does. */
export function secretData(m: Manifest): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObj(m.doc.data)) for (const [k, v] of Object.entries(m.doc.data)) out[k] = Buffer.from(String(v ?? ''), 'base64').toString('utf8');
  if (isObj(m.doc.stringData)) for (const [k, v] of Object.entries(m.doc.stringData)) out[k] = String(v ?? '');
  return out;
}

/** Translate parsed manifests into a kong.yml document and diagnostics. */
export function convertManifests(manifests: Manifest[], opts: ConvertOptions): ConvertResult {
  return new Converter(manifests, opts).run();
}
