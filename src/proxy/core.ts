// What every client connection shares: the router and balancers (rebuilt atomically on store
// changes), upstream pools, DNS cache, plugin phases, settings, stats and the timer sweep.
import type { ServerStats } from '../observability/stats.js';
import type { AppLogger } from '../observability/logger.js';
import type { EntityStore } from '../store/dao.js';
import type { Route, Service, Target, Upstream } from '../store/types.js';
import { buildRouter, type Router } from '../router/index.js';
import type { RequestContext } from '../pdk/context.js';
import { HealthRegistry, Resolver, UpstreamBalancer, type Peer } from './balancer.js';
import type { ConnectionState } from './conn/state.js';
import type { PhaseRunner } from './phases.js';
import type { ProxySettings } from './settings.js';
import { UpstreamPool } from './upstream-pool.js';
import { ActiveChecker } from './health.js';
import { hashInput, type HashInput } from './hash-input.js';
import net from 'node:net';

export type { HashInput } from './hash-input.js';

/** Per-service values computed once per configuration (not per request). */
export interface ServiceInfo {
  secure: boolean;
  /** The service's host names an upstream entity. */
  balancer: UpstreamBalancer | null;
  /** The one peer of a service without a balancer. */
  peer: Peer | null;
  /** The host is an IP literal: no DNS. */
  ip: boolean;
  /** Host header sent upstream for a service without a balancer (no preserve_host, no override). */
  hostHeader: string;
  /** Pool key of the last address the peer resolved to. */
  keyAddress: string;
  key: string;
  /** How https upstreams are verified; null for plain http. */
  tls: UpstreamTls | null;
}

/** Verification settings of an https service (Kong: tls_verify, ca_certificates). */
export interface UpstreamTls {
  /** tls_verify true; unset or false is Kong's default `proxy_ssl_verify off`. */
  verify: boolean;
  /** PEMs of the service's ca_certificates: the only trusted roots when set. */
  ca: string[] | undefined;
  /** Client certificate presented upstream: the service's client_certificate, else its upstream's. */
  cert: string | undefined;
  key: string | undefined;
  /** Part of the pool key: a socket verified one way is never lent to a service that asks for another. */
  profile: string;
}

export class ProxyCore {
  router: Router;
  private balancers = new Map<string, UpstreamBalancer>();
  private services = new Map<Service, ServiceInfo>();
  private balancersById = new Map<string, UpstreamBalancer>();
  private checkers: ActiveChecker[] = [];
  readonly health = new HealthRegistry();
  readonly pool: UpstreamPool;
  readonly resolver = new Resolver();
  phases: PhaseRunner | null = null;
  readonly connections = new Set<ConnectionState>();
  /** PEM of each ca_certificates entity, by id. */
  private caCerts = new Map<string, string>();
  /** Certificate and key of each certificates entity, by id (client certificates for https upstreams). */
  private certs = new Map<string, { cert: string; key: string }>();
  private sweepTimer: NodeJS.Timeout | null = null;
  /** Called for every finished request (metrics, access log). */
  onRequestDone: ((ctx: RequestContext) => void) | null = null;

  constructor(
    readonly settings: ProxySettings,
    readonly logger: AppLogger,
    readonly stats: ServerStats,
    pool: { size: number; maxRequests: number; idleTimeoutS: number },
  ) {
    this.pool = new UpstreamPool({ maxIdlePerKey: pool.size, maxRequests: pool.maxRequests, idleTimeoutMs: pool.idleTimeoutS * 1000 });
    this.router = buildRouter([], []);
  }

  /** Rebuild router and balancers from the store; swaps references so requests never see half a table. */
  rebuild(store: EntityStore): void {
    const services = store.list('services') as unknown as Service[];
    const routes = store.list('routes') as unknown as Route[];
    const router = buildRouter(routes, services);
    for (const e of router.errors) this.logger.warn({ route: e.route.id, error: e.message }, 'route left out of the router');
    const byUpstream = new Map<string, Target[]>();
    for (const t of store.list('targets') as unknown as Target[]) {
      const list = byUpstream.get(t.upstream.id) ?? [];
      list.push(t);
      byUpstream.set(t.upstream.id, list);
    }
    const balancers = new Map<string, UpstreamBalancer>();
    const keep = new Set<string>();
    for (const u of store.list('upstreams') as unknown as Upstream[]) {
      const targets = dedupeTargets(byUpstream.get(u.id) ?? []);
      for (const t of targets) keep.add(u.id + '|' + t.target);
      balancers.set(u.name, new UpstreamBalancer(u, targets, this.health, (key) => this.pool.active.get(key) ?? 0));
    }
    this.health.prune(keep);
    const caCerts = new Map<string, string>();
    for (const c of store.list('ca_certificates')) caCerts.set(String(c.id), String(c.cert));
    this.caCerts = caCerts;
    const certs = new Map<string, { cert: string; key: string }>();
    for (const c of store.list('certificates')) certs.set(String(c.id), { cert: String(c.cert), key: String(c.key) });
    this.certs = certs;
    this.router = router;
    this.balancers = balancers;
    this.balancersById = new Map([...balancers.values()].map((b) => [b.upstream.id, b]));
    this.services = new Map();
    for (const c of this.checkers) c.stop();
    this.checkers = [];
    for (const b of balancers.values()) {
      if (!ActiveChecker.wanted(b.upstream)) continue;
      const checker = new ActiveChecker(b, this.health);
      checker.start();
      this.checkers.push(checker);
    }
  }

  balancerFor(upstreamId: string): UpstreamBalancer | undefined {
    return this.balancersById.get(upstreamId);
  }

  /** Cached per-service values (rebuilt lazily after every configuration change). */
  serviceInfo(svc: Service): ServiceInfo {
    let info = this.services.get(svc);
    if (info === undefined) {
      const secure = svc.protocol === 'https' || svc.protocol === 'grpcs';
      const balancer = this.balancers.get(svc.host) ?? null;
      info = {
        secure,
        balancer,
        peer: balancer ? null : { host: svc.host, port: svc.port, target: `${svc.host}:${svc.port}`, targetId: null, upstreamId: null },
        ip: net.isIP(svc.host) !== 0,
        hostHeader: isDefaultPort(svc.port, secure) ? svc.host : `${svc.host}:${svc.port}`,
        keyAddress: '',
        key: '',
        tls: secure ? this.tlsOf(svc, balancer) : null,
      };
      this.services.set(svc, info);
    }
    return info;
  }

  private tlsOf(svc: Service, balancer: UpstreamBalancer | null): UpstreamTls {
    const verify = svc.tls_verify === true;
    const ids = verify && Array.isArray(svc.ca_certificates) && svc.ca_certificates.length ? svc.ca_certificates : null;
    const ca = ids ? ids.map((id) => this.caCerts.get(id)).filter((pem): pem is string => pem !== undefined) : undefined;
    // Kong's fallback_upstream_client_cert: the upstream entity's certificate when the service has none
    const certId = svc.client_certificate?.id ?? balancer?.upstream.client_certificate?.id ?? null;
    const client = certId !== null ? this.certs.get(certId) : undefined;
    const profile = (verify ? 'v' + (ids ? ':' + ids.join(',') : '') : 'n') + (client ? '|c:' + certId : '');
    return { verify, ca, cert: client?.cert, key: client?.key, profile };
  }

  isBalanced(ctx: RequestContext): boolean {
    return this.serviceInfo(ctx.service!).balancer !== null;
  }

  /** The request's hashing input when its service balances with consistent hashing, else null (computed once per request). */
  hashInput(ctx: RequestContext): HashInput | null {
    const b = this.serviceInfo(ctx.service!).balancer;
    if (b === null || b.upstream.algorithm !== 'consistent-hashing') return null;
    return hashInput(b.upstream, ctx);
  }

  pickPeer(ctx: RequestContext, tried: Set<string> | null, hash: HashInput | null): Peer | null {
    const info = this.serviceInfo(ctx.service!);
    const b = info.balancer;
    if (b === null) return info.peer;
    return b.pick(hash !== null ? hash.value : null, tried ?? undefined);
  }

  reportHealth(peer: Peer, kind: 'timeout' | 'tcp_failure'): void {
    if (!peer.upstreamId) return;
    this.balancerFor(peer.upstreamId)?.report(peer.target, kind);
  }

  reportStatus(peer: Peer | null, status: number): void {
    if (peer === null || peer.upstreamId === null) return;
    this.balancerFor(peer.upstreamId)?.report(peer.target, 'success', status);
  }

  poolKey(address: string, port: number, secure: boolean, sni?: string, tls?: UpstreamTls | null): string {
    const key = UpstreamPool.keyOf(address, port, secure, sni);
    return tls ? key + '|' + tls.profile : key;
  }

  /**
   * SNI for an https upstream: Kong's `proxy_ssl_name $upstream_host`, the Host header sent upstream (the client's
   * with preserve_host) without its port; none for an IP literal, as nginx does.
   */
  upstreamSni(ctx: RequestContext): string | undefined {
    const host = this.hostHeaderFor(ctx);
    if (host.charCodeAt(0) === 91 /* [ */) return undefined; // an IPv6 literal
    const i = host.lastIndexOf(':');
    const name = i > 0 ? host.slice(0, i) : host;
    return name && net.isIP(name) === 0 ? name : undefined;
  }

  /** Host header for the upstream request (Kong §4.4). */
  hostHeaderFor(ctx: RequestContext): string {
    if (ctx.upstreamHostOverride) return ctx.upstreamHostOverride;
    const svc = ctx.service!;
    if (ctx.route?.preserve_host) {
      const h = ctx.headers.get('host');
      if (h) return h;
    }
    const info = this.serviceInfo(svc);
    const secure = info.secure;
    const b = info.balancer;
    if (b === null) return info.hostHeader;
    {
      if (b.upstream.host_header) return b.upstream.host_header;
      const t = ctx.upstreamTarget ?? svc.host;
      const i = t.lastIndexOf(':');
      const host = t.slice(0, i);
      const port = Number(t.slice(i + 1));
      return isDefaultPort(port, secure) ? host : t;
    }
  }

  track(c: ConnectionState): void {
    this.connections.add(c);
    this.stats.connections_accepted++;
    this.stats.connections_handled++;
    this.stats.connections_active = this.connections.size;
    if (!this.sweepTimer) {
      this.sweepTimer = setInterval(() => this.sweep(), 100);
      this.sweepTimer.unref();
    }
  }

  forget(c: ConnectionState): void {
    this.connections.delete(c);
    this.stats.connections_active = this.connections.size;
  }

  /** One coarse timer for every connection's deadline, instead of a timer per socket. */
  private sweep(): void {
    const now = Date.now();
    for (const c of this.connections) if (c.deadline !== 0 && c.deadline <= now) c.expire();
    if (this.connections.size === 0 && this.sweepTimer) {
      clearInterval(this.sweepTimer);
      this.sweepTimer = null;
    }
  }

  logRequest(ctx: RequestContext): void {
    if (this.phases?.active) {
      try {
        this.phases.log(ctx);
      } catch (err) {
        this.logger.error({ err, request_id: ctx.requestId }, 'log phase failed');
      }
    }
    this.onRequestDone?.(ctx);
  }

  close(): void {
    for (const c of this.checkers) c.stop();
    this.checkers = [];
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    for (const c of this.connections) c.close();
    this.pool.close();
  }
}

function isDefaultPort(port: number, secure: boolean): boolean {
  return secure ? port === 443 : port === 80;
}

function dedupeTargets(targets: Target[]): Target[] {
  // the newest entry for an address wins (older Kong kept history rows)
  const m = new Map<string, Target>();
  for (const t of targets.sort((a, b) => a.created_at - b.created_at)) m.set(t.target, t);
  return [...m.values()];
}
