// Counter storage for response-ratelimiting (kong/plugins/response-ratelimiting/policies/init.lua):
// fixed calendar windows in UTC, keyed like Kong's
// `response-ratelimit:<route>:<service>:<identifier>:<period_date>:<name>:<period>`.
import type { PdkLogger } from '../../pdk/index.js';
import { RedisClients } from '../shared/redis-clients.js';
import { WindowCounters } from '../shared/window-counters.js';
import { EXPIRATION, periodStarts } from '../rate-limiting/policies.js';
import { PERIODS, type Period } from '../rate-limiting/schema.js';
import type { PluginScope } from '../shared/scope.js';

const EMPTY_UUID = '00000000-0000-0000-0000-000000000000';

export function counterKey(scope: PluginScope, identifier: string, name: string, period: Period, periodDate: number): string {
  return `response-ratelimit:${scope.route_id ?? EMPTY_UUID}:${scope.service_id ?? EMPTY_UUID}:${identifier}:${periodDate}:${name}:${period}`;
}

export interface Policy {
  /** Usage so far of one limit name in one period. */
  usage(conf: any, scope: PluginScope, identifier: string, name: string, period: Period, nowMs: number): Promise<number> | number;
  /** Adds `value` to every period of one limit name. */
  increment(conf: any, scope: PluginScope, identifier: string, name: string, nowMs: number, value: number): Promise<void> | void;
  close(): Promise<void> | void;
}

/** Per-gateway in-memory counters (Kong's `kong_rate_limiting_counters` shm). */
export class LocalPolicy implements Policy {
  private readonly counters = new WindowCounters();

  usage(_conf: any, scope: PluginScope, identifier: string, name: string, period: Period, nowMs: number): number {
    return this.counters.get(counterKey(scope, identifier, name, period, periodStarts(nowMs)[period]), nowMs);
  }

  increment(_conf: any, scope: PluginScope, identifier: string, name: string, nowMs: number, value: number): void {
    const starts = periodStarts(nowMs);
    for (const p of PERIODS) this.counters.add(counterKey(scope, identifier, name, p, starts[p]), value, nowMs, starts[p] + EXPIRATION[p] * 1000);
  }

  close(): void {
    this.counters.clear();
  }
}

/** Counters in Redis: GET for usage; INCRBY, then EXPIRE on keys that have none yet, for increments. */
export class RedisPolicy implements Policy {
  private readonly clients: RedisClients;
  constructor(logger: PdkLogger) {
    this.clients = new RedisClients(logger, 'response-ratelimiting');
  }

  private client(conf: any) {
    return this.clients.for(conf);
  }

  async usage(conf: any, scope: PluginScope, identifier: string, name: string, period: Period, nowMs: number): Promise<number> {
    const v = await this.client(conf).get(counterKey(scope, identifier, name, period, periodStarts(nowMs)[period]));
    return Number(v ?? 0) || 0;
  }

  async increment(conf: any, scope: PluginScope, identifier: string, name: string, nowMs: number, value: number): Promise<void> {
    const starts = periodStarts(nowMs);
    const client = this.client(conf);
    const keys = PERIODS.map((p) => counterKey(scope, identifier, name, p, starts[p]));
    const pipe = client.pipeline();
    for (const key of keys) pipe.incrby(key, value).ttl(key);
    const res = (await pipe.exec()) ?? [];
    for (const [err] of res) if (err) throw err;
    // a key without expiry was just created: it lives as long as its window (Kong sets it only then)
    const fresh = client.pipeline();
    PERIODS.forEach((p, i) => {
      if (res[i * 2 + 1]?.[1] === -1) fresh.expire(keys[i]!, EXPIRATION[p]);
    });
    if (fresh.length) for (const [err] of (await fresh.exec()) ?? []) if (err) throw err;
  }

  close(): Promise<void> {
    return this.clients.close();
  }
}
