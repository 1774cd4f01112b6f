// Kong's Status API (status_listen): a read-only listener for health probes and monitoring — /status,
// /status/ready (Kong's readiness rules, kong/status/ready.lua), upstream health, and plugin status routes
// such as prometheus's /metrics.
import { HttpError, notFoundError } from './http.js';
import { statusBody } from './info.js';
import type { AdminContext, AdminRouter } from './server.js';

// Kong's DECLARATIVE_EMPTY_CONFIG_HASH: no declarative configuration was ever loaded
const EMPTY_CONFIG_HASH = '0'.repeat(32);

/** Kong's readiness verdict: null when ready, else the reason. */
export function notReadyReason(ctx: AdminContext): string | null {
  if (ctx.config.database === 'postgres' && ctx.databaseReachable && !ctx.databaseReachable()) return 'failed to connect to database';
  const r = ctx.routerReady?.() ?? { ready: 1, of: 1 };
  if (r.ready < r.of) {
    return ctx.config.database === 'off' ? `router builds not yet complete, router ready on ${r.ready} of ${r.of} workers` : 'router builds not yet complete';
  }
  if (ctx.config.database === 'off' && ctx.store.configHash === EMPTY_CONFIG_HASH) return 'no configuration available';
  return null;
}

export function registerStatusApi(router: AdminRouter, ctx: AdminContext): void {
  router.add({ pattern: '/status', methods: { GET: (req) => statusBody(req, ctx) } });
  router.add({
    pattern: '/status/ready',
    methods: {
      GET: () => {
        const reason = notReadyReason(ctx);
        if (reason === null) return { status: 200, body: { message: 'ready' } };
        ctx.logger.warn({ reason }, 'not ready');
        return { status: 503, body: { message: reason } };
      },
    },
  });
  router.add({
    pattern: '/upstreams/{upstreams}/health',
    methods: {
      GET: (req) => {
        const u = ctx.store.resolve('upstreams', req.params.upstreams!);
        if (!u) throw notFoundError();
        const health = ctx.upstreamHealth?.(u.id);
        if (!health) throw new HttpError(404, { message: 'Not found' });
        return { status: 200, body: { node_id: ctx.nodeId, ...health, next: null } };
      },
    },
  });
}
