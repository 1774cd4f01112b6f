// response-ratelimiting (kong/plugins/response-ratelimiting/{access,header_filter,log}.lua): the upstream
// reports what a response cost in `X-Kong-Limit: videos=2, images=1`; Kong counts it per limit name,
// tells the client what remains, and refuses once a limit is spent.
import type { Kong, PluginEnv, PluginHandler } from '../types.js';
import { ScopeResolver, type PluginScope } from '../shared/scope.js';
import { PERIODS, type Period } from '../rate-limiting/schema.js';
import { ClusterPolicy } from './cluster.js';
import { LocalPolicy, RedisPolicy, type Policy } from './policies.js';

type Limit = Partial<Record<Period, number | null>>;
type Usage = Record<string, Partial<Record<Period, { limit: number; remaining: number }>>>;

interface Conf {
  header_name: string;
  limit_by: 'consumer' | 'credential' | 'ip';
  policy: 'local' | 'cluster' | 'redis';
  fault_tolerant: boolean;
  block_on_first_violation: boolean;
  hide_client_headers: boolean;
  limits: Record<string, Limit>;
}

interface State {
  usage?: Usage;
  identifier?: string;
  now?: number;
  scope?: PluginScope;
  increments?: Record<string, number>;
  stop?: boolean;
}

function identifierOf(kong: Kong, conf: Conf): string {
  let id: string | undefined;
  if (conf.limit_by === 'consumer') id = kong.client.get_consumer()?.id ?? kong.client.get_credential()?.id;
  else if (conf.limit_by === 'credential') id = kong.client.get_credential()?.id;
  return id || kong.client.get_forwarded_ip();
}

/** Lua's tonumber over a trimmed string: decimal, exponent or hex; anything else is nil. */
function luaNumber(s: string): number | undefined {
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^[-+]?0[xX][0-9a-fA-F]+$/.test(s)) return undefined;
  return s.includes('x') || s.includes('X') ? (s.startsWith('-') ? -1 : 1) * parseInt(s.replace(/^[-+]/, ''), 16) : Number(s);
}

/** `name=value` pairs for configured limit names (header_filter.lua parse_header). */
function parseIncrements(value: string | string[] | undefined, limits: Record<string, Limit>): Record<string, number> {
  const out: Record<string, number> = {};
  if (value === undefined) return out;
  const parts = Array.isArray(value) ? value : value.split(',');
  for (const part of parts) {
    const kv = part.split('=');
    if (kv.length !== 2) continue;
    const name = kv[0]!.trim();
    if (!Object.hasOwn(limits, name)) continue;
    const n = luaNumber(kv[1]!.trim());
    if (n === undefined) delete out[name];
    else out[name] = n;
  }
  return out;
}

export function handler(env: PluginEnv): PluginHandler {
  const local = new LocalPolicy();
  const redis = new RedisPolicy(env.logger);
  const scopes = new ScopeResolver(env.store, 'response-ratelimiting');
  const warned = new WeakSet<object>();

  let cluster: ClusterPolicy | null = null;

  function policyFor(kong: Kong, conf: Conf): Policy {
    if (conf.policy === 'redis') return redis;
    if (conf.policy === 'cluster') {
      const db = env.database;
      if (db?.kind === 'postgres' && db.pg) return (cluster ??= new ClusterPolicy(db.pg, env.logger));
      // the embedded store serves one process, which is then the whole cluster: its counters are the cluster's
      if (db?.kind !== 'embedded' && !warned.has(conf)) {
        warned.add(conf);
        kong.log.warn('the cluster policy needs a database; counting locally on this node instead');
      }
    }
    return local;
  }

  async function usageOf(kong: Kong, conf: Conf, st: State): Promise<Usage> {
    const policy = policyFor(kong, conf);
    const usage: Usage = {};
    for (const [name, limit] of Object.entries(conf.limits)) {
      usage[name] = {};
      for (const p of PERIODS) {
        const max = limit[p];
        if (typeof max !== 'number') continue;
        const used = await policy.usage(conf, st.scope!, st.identifier!, name, p, st.now!);
        usage[name][p] = { limit: max, remaining: max - used };
      }
    }
    return usage;
  }

  return {
    async access(kong: Kong, conf: Conf) {
      if (Object.keys(conf.limits).length === 0) return undefined;
      const st = kong.ctx.plugin as State;
      st.now = Date.now();
      st.identifier = identifierOf(kong, conf);
      st.scope = scopes.of(conf);
      let usage: Usage;
      try {
        usage = await usageOf(kong, conf, st);
      } catch (err) {
        if (conf.fault_tolerant) {
          kong.log.err('failed to get usage: ', String((err as Error)?.message ?? err));
          return undefined;
        }
        return kong.response.error(500, 'An unexpected error occurred');
      }
      // the upstream learns what remains of each limit (the lowest over its periods)
      for (const name of Object.keys(conf.limits)) {
        let remaining: number | undefined;
        for (const lv of Object.values(usage[name]!)) {
          if (conf.block_on_first_violation && lv.remaining === 0) return kong.response.error(429, `API rate limit exceeded for '${name}'`);
          if (remaining === undefined || lv.remaining < remaining) remaining = lv.remaining;
        }
        if (remaining !== undefined) kong.service.request.set_header(`X-RateLimit-Remaining-${name}`, remaining);
      }
      st.usage = usage;
      return undefined;
    },

    header_filter(kong: Kong, conf: Conf) {
      const st = kong.ctx.plugin as State;
      st.increments = {};
      if (Object.keys(conf.limits).length === 0) return;
      const increments = parseIncrements(kong.service.response.get_headers()[conf.header_name.toLowerCase()], conf.limits);
      st.increments = increments;
      const usage = st.usage;
      if (!usage) return;
      let stop = false;
      for (const [name, periods] of Object.entries(usage)) {
        const inc = increments[name];
        for (const [period, lv] of Object.entries(periods)) {
          if (!conf.hide_client_headers) {
            kong.response.set_header(`X-RateLimit-Limit-${name}-${period}`, lv.limit);
            kong.response.set_header(`X-RateLimit-Remaining-${name}-${period}`, Math.max(0, lv.remaining - (inc ?? 0)));
          }
          if (inc !== undefined && inc > 0 && lv.remaining <= 0) stop = true;
        }
      }
      kong.response.clear_header(conf.header_name);
      if (stop) {
        // kong.response.exit(429) without a body: the upstream's answer is replaced, and not counted
        st.stop = true;
        kong.response.set_status(429);
      }
    },

    body_filter(kong: Kong) {
      if ((kong.ctx.plugin as State).stop) kong.response.set_raw_body('');
    },

    log(kong: Kong, conf: Conf) {
      const st = kong.ctx.plugin as State;
      if (st.stop || !st.usage) return undefined;
      const policy = policyFor(kong, conf);
      const pending: Promise<void>[] = [];
      for (const name of Object.keys(st.usage)) {
        const inc = st.increments?.[name];
        if (!inc) continue;
        const r = policy.increment(conf, st.scope!, st.identifier!, name, st.now!, inc);
        if (r) pending.push(r);
      }
      return pending.length ? Promise.all(pending).then(() => undefined) : undefined;
    },

    async close() {
      local.close();
      await redis.close();
      await cluster?.close();
    },
  };
}
