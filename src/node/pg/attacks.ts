// Every node's attack log in one place (tables node_hits and node_attacks). The node still groups,
// samples and redacts in its own AttackLog; this store follows it (AttackLogObserver), queues the
// changes and writes them in batches, so a request never waits on the database. Attack counters are
// written as increments, so nodes never overwrite each other's counts.
import type { Logger } from 'pino';
import { errMessage, pg } from '../../store/postgres/connection.js';
import type { AttackFilter, AttackLog, AttackLogObserver, HitFilter, Page } from '../attacklog.js';
import type { AttackStore, Timeline, TimelineFilter } from '../stores.js';
import type { Attack, StoredHit } from '../types.js';
import { checkout } from './listener.js';
import { attackOf, attackWhere, hitOf, hitRecord, hitWhere, INSERT_HITS, UPDATE_RESPONSES, UPSERT_ATTACKS, type AttackRow, type HitRow } from './rows.js';

const FLUSH_MS = 100;
const RETENTION_MS = 60_000;
/** Hits queued while the database is away; older ones are dropped past this. */
const MAX_QUEUED = 20_000;
/** pg_try_advisory_xact_lock key: one node at a time trims the tables. */
const RETENTION_LOCK = 7_305_442_101;

/** An attack's counts gathered since the last write (its status is derived from them when read). */
type AttackDelta = Omit<Attack, 'status'>;

export interface PgAttackStoreOptions {
  nodeId: string;
  /** Hits kept in the table, over all nodes. */
  maxHits: number;
  logger: Logger;
}

export class PgAttackStore implements AttackStore, AttackLogObserver {
  private hits: StoredHit[] = [];
  private deltas = new Map<string, AttackDelta>();
  private responses = new Map<string, StoredHit[]>();
  private timer: NodeJS.Timeout | null = null;
  private retentionTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private failing = false;
  dropped = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: AttackLog,
    private readonly opts: PgAttackStoreOptions,
  ) {
    log.observer = this;
    this.retentionTimer = setInterval(() => void this.trim(), RETENTION_MS);
    this.retentionTimer.unref();
  }

  // ---- following the local log ----------------------------------------------------------------

  hit(h: StoredHit): void {
    if (this.hits.length >= MAX_QUEUED) {
      this.hits.shift();
      this.dropped++;
    }
    this.hits.push(h);
    const d = this.delta(h.attack_id, h);
    d.hits++;
    this.count(d, h.verdict, h.time, h.client_ip);
    this.schedule();
  }

  counted(attackId: string, verdict: StoredHit['verdict'], time: number, clientIp: string | null): void {
    const a = this.log.getAttack(attackId);
    if (!a) return;
    this.count(this.delta(attackId, a), verdict, time, clientIp);
    this.schedule();
  }

  response(requestId: string, hits: StoredHit[]): void {
    this.responses.set(requestId, hits);
    this.schedule();
  }

  private delta(id: string, src: Pick<StoredHit, 'type' | 'point' | 'host' | 'path' | 'application'>): AttackDelta {
    let d = this.deltas.get(id);
    if (!d) {
      d = { id, type: src.type, point: src.point, host: src.host, path: src.path, application: src.application, first_time: Infinity, last_time: 0, hits: 0, total: 0, blocked: 0, monitored: 0, ips: [] };
      this.deltas.set(id, d);
    }
    return d;
  }

  private count(d: AttackDelta, verdict: StoredHit['verdict'], time: number, ip: string | null): void {
    d.total++;
    if (verdict === 'blocked') d.blocked++;
    else d.monitored++;
    if (time < d.first_time) d.first_time = time;
    if (time > d.last_time) d.last_time = time;
    if (ip && d.ips.length < 20 && !d.ips.includes(ip)) d.ips.push(ip);
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush().catch(() => undefined);
    }, this.failing ? 1000 : FLUSH_MS);
    this.timer.unref();
  }

  // ---- writing ----------------------------------------------------------------------------------

  /** Write what is queued; one flush at a time, and a caller waits for its own writes. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing.catch(() => undefined);
    if (!this.hits.length && !this.deltas.size && !this.responses.size) return;
    this.flushing = this.write();
    try {
      await this.flushing;
    } finally {
      this.flushing = null;
    }
  }

  private async write(): Promise<void> {
    const hits = this.hits;
    const deltas = this.deltas;
    const responses = this.responses;
    this.hits = [];
    this.deltas = new Map();
    this.responses = new Map();
    const c = await checkout(this.pool).catch((err) => {
      this.requeue(hits, deltas, responses, err);
      throw err;
    });
    let broken: Error | undefined;
    try {
      await c.query('BEGIN');
      if (deltas.size) await c.query(UPSERT_ATTACKS, [JSON.stringify([...deltas.values()]), this.opts.nodeId]);
      if (hits.length) await c.query(INSERT_HITS, [JSON.stringify(hits.map(hitRecord)), this.opts.nodeId]);
      if (responses.size) {
        const rows = [...responses].map(([request_id, hs]) => ({ request_id, ...responseOf(hs[0]) }));
        await c.query(UPDATE_RESPONSES, [JSON.stringify(rows), this.opts.nodeId]);
      }
      await c.query('COMMIT');
      if (this.failing) this.opts.logger.info('attack log reaches PostgreSQL again');
      this.failing = false;
    } catch (err) {
      broken = err as Error;
      await c.query('ROLLBACK').catch(() => undefined);
      this.requeue(hits, deltas, responses, err);
      throw err;
    } finally {
      c.release(broken);
    }
  }

  private requeue(hits: StoredHit[], deltas: Map<string, AttackDelta>, responses: Map<string, StoredHit[]>, err: unknown): void {
    if (!this.failing) this.opts.logger.error({ err: errMessage(err) }, 'cannot write the attack log to PostgreSQL; queueing');
    this.failing = true;
    this.hits = [...hits, ...this.hits];
    if (this.hits.length > MAX_QUEUED) this.dropped += this.hits.splice(0, this.hits.length - MAX_QUEUED).length;
    for (const d of deltas.values()) {
      const cur = this.deltas.get(d.id);
      if (!cur) { this.deltas.set(d.id, d); continue; }
      cur.hits += d.hits; cur.total += d.total; cur.blocked += d.blocked; cur.monitored += d.monitored;
      cur.first_time = Math.min(cur.first_time, d.first_time);
      cur.last_time = Math.max(cur.last_time, d.last_time);
      for (const ip of d.ips) if (cur.ips.length < 20 && !cur.ips.includes(ip)) cur.ips.push(ip);
    }
    for (const [k, v] of responses) if (!this.responses.has(k)) this.responses.set(k, v);
    this.schedule();
  }

  /** Keep the newest maxHits hits, and the attacks that still have hits in that span (as the embedded log trims); runs every minute. */
  async trim(): Promise<void> {
    const c = await checkout(this.pool).catch(() => null);
    if (!c) return;
    let broken: Error | undefined;
    try {
      await c.query('BEGIN');
      const lock = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [RETENTION_LOCK]);
      if (lock.rows[0]?.ok) {
        // everything older than the maxHits-th newest hit
        await c.query('DELETE FROM node_hits WHERE time < (SELECT time FROM node_hits ORDER BY time DESC OFFSET $1 LIMIT 1)', [Math.max(0, this.opts.maxHits - 1)]);
        await c.query('DELETE FROM node_attacks WHERE last_time < (SELECT min(time) FROM node_hits)');
      }
      await c.query('COMMIT');
    } catch (err) {
      broken = err as Error;
      await c.query('ROLLBACK').catch(() => undefined);
      this.opts.logger.warn({ err: errMessage(err) }, 'attack log retention failed');
    } finally {
      c.release(broken);
    }
  }

  // ---- reading ----------------------------------------------------------------------------------

  async getHit(id: string): Promise<StoredHit | null> {
    await this.flush();
    const r = await this.pool.query<HitRow>('SELECT * FROM node_hits WHERE id = $1', [id]);
    return r.rows[0] ? hitOf(r.rows[0]) : null;
  }

  async getAttack(id: string): Promise<Attack | null> {
    await this.flush();
    const r = await this.pool.query<AttackRow>('SELECT * FROM node_attacks WHERE id = $1', [id]);
    return r.rows[0] ? attackOf(r.rows[0]) : null;
  }

  async queryHits(f: HitFilter, offset = 0, limit = 50): Promise<Page<StoredHit>> {
    await this.flush();
    const { sql, params } = hitWhere(f);
    const n = params.length;
    const [rows, count] = await Promise.all([
      this.pool.query<HitRow>(`SELECT * FROM node_hits ${sql} ORDER BY time DESC, id LIMIT $${n + 1} OFFSET $${n + 2}`, [...params, limit, offset]),
      this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM node_hits ${sql}`, params),
    ]);
    return page(rows.rows.map(hitOf), Number(count.rows[0]!.n), offset, limit);
  }

  async queryAttacks(f: AttackFilter, offset = 0, limit = 50): Promise<Page<Attack>> {
    await this.flush();
    const { sql, params } = attackWhere(f);
    const n = params.length;
    const [rows, count] = await Promise.all([
      this.pool.query<AttackRow>(`SELECT * FROM node_attacks ${sql} ORDER BY last_time DESC, id LIMIT $${n + 1} OFFSET $${n + 2}`, [...params, limit, offset]),
      this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM node_attacks ${sql}`, params),
    ]);
    return page(rows.rows.map(attackOf), Number(count.rows[0]!.n), offset, limit);
  }

  async timeline(from: number, to: number, buckets: number, f: TimelineFilter = {}): Promise<Timeline> {
    await this.flush();
    const n = Math.max(1, Math.min(500, Math.floor(buckets)));
    const step = Math.max(1, Math.ceil((to - from) / n));
    const { sql, params } = hitWhere({ ...f, from, to });
    const k = params.length;
    const r = await this.pool.query<{ type: string; idx: number; n: string }>(
      `SELECT type, least($${k + 1}::int - 1, floor((time - $${k + 2}::bigint) / $${k + 3}::float8))::int AS idx, count(*) AS n
       FROM node_hits ${sql} GROUP BY 1, 2`,
      [...params, n, from, step],
    );
    const series: Record<string, number[]> = {};
    for (const row of r.rows) (series[row.type] ??= new Array<number>(n).fill(0))[row.idx]! += Number(row.n);
    return { from, to, step, types: Object.keys(series).sort(), series };
  }

  async markFalsePositive(id: string): Promise<StoredHit | null> {
    await this.flush();
    const c = await checkout(this.pool);
    let broken: Error | undefined;
    try {
      await c.query('BEGIN');
      const r = await c.query<HitRow>('UPDATE node_hits SET false_positive = true WHERE id = $1 AND NOT false_positive RETURNING *', [id]);
      const h = r.rows[0];
      if (h) {
        const col = h.verdict === 'blocked' ? 'blocked' : 'monitored';
        await c.query(
          `UPDATE node_attacks SET hits = greatest(0, hits - 1), total = greatest(0, total - 1), ${col} = greatest(0, ${col} - 1) WHERE id = $1`,
          [h.attack_id],
        );
      }
      await c.query('COMMIT');
      // the local copy hides it too when this node recorded it
      this.log.markFalsePositive(id);
      if (h) return hitOf(h);
    } catch (err) {
      broken = err as Error;
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release(broken);
    }
    return this.getHit(id);
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    if (this.log.observer === this) this.log.observer = null;
    await this.flush().catch((err) => this.opts.logger.error({ err: errMessage(err), queued: this.hits.length }, 'attack log: queued hits not written to PostgreSQL'));
  }
}

function responseOf(h: StoredHit | undefined): { status: number | null; extra: Record<string, unknown> } {
  const extra: Record<string, unknown> = {};
  if (h?.response_headers) extra.response_headers = h.response_headers;
  if (h?.response_body_bytes !== undefined) extra.response_body_bytes = h.response_body_bytes;
  return { status: h?.response_status ?? null, extra };
}

function page<T>(data: T[], total: number, offset: number, limit: number): Page<T> {
  return { data, total, offset, limit, next_offset: offset + limit < total ? offset + limit : null };
}
