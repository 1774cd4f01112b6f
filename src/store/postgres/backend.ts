// PostgreSQL as the shared durable store of several gateway nodes. Each write is one transaction
// (rows + unique keys + foreign keys + one `changes` row) taken under a cluster-wide advisory lock,
// so commit order = seq order and the feed can never skip a change committed late. Every node keeps
// the whole configuration in memory and follows `changes` (NOTIFY, a poll, and after reconnects).
import crypto from 'node:crypto';
import type { Backend, EntityStore } from '../dao.js';
import { DaoError } from '../errors.js';
import type { Op, Tables } from '../tables.js';
import { clientConfig, describeTarget, errMessage, isConnectionError, pg, sleep, type PgSettings } from './connection.js';
import { schemaState, startRefusal } from './migrations.js';
import { applyOps, foreignKeyRace, loadSnapshot, replaceRows } from './rows.js';
import { CHANNEL, ChangeFeed } from './feed.js';

export { CHANNEL };
/** pg_advisory_xact_lock key serialising writes across nodes. */
export const WRITE_LOCK = 7_305_442_002;

/** The few logger methods the store uses (pino's shape). */
export interface StoreLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface PostgresOptions {
  /** Recorded with each change (diagnostics). Default: a random id per process. */
  nodeId?: string;
  /** Seconds between safety-net polls of the change log (db_update_frequency). */
  updateFrequency?: number;
  /** How long start-up waits for an unreachable database. Default 60 s. */
  startupWaitMs?: number;
  /** Pause between start-up attempts and listener reconnects. Default 1000 / 500 ms. */
  retryIntervalMs?: number;
  reconnectIntervalMs?: number;
  /** Changes older than this are pruned; a node further behind reloads everything. Default 1 h. */
  changeRetentionMs?: number;
}

type ChangeOps = Op[] | { replace: true };

export class PostgresBackend implements Backend {
  readonly nodeId: string;
  readonly pool: pg.Pool;
  /** Highest change seq reflected in memory. */
  lastSeq = 0;
  private epoch = '';
  private store: EntityStore | null = null;
  private feed: ChangeFeed | null = null;
  private syncing: Promise<void> | null = null;
  private syncAgain = false;
  private healthy = true;
  private closed = false;
  private lastPrune = 0;
  private readonly opts: Required<Omit<PostgresOptions, 'nodeId'>>;

  constructor(
    private readonly settings: PgSettings,
    private readonly logger: StoreLogger,
    opts: PostgresOptions = {},
  ) {
    this.nodeId = opts.nodeId ?? crypto.randomUUID();
    this.opts = {
      updateFrequency: opts.updateFrequency ?? 5,
      startupWaitMs: opts.startupWaitMs ?? 60_000,
      retryIntervalMs: opts.retryIntervalMs ?? 1000,
      reconnectIntervalMs: opts.reconnectIntervalMs ?? 500,
      changeRetentionMs: opts.changeRetentionMs ?? 3_600_000,
    };
    this.pool = new pg.Pool({ ...clientConfig(settings), max: Math.max(1, settings.pool_size || 10) });
    // idle clients dropped by a server restart: the pool discards them; nothing to crash over
    this.pool.on('error', () => undefined);
  }

  // ---- start-up ---------------------------------------------------------------------------

  /** Wait out an unreachable database (one log line per attempt), then refuse an un-bootstrapped one. */
  async waitForDatabase(): Promise<void> {
    const target = describeTarget(this.settings);
    const deadline = Date.now() + this.opts.startupWaitMs;
    for (let attempt = 1; ; attempt++) {
      let state;
      try {
        const c = await this.pool.connect();
        try {
          state = await schemaState(c);
        } finally {
          c.release();
        }
      } catch (err) {
        const left = deadline - Date.now();
        if (!isConnectionError(err) || left <= 0) {
          throw new Error(`[PostgreSQL error] could not connect to PostgreSQL at ${target}: ${errMessage(err)}`);
        }
        this.logger.warn({ attempt, target }, `waiting for PostgreSQL at ${target} (attempt ${attempt}): ${errMessage(err)}`);
        await sleep(Math.min(this.opts.retryIntervalMs, left));
        continue;
      }
      const refusal = startRefusal(state);
      if (refusal) throw new Error(refusal);
      if (state.pending.length) this.logger.warn({ pending: state.pending }, "Database has pending migrations; run 'kong migrations finish' when ready");
      return;
    }
  }

  /** Load every row into the store and start following the change feed. */
  async attach(store: EntityStore): Promise<void> {
    this.store = store;
    await store.exclusive(async () => {
      const c = await this.pool.connect();
      try {
        const snap = await loadSnapshot(c);
        store.loadRaw(snap.tables);
        this.lastSeq = snap.seq;
        this.epoch = snap.epoch;
      } finally {
        c.release();
      }
    });
    this.feed = new ChangeFeed(
      this.settings,
      {
        sync: () => this.sync(),
        tick: () => this.tick(),
        lost: (err) => {
          if (this.healthy) this.logger.warn({ err }, 'lost the PostgreSQL change feed; reconnecting');
          this.healthy = false;
        },
      },
      { pollMs: Math.max(0.05, this.opts.updateFrequency) * 1000, reconnectMs: this.opts.reconnectIntervalMs },
    );
    await this.feed.start();
  }

  // ---- writes -----------------------------------------------------------------------------

  async write(ops: Op[], _tables: Tables): Promise<void> {
    await this.transaction(async (client) => {
      const behind = await this.catchUp(client);
      const extra: Op[] = [];
      const clash = await applyOps(client, ops, extra);
      if (clash) return { error: clash, behind };
      // cascaded deletes of rows only the database knew about: memory drops them once committed
      return { change: [...extra, ...ops], behind, committed: extra };
    }, ops);
  }

  async replace(tables: Tables): Promise<void> {
    await this.transaction(async (client) => {
      await replaceRows(client, tables);
      // memory is replaced wholesale by the caller: nothing before this change matters
      return { change: { replace: true }, behind: { reload: false, ops: [] } };
    });
  }

  /**
   * BEGIN, take the write lock, run fn, record its change, NOTIFY, COMMIT. Changes of other nodes
   * read under the lock are applied to memory first, so this node's write lands on top of them.
   */
  private async transaction(
    fn: (client: pg.PoolClient) => Promise<TxResult>,
    ops: Op[] = [],
  ): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw this.databaseError(err);
    }
    let broken: Error | undefined;
    let out: TxResult | undefined;
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [WRITE_LOCK]);
      out = await fn(client);
      if (out.error) {
        await client.query('ROLLBACK');
        await this.applyBehind(client, out.behind);
        throw out.error;
      }
      // delivered at COMMIT, never for a rolled-back write
      const r = await client.query<{ seq: string }>(
        `WITH c AS (INSERT INTO changes (node_id, ops) VALUES ($1, $2::json) RETURNING seq)
         SELECT seq, pg_notify($3, seq::text) FROM c`,
        [this.nodeId, JSON.stringify(out.change), CHANNEL],
      );
      const seq = Number(r.rows[0]!.seq);
      await client.query('COMMIT');
      await this.applyBehind(client, out.behind);
      if (out.committed?.length && !out.behind.reload) this.store?.applyRemoteNow(out.committed);
      this.lastSeq = Math.max(this.lastSeq, seq);
    } catch (err) {
      if (err instanceof DaoError) throw err;
      if (isConnectionError(err)) broken = err as Error;
      else {
        await client.query('ROLLBACK').catch(() => undefined);
        // refused by a constraint: what was read under the lock is still news for memory
        if (out && !out.error) await this.applyBehind(client, out.behind).catch(() => undefined);
      }
      throw await this.mapError(client, err, ops);
    } finally {
      client.release(broken);
    }
  }

  /** Inside the write lock: the changes other nodes committed that memory does not hold yet. */
  private async catchUp(client: pg.ClientBase): Promise<Behind> {
    const r = await client.query<{ epoch: string; pruned_through: string; seq: string | null; ops: ChangeOps | null }>(
      `SELECT m.epoch, m.pruned_through, c.seq, c.ops
       FROM store_meta m LEFT JOIN changes c ON c.seq > $1
       WHERE m.id = 1 ORDER BY c.seq`,
      [this.lastSeq],
    );
    const m = r.rows[0];
    if (!m || m.epoch !== this.epoch || Number(m.pruned_through) > this.lastSeq) return { reload: true, ops: [] };
    const ops: Op[] = [];
    let seq = this.lastSeq;
    for (const row of r.rows) {
      if (row.seq === null) continue;
      if (!Array.isArray(row.ops)) return { reload: true, ops: [] };
      ops.push(...row.ops);
      seq = Number(row.seq);
    }
    return { reload: false, ops, seq };
  }

  /** Caller holds the store's write queue. */
  private async applyBehind(client: pg.ClientBase, behind: Behind): Promise<void> {
    if (!this.store) return;
    if (behind.reload) {
      const snap = await loadSnapshot(client);
      this.store.reloadRemoteNow(snap.tables);
      this.lastSeq = snap.seq;
      this.epoch = snap.epoch;
      return;
    }
    if (behind.ops.length) this.store.applyRemoteNow(behind.ops);
    if (behind.seq !== undefined) this.lastSeq = Math.max(this.lastSeq, behind.seq);
  }

  private async mapError(client: pg.ClientBase, err: unknown, ops: Op[]): Promise<DaoError> {
    return (await foreignKeyRace(client, err, ops)) ?? this.databaseError(err);
  }

  private databaseError(err: unknown): DaoError {
    this.logger.error({ err: errMessage(err) }, 'PostgreSQL write failed');
    return new DaoError(8, `[postgres] ${errMessage(err)}`);
  }

  // ---- change feed ------------------------------------------------------------------------

  /** Bring memory up to date with the database; concurrent calls share one run. */
  sync(): Promise<void> {
    if (this.syncing) {
      this.syncAgain = true;
      return this.syncing;
    }
    this.syncing = (async () => {
      try {
        do {
          this.syncAgain = false;
          await this.syncOnce();
        } while (this.syncAgain && !this.closed);
      } finally {
        this.syncing = null;
      }
    })();
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    const store = this.store;
    if (!store || this.closed) return;
    try {
      await store.exclusive(async () => {
        const c = await this.pool.connect();
        let broken: Error | undefined;
        try {
          await this.applyBehind(c, await this.catchUp(c));
        } catch (err) {
          if (isConnectionError(err)) broken = err as Error;
          throw err;
        } finally {
          c.release(broken);
        }
      });
      if (!this.healthy) {
        this.healthy = true;
        this.logger.info({ seq: this.lastSeq }, 'PostgreSQL reachable again; configuration resynced');
      }
    } catch (err) {
      if (this.healthy) {
        this.healthy = false;
        this.logger.warn({ err: errMessage(err) }, 'PostgreSQL change feed unavailable; serving the configuration in memory');
      }
    }
  }

  /** Poll-tick housekeeping: prune the change log once a minute. */
  private async tick(): Promise<void> {
    if (Date.now() - this.lastPrune > 60_000 && this.healthy && !this.closed) {
      this.lastPrune = Date.now();
      await this.prune().catch(() => undefined);
    }
  }

  /** Drop old changes; nodes behind the pruned point reload everything. */
  async prune(): Promise<void> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query('SELECT pg_advisory_xact_lock($1)', [WRITE_LOCK]);
      await c.query(
        `WITH d AS (DELETE FROM changes WHERE at < now() - make_interval(secs => $1) RETURNING seq)
         UPDATE store_meta SET pruned_through = greatest(pruned_through, (SELECT max(seq) FROM d))
         WHERE id = 1 AND EXISTS (SELECT 1 FROM d)`,
        [this.opts.changeRetentionMs / 1000],
      );
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.feed?.close();
    await this.syncing?.catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }
}

interface TxResult {
  change?: ChangeOps;
  error?: DaoError;
  /** Changes of other nodes read under the lock. */
  behind: Behind;
  /** Extra operations of this write, applied to memory after commit (the DAO applies its own). */
  committed?: Op[];
}

interface Behind {
  reload: boolean;
  ops: Op[];
  seq?: number;
}
