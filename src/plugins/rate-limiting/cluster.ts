// `policy: cluster` on PostgreSQL (kong/plugins/rate-limiting/policies/cluster.lua): counters in the
// ratelimiting_metrics table that every gateway node on the database reads and increments.
import type { PdkLogger } from '../../pdk/index.js';
import type { PgSettings } from '../../store/postgres/connection.js';
import { EMPTY_UUID, PgCounters, storedIdentifier } from '../shared/pg-counters.js';
import { EXPIRATION, periodStarts, type Limits, type Policy, type Scope } from './policies.js';
import { PERIODS, type Period } from './schema.js';

interface Windows {
  periods: Period[];
  dates: Date[];
  ttls: Date[];
  limits: number[];
}

function windowsOf(nowMs: number, limits: Limits): Windows {
  const starts = periodStarts(nowMs);
  const w: Windows = { periods: [], dates: [], ttls: [], limits: [] };
  for (const p of PERIODS) {
    if (limits[p] === undefined) continue;
    w.periods.push(p);
    w.dates.push(new Date(starts[p]));
    w.ttls.push(new Date(starts[p] + EXPIRATION[p] * 1000));
    w.limits.push(limits[p]!);
  }
  return w;
}

const WINDOWS = `SELECT * FROM unnest($4::text[], $5::timestamptz[], $6::timestamptz[], $7::float8[]) AS w(period, period_date, ttl, lim)`;
const CURRENT = `SELECT m.period, m.value FROM ratelimiting_metrics m JOIN w ON m.period = w.period AND m.period_date = w.period_date
  WHERE m.identifier = $1 AND m.service_id = $2 AND m.route_id = $3`;
const UPSERT = `INSERT INTO ratelimiting_metrics (identifier, period, period_date, service_id, route_id, value, ttl)`;
const ON_CONFLICT = `ON CONFLICT (identifier, period, period_date, service_id, route_id) DO UPDATE SET value = ratelimiting_metrics.value + EXCLUDED.value`;

/**
 * Usage of the current windows in one query. consume() also counts the request, in the same round trip,
 * when every window still has room (Kong increments only requests it lets through), so a client that
 * got its answer from one node is already counted on every node.
 */
const CONSUME_SQL = `WITH w AS (${WINDOWS}), cur AS (${CURRENT}),
  counted AS (
    ${UPSERT}
    SELECT $1, w.period, w.period_date, $2, $3, $8, w.ttl FROM w
    WHERE NOT EXISTS (SELECT 1 FROM w AS x LEFT JOIN cur ON cur.period = x.period WHERE coalesce(cur.value, 0) >= x.lim)
    ${ON_CONFLICT}
  )
  SELECT period, value FROM cur`;
const USAGE_SQL = `WITH w AS (${WINDOWS}) ${CURRENT}`;
const INCREMENT_SQL = `WITH w AS (${WINDOWS}) ${UPSERT} SELECT $1, w.period, w.period_date, $2, $3, $8, w.ttl FROM w ${ON_CONFLICT}`;

export class ClusterPolicy implements Policy {
  private readonly counters: PgCounters;

  constructor(settings: PgSettings, logger: PdkLogger) {
    this.counters = new PgCounters(settings, logger, 'rate-limiting', 'ratelimiting_metrics');
  }

  private db() {
    return this.counters.db();
  }

  private params(scope: Scope, identifier: string, w: Windows, value: number): unknown[] {
    return [storedIdentifier(identifier), scope.service_id ?? EMPTY_UUID, scope.route_id ?? EMPTY_UUID, w.periods, w.dates, w.ttls, w.limits, value];
  }

  private async run(sql: string, params: unknown[]): Promise<Partial<Record<Period, number>>> {
    const res = await this.db().query<{ period: Period; value: number | null }>(sql, params);
    this.counters.cleanup();
    const out: Partial<Record<Period, number>> = {};
    for (const p of params[3] as Period[]) out[p] = 0;
    for (const r of res.rows) if (r.value !== null && r.value > 0) out[r.period] = r.value;
    return out;
  }

  usage(_conf: any, scope: Scope, identifier: string, nowMs: number, limits: Limits): Promise<Partial<Record<Period, number>>> {
    return this.run(USAGE_SQL, this.params(scope, identifier, windowsOf(nowMs, limits), 1).slice(0, 7));
  }

  async increment(_conf: any, scope: Scope, identifier: string, nowMs: number, limits: Limits, value: number): Promise<void> {
    await this.db().query(INCREMENT_SQL, this.params(scope, identifier, windowsOf(nowMs, limits), value));
  }

  consume(_conf: any, scope: Scope, identifier: string, nowMs: number, limits: Limits): Promise<Partial<Record<Period, number>>> {
    return this.run(CONSUME_SQL, this.params(scope, identifier, windowsOf(nowMs, limits), 1));
  }

  close(): Promise<void> {
    return this.counters.close();
  }
}
