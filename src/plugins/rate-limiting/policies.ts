// Counter storage for rate-limiting (kong/plugins/rate-limiting/policies/init.lua): fixed calendar
// windows in UTC, keyed like Kong's `ratelimit:<route>:<service>:<identifier>:<period_date>:<period>`.
import type { PdkLogger } from '../../pdk/index.js';
import { RedisClients } from '../shared/redis-clients.js';
import { WindowCounters } from '../shared/window-counters.js';
import { PERIODS, type Period } from './schema.js';

export const EXPIRATION: Record<Period, number> = {
  second: 1,
  minute: 60,
  hour: 3600,
  day: 86400,
  month: 2592000,
  year: 31536000,
};

const EMPTY_UUID = '00000000-0000-0000-0000-000000000000';

/** Start of each period containing `nowMs`, in ms (kong/tools/timestamp.lua get_timestamps, UTC). */
export function periodStarts(nowMs: number): Record<Period, number> {
  const d = new Date(nowMs);
  const y = d.getUTCFullYear();
  const mo = d.getUTCMonth();
  const day = d.getUTCDate();
  const h = d.getUTCHours();
  const mi = d.getUTCMinutes();
  const s = d.getUTCSeconds();
  return {
    second: Date.UTC(y, mo, day, h, mi, s),
    minute: Date.UTC(y, mo, day, h, mi),
    hour: Date.UTC(y, mo, day, h),
    day: Date.UTC(y, mo, day),
    month: Date.UTC(y, mo, 1),
    year: Date.UTC(y, 0, 1),
  };
}

export interface Scope {
  route_id: string | null;
  service_id: string | null;
}

export function counterKey(scope: Scope, identifier: string, period: Period, periodDate: number): string {
  return `ratelimit:${scope.route_id ?? EMPTY_UUID}:${scope.service_id ?? EMPTY_UUID}:${identifier}:${periodDate}:${period}`;
}

export type Limits = Partial<Record<Period, number>>;

export interface Policy {
  /** Current usage per limited period. */
  usage(conf: any, scope: Scope, identifier: string, nowMs: number, limits: Limits): Promise<Partial<Record<Period, number>>> | Partial<Record<Period, number>>;
  increment(conf: any, scope: Scope, identifier: string, nowMs: number, limits: Limits, value: number): Promise<void> | void;
  /** Usage before this request, counting the request in the same step when no limit is reached yet. */
  consume?(conf: any, scope: Scope, identifier: string, nowMs: number, limits: Limits): Promise<Partial<Record<Period, number>>>;
  close(): Promise<void> | void;
}

/** Per-gateway in-memory counters (Kong's `kong_rate_limiting_counters` shm). */
export class LocalPolicy implements Policy {
  private readonly counters = new WindowCounters();

  usage(_conf: any, scope: Scope, identifier: string, nowMs: number, limits: Limits): Partial<Record<Period, number>> {
    const starts = periodStarts(nowMs);
    const out: Partial<Record<Period, number>> = {};
    for (const p of PERIODS) {
      if (limits[p] === undefined) continue;
      out[p] = this.counters.get(counterKey(scope, identifier, p, starts[p]), nowMs);
    }
    return out;
  }

  increment(_conf: any, scope: Scope, identifier: string, nowMs: number, limits: Limits, value: number): void {
    const starts = periodStarts(nowMs);
    for (const p of PERIODS) {
      if (limits[p] === undefined) continue;
      this.counters.add(counterKey(scope, identifier, p, starts[p]), value, nowMs, starts[p] + EXPIRATION[p] * 1000);
    }
  }

  /** For tests and diagnostics. */
  get size(): number {
    return this.counters.size;
  }

  close(): void {
    this.counters.clear();
  }
}

/** Counters in Redis: GET for usage, INCRBY + EXPIRE in one pipeline for increments (policies/init.lua). */
export class RedisPolicy implements Policy {
  private readonly clients: RedisClients;
  constructor(logger: PdkLogger) {
    this.clients = new RedisClients(logger, 'rate-limiting');
  }

  private client(conf: any) {
    return this.clients.for(conf);
  }

  async usage(conf: any, scope: Scope, identifier: string, nowMs: number, limits: Limits): Promise<Partial<Record<Period, number>>> {
    const starts = periodStarts(nowMs);
    const periods = PERIODS.filter((p) => limits[p] !== undefined);
    const values = await this.client(conf).mget(...periods.map((p) => counterKey(scope, identifier, p, starts[p])));
    const out: Partial<Record<Period, number>> = {};
    periods.forEach((p, i) => (out[p] = Number(values[i] ?? 0) || 0));
    return out;
  }

  async increment(conf: any, scope: Scope, identifier: string, nowMs: number, limits: Limits, value: number): Promise<void> {
    const starts = periodStarts(nowMs);
    const pipe = this.client(conf).pipeline();
    for (const p of PERIODS) {
      if (limits[p] === undefined) continue;
      const key = counterKey(scope, identifier, p, starts[p]);
      pipe.incrby(key, value);
      pipe.expire(key, EXPIRATION[p]);
    }
    const res = await pipe.exec();
    for (const [err] of res ?? []) if (err) throw err;
  }

  close(): Promise<void> {
    return this.clients.close();
  }
}
