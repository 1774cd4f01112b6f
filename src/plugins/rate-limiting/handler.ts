// rate-limiting (kong/plugins/rate-limiting/handler.lua): fixed-window counters per identifier,
// X-RateLimit-* and RateLimit-* headers, 429 (or error_code) with Retry-After when over the limit.
import type { Kong, PluginEnv, PluginHandler } from '../types.js';
import { ScopeResolver } from '../shared/scope.js';
import type { PgSettings } from '../../store/postgres/connection.js';
import { ClusterPolicy } from './cluster.js';
import { EXPIRATION, LocalPolicy, periodStarts, RedisPolicy, type Limits, type Policy } from './policies.js';
import { PERIODS, type Period } from './schema.js';

const CAP: Record<Period, string> = { second: 'Second', minute: 'Minute', hour: 'Hour', day: 'Day', month: 'Month', year: 'Year' };

function identifierOf(kong: Kong, conf: any): string {
  let id: string | undefined;
  switch (conf.limit_by) {
    case 'service':
      id = kong.router.get_service()?.id;
      break;
    case 'consumer':
      id = kong.client.get_consumer()?.id ?? kong.client.get_credential()?.id;
      break;
    case 'credential':
      id = kong.client.get_credential()?.id;
      break;
    case 'header':
      id = kong.request.get_header(conf.header_name);
      break;
    case 'path': {
      const p = kong.request.get_path();
      if (p === conf.path) id = p;
      break;
    }
  }
  return id || kong.client.get_forwarded_ip();
}

/** The gateway's database, as the cluster policy needs it. */
export interface DatabaseInfo {
  /** 'postgres', 'embedded' or 'off' (DB-less). */
  kind: string;
  pg?: PgSettings | null;
}

function databaseOf(env: PluginEnv): DatabaseInfo | undefined {
  return env.database as DatabaseInfo | undefined;
}

export function handler(env: PluginEnv): PluginHandler & { policies: { local: LocalPolicy; redis: RedisPolicy } } {
  const local = new LocalPolicy();
  const redis = new RedisPolicy(env.logger);
  let cluster: ClusterPolicy | null = null;
  const scopes = new ScopeResolver(env.store, 'rate-limiting');
  const warnedCluster = new WeakSet<object>();

  function policyFor(conf: any, kong: Kong): Policy {
    if (conf.policy === 'redis') return redis;
    if (conf.policy !== 'cluster') return local;
    const db = databaseOf(env);
    if (db?.kind === 'postgres' && db.pg) return (cluster ??= new ClusterPolicy(db.pg, env.logger));
    // The embedded store serves one process, which is then the whole cluster: its counters are the
    // cluster's. DB-less Kong has no cluster policy at all (its schema refuses it).
    if (db?.kind !== 'embedded' && !warnedCluster.has(conf)) {
      warnedCluster.add(conf);
      kong.log.warn('the cluster policy needs a database; counting locally on this node instead');
    }
    return local;
  }

  return {
    policies: { local, redis },

    async access(kong: Kong, conf: any) {
      const now = Date.now();
      const identifier = identifierOf(kong, conf);
      const scope = scopes.of(conf);
      const limits: Limits = {};
      for (const p of PERIODS) if (typeof conf[p] === 'number') limits[p] = conf[p];
      const policy = policyFor(conf, kong);

      let usage: Partial<Record<Period, number>> | undefined;
      try {
        usage = policy.consume
          ? await policy.consume(conf, scope, identifier, now, limits)
          : await policy.usage(conf, scope, identifier, now, limits);
      } catch (err) {
        if (!conf.fault_tolerant) throw err;
        kong.log.err('failed to get usage: ', String((err as Error)?.message ?? err));
      }

      if (usage) {
        let stop: Period | undefined;
        const remainingOf: Partial<Record<Period, number>> = {};
        for (const p of PERIODS) {
          if (limits[p] === undefined) continue;
          remainingOf[p] = limits[p]! - (usage[p] ?? 0);
          if (remainingOf[p]! <= 0) stop = p;
        }
        let headers: Record<string, string | number> | undefined;
        let reset: number | undefined;
        if (!conf.hide_client_headers) {
          headers = {};
          const starts = periodStarts(now);
          let limit: number | undefined;
          let window = 0;
          let remaining = 0;
          for (const p of PERIODS) {
            if (limits[p] === undefined) continue;
            let cur = remainingOf[p]!;
            if (stop === undefined || stop === p) cur -= 1;
            cur = Math.max(0, cur);
            const w = EXPIRATION[p];
            if (limit === undefined || cur < remaining || (cur === remaining && w > window)) {
              limit = limits[p]!;
              window = w;
              remaining = cur;
              reset = Math.max(1, w - Math.floor((now - starts[p]) / 1000));
            }
            headers[`X-RateLimit-Limit-${CAP[p]}`] = limits[p]!;
            headers[`X-RateLimit-Remaining-${CAP[p]}`] = cur;
          }
          headers['RateLimit-Limit'] = limit!;
          headers['RateLimit-Remaining'] = remaining;
          headers['RateLimit-Reset'] = reset!;
        }
        if (stop !== undefined) {
          const h = headers ?? {};
          if (reset !== undefined) h['Retry-After'] = reset;
          return kong.response.error(conf.error_code, conf.error_message, h);
        }
        if (headers) kong.ctx.plugin.headers = headers;
      }

      // consume() counted the request already (or failed, and a second try would fail alike)
      if (policy.consume) return undefined;
      try {
        const r = policy.increment(conf, scope, identifier, now, limits, 1);
        if (r) r.catch((err) => kong.log.err('failed to increment: ', String((err as Error)?.message ?? err)));
      } catch (err) {
        kong.log.err('failed to increment: ', String((err as Error)?.message ?? err));
      }
      return undefined;
    },

    header_filter(kong: Kong) {
      const headers = kong.ctx.plugin.headers as Record<string, string | number> | undefined;
      if (headers) for (const [k, v] of Object.entries(headers)) kong.response.set_header(k, v);
    },

    async close() {
      local.close();
      await Promise.all([redis.close(), cluster?.close()]);
    },
  };
}
