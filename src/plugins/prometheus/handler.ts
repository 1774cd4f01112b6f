// prometheus (kong/plugins/prometheus/handler.lua + exporter.lua): Kong's metric names, labels and
// buckets, in a prom-client Registry owned by one gateway, served at GET /metrics on the admin listener.
import type { ServerStats } from '../../observability/stats.js';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Kong, PluginAdminRoute, PluginEnv, PluginHandler } from '../types.js';

const KONG_LATENCY_BUCKETS = [1, 2, 5, 7, 10, 15, 20, 30, 50, 75, 100, 200, 500, 750, 1000];
const UPSTREAM_LATENCY_BUCKETS = [25, 50, 80, 100, 250, 400, 700, 1000, 2000, 5000, 10000, 30000, 60000];
const HEALTH_STATES = ['healthchecks_off', 'healthy', 'unhealthy', 'dns_error'];

interface Conf {
  per_consumer: boolean;
  status_code_metrics: boolean;
  ai_metrics: boolean;
  latency_metrics: boolean;
  bandwidth_metrics: boolean;
  upstream_health_metrics: boolean;
}

/** Optional gateway hooks (not part of PluginEnv yet): nginx-like connection counters and target health. */
interface EnvExtras {
  serverStats?: () => ServerStats;
  upstreamHealth?: (upstreamId: string) => { data: Array<{ target: string; health: string; data?: { addresses?: Array<{ ip: string; port: number; health: string }> } }> } | null;
}

export interface PrometheusHandler extends PluginHandler {
  registry: Registry;
  scrape(): Promise<string>;
}

export function handler(env: PluginEnv): PrometheusHandler {
  const extras = env as PluginEnv & EnvExtras;
  const registry = new Registry();
  const reg = [registry];
  const nodeId = env.nodeId;
  let observed = 0;

  const connections = new Gauge({ name: 'kong_nginx_connections_total', help: 'Number of connections by subsystem', labelNames: ['node_id', 'subsystem', 'state'], registers: reg });
  const nginxRequests = new Gauge({ name: 'kong_nginx_requests_total', help: 'Number of requests total', labelNames: ['node_id', 'subsystem'], registers: reg });
  const timers = new Gauge({ name: 'kong_nginx_timers', help: 'Number of nginx timers', labelNames: ['state'], registers: reg });
  const dbReachable = new Gauge({ name: 'kong_datastore_reachable', help: 'Datastore reachable from Kong, 0 is unreachable', registers: reg });
  const nodeInfo = new Gauge({ name: 'kong_node_info', help: 'Kong Node metadata information', labelNames: ['node_id', 'version'], registers: reg });
  nodeInfo.set({ node_id: nodeId, version: env.kongVersion }, 1);
  const targetHealth = new Gauge({
    name: 'kong_upstream_target_health',
    help: 'Health status of targets of upstream. States = healthchecks_off|healthy|unhealthy|dns_error, value is 1 when state is populated.',
    labelNames: ['upstream', 'target', 'address', 'state', 'subsystem'],
    registers: reg,
  });
  const workerVms = new Gauge({ name: 'kong_memory_workers_lua_vms_bytes', help: 'Allocated bytes in worker Lua VM', labelNames: ['node_id', 'pid', 'kong_subsystem'], registers: reg });
  const status = new Counter({
    name: 'kong_http_requests_total',
    help: 'HTTP status codes per consumer/service/route in Kong',
    labelNames: ['service', 'route', 'code', 'source', 'workspace', 'consumer'],
    registers: reg,
  });
  const kongLatency = new Histogram({
    name: 'kong_kong_latency_ms',
    help: 'Latency added by Kong and enabled plugins for each service/route in Kong',
    labelNames: ['service', 'route', 'workspace'],
    buckets: KONG_LATENCY_BUCKETS,
    registers: reg,
  });
  const upstreamLatency = new Histogram({
    name: 'kong_upstream_latency_ms',
    help: 'Latency added by upstream response for each service/route in Kong',
    labelNames: ['service', 'route', 'workspace'],
    buckets: UPSTREAM_LATENCY_BUCKETS,
    registers: reg,
  });
  const totalLatency = new Histogram({
    name: 'kong_request_latency_ms',
    help: 'Total latency incurred during requests for each service/route in Kong',
    labelNames: ['service', 'route', 'workspace'],
    buckets: UPSTREAM_LATENCY_BUCKETS,
    registers: reg,
  });
  const bandwidth = new Counter({
    name: 'kong_bandwidth_bytes',
    help: 'Total bandwidth (ingress/egress) throughput in bytes',
    labelNames: ['service', 'route', 'direction', 'workspace', 'consumer'],
    registers: reg,
  });

  async function scrape(): Promise<string> {
    const s = extras.serverStats?.();
    const sub = 'http';
    const set = (state: string, v: number) => connections.set({ node_id: nodeId, subsystem: sub, state }, v);
    if (s) {
      set('accepted', s.connections_accepted);
      set('handled', s.connections_handled);
      set('total', s.total_requests);
      set('active', s.connections_active);
      set('reading', s.connections_reading);
      set('writing', s.connections_writing);
      set('waiting', s.connections_waiting);
      nginxRequests.set({ node_id: nodeId, subsystem: sub }, s.total_requests);
    } else {
      // without gateway counters, report what this plugin has seen
      set('total', observed);
      nginxRequests.set({ node_id: nodeId, subsystem: sub }, observed);
    }
    timers.set({ state: 'running' }, 0);
    timers.set({ state: 'pending' }, 0);
    dbReachable.set(1);
    workerVms.set({ node_id: nodeId, pid: String(process.pid), kong_subsystem: sub }, process.memoryUsage().heapUsed);
    healthMetrics();
    return registry.metrics();
  }

  function healthMetrics(): void {
    targetHealth.reset();
    const wanted = env.store.find('plugins', 'name', 'prometheus').some((p) => p.enabled !== false && p.config?.upstream_health_metrics === true);
    if (!wanted) return;
    // every upstream: the store's find() with a field no row lacks lists them all
    const upstreams = allRows(env, 'upstreams');
    for (const u of upstreams) {
      const health = extras.upstreamHealth?.(u.id);
      const targets = health?.data ?? env.store.find('targets', 'upstream', u.id).map((t) => ({ target: t.target, health: 'HEALTHCHECKS_OFF' }));
      for (const t of targets as any[]) {
        const addrs: Array<{ ip: string; port: number; health: string }> = t.data?.addresses ?? [splitTarget(t.target, t.health)];
        for (const a of addrs) {
          const state = String(a.health).toLowerCase();
          for (const st of HEALTH_STATES) {
            targetHealth.set({ upstream: u.name, target: t.target, address: `${a.ip}:${a.port}`, state: st, subsystem: 'http' }, st === state ? 1 : 0);
          }
        }
      }
    }
  }

  return {
    registry,
    scrape,
    log(kong: Kong, conf: Conf) {
      observed++;
      const message = kong.log.serialize() as any;
      const service = message.service ? (message.service.name ?? message.service.host ?? '') : '';
      const route = message.route ? (message.route.name ?? message.route.id ?? '') : '';
      const consumer = conf.per_consumer && message.consumer ? (message.consumer.username ?? '') : '';
      const workspace = message.workspace_name ?? 'default';
      if (conf.bandwidth_metrics) {
        const ingress = message.request?.size ?? 0;
        const egress = message.response?.size ?? 0;
        if (ingress > 0) bandwidth.inc({ service, route, direction: 'ingress', workspace, consumer }, ingress);
        if (egress > 0) bandwidth.inc({ service, route, direction: 'egress', workspace, consumer }, egress);
      }
      if (conf.status_code_metrics && message.response?.status) {
        const source = kong.response.get_source() === 'service' ? 'service' : 'kong';
        status.inc({ service, route, code: String(message.response.status), source, workspace, consumer });
      }
      if (conf.latency_metrics && message.latencies) {
        const l = message.latencies;
        const labels = { service, route, workspace };
        if (typeof l.request === 'number' && l.request >= 0) totalLatency.observe(labels, l.request);
        if (typeof l.proxy === 'number' && l.proxy >= 0) upstreamLatency.observe(labels, l.proxy);
        if (typeof l.kong === 'number' && l.kong >= 0) kongLatency.observe(labels, l.kong);
      }
    },
    close() {
      registry.clear();
    },
  };
}

function splitTarget(target: string, health: string): { ip: string; port: number; health: string } {
  const i = target.lastIndexOf(':');
  return { ip: target.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(target.slice(i + 1)), health };
}

/** All rows of an entity through the read-only PDK store. */
function allRows(env: PluginEnv, entity: string): Record<string, any>[] {
  const s = env.store as PluginEnv['store'] & { list?: (e: string) => Record<string, any>[] };
  if (s.list) return s.list(entity);
  // find() keeps rows whose field equals the value: an absent field matches undefined on every row
  return s.find(entity, '\u0000all', undefined);
}

export function adminRoutes(_env: PluginEnv, h: PluginHandler): PluginAdminRoute[] {
  const ph = h as PrometheusHandler;
  return [{ path: '/metrics', get: async () => ({ status: 200, body: await ph.scrape(), contentType: 'text/plain; charset=UTF-8' }) }];
}
