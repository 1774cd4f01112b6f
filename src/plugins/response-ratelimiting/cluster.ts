// `policy: cluster` on PostgreSQL (kong/plugins/response-ratelimiting/policies/init.lua, cluster): counters in
// response_ratelimiting_metrics, read and incremented by every gateway node on the database.
import type { PdkLogger } from '../../pdk/index.js';
import type { PgSettings } from '../../store/postgres/connection.js';
import { EMPTY_UUID, PgCounters, storedIdentifier } from '../shared/pg-counters.js';
import { EXPIRATION, periodStarts } from '../rate-limiting/policies.js';
import { PERIODS, type Period } from '../rate-limiting/schema.js';
import type { PluginScope } from '../shared/scope.js';
import type { Policy } from './policies.js';

const INCREMENT_SQL = `INSERT INTO response_ratelimiting_metrics (identifier, period, period_date, service_id, route_id, value, ttl)
  SELECT $1, w.period, w.period_date, $2, $3, $4, w.ttl FROM unnest($5::text[], $6::timestamptz[], $7::timestamptz[]) AS w(period, period_date, ttl)
  ON CONFLICT (identifier, period, period_date, service_id, route_id)
  DO UPDATE SET value = response_ratelimiting_metrics.value + EXCLUDED.value`;
const USAGE_SQL = `SELECT value FROM response_ratelimiting_metrics
  WHERE identifier = $1 AND service_id = $2 AND route_id = $3 AND period = $4 AND period_date = $5`;

export class ClusterPolicy implements Policy {
  private readonly counters: PgCounters;

  constructor(settings: PgSettings, logger: PdkLogger) {
    this.counters = new PgCounters(settings, logger, 'response-ratelimiting', 'response_ratelimiting_metrics');
  }

  private db() {
    return this.counters.db();
  }

  async usage(_conf: any, scope: PluginScope, identifier: string, name: string, period: Period, nowMs: number): Promise<number> {
    const start = new Date(periodStarts(nowMs)[period]);
    const res = await this.db().query<{ value: number | null }>(USAGE_SQL, [storedIdentifier(identifier), scope.service_id ?? EMPTY_UUID, scope.route_id ?? EMPTY_UUID, `${name}_${period}`, start]);
    this.counters.cleanup();
    return res.rows[0]?.value ?? 0;
  }

  async increment(_conf: any, scope: PluginScope, identifier: string, name: string, nowMs: number, value: number): Promise<void> {
    const starts = periodStarts(nowMs);
    const periods = PERIODS.map((p) => `${name}_${p}`);
    const dates = PERIODS.map((p) => new Date(starts[p]));
    const ttls = PERIODS.map((p) => new Date(starts[p] + EXPIRATION[p] * 1000));
    await this.db().query(INCREMENT_SQL, [storedIdentifier(identifier), scope.service_id ?? EMPTY_UUID, scope.route_id ?? EMPTY_UUID, value, periods, dates, ttls]);
  }

  close(): Promise<void> {
    return this.counters.close();
  }
}
