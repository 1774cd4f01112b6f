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
import { ChangeCursor, pruneChanges, type Behind, type ChangeOps } from './cursor.js';
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

export class PostgresBackend implements Backend {
  readonly nodeId: string;
  readonly pool: pg.Pool;
  /** Where memory stands in the change log. */
  private readonly cursor = new ChangeCursor();
  private store: EntityStore | null = null;
  private feed: ChangeFeed | null = null;
  private syncing: Promise<void> | null = null;
  private syncAgain = false;
  /** Highest seq announced by NOTIFY, and whether the next sync must read the log regardless. */
  private notifiedSeq = 0;
  private mustRead = false;
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
        this.cursor.loaded(snap);
      } finally {
        c.release();
      }
    });
    this.feed = new ChangeFeed(
      this.settings,
      {
        sync: () => this.sync(),
        notified: (seq, epoch) => this.notified(seq, epoch),
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
      const behind = await this.cursor.read(client);
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
      // one round trip (a constant, no input: the simple protocol runs both statements)
      await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK})`);
      out = await fn(client);
      if (out.error) {
        await client.query('ROLLBACK');
        await this.applyBehind(client, out.behind);
        throw out.error;
      }
      // delivered at COMMIT, never for a rolled-back write
      const r = await client.query<{ seq: string }>(
        `WITH c AS (INSERT INTO changes (node_id, ops) VALUES ($1, $2::json) RETURNING seq)
         SELECT seq, pg_notify($3, seq::text || ' ' || (SELECT epoch FROM store_meta WHERE id = 1)::text) FROM c`,
        [this.nodeId, JSON.stringify(out.change), CHANNEL],
      );
      const seq = Number(r.rows[0]!.seq);
      await client.query('COMMIT');
      await this.applyBehind(client, out.behind);
      if (out.committed?.length && !out.behind.reload) this.store?.applyRemoteNow(out.committed);
      this.cursor.advance(seq);
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

  /** Caller holds the store's write queue. */
  private async applyBehind(client: pg.ClientBase, behind: Behind): Promise<void> {
    if (this.store) await this.cursor.apply(client, behind, this.store);
  }

  private async mapError(client: pg.ClientBase, err: unknown, ops: Op[]): Promise<DaoError> {
    return (await foreignKeyRace(client, err, ops)) ?? this.databaseError(err);
  }

  private databaseError(err: unknown): DaoError {
    this.logger.error({ err: errMessage(err) }, 'PostgreSQL write failed');
    if (isConnectionError(err)) this.healthy = false;
    return new DaoError(8, `[postgres] ${errMessage(err)}`);
  }

  // ---- change feed ------------------------------------------------------------------------

  /**
   * A change was announced. This node's own writes are announced too, and are in memory by the time
   * the sync runs (it waits for the write queue): no need to read the log for those.
   */
  notified(seq: number, epoch: string): Promise<void> {
    // another epoch (the database was reset): seqs start over, so only a read can tell what is new
    if (epoch !== this.cursor.epoch) this.mustRead = true;
    else if (seq > this.notifiedSeq) this.notifiedSeq = seq;
    return this.runSync();
  }

  /** Bring memory up to date with the database; concurrent calls share one run. */
  sync(): Promise<void> {
    this.mustRead = true;
    return this.runSync();
  }

  private runSync(): Promise<void> {
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
        if (!this.mustRead && this.healthy && this.notifiedSeq <= this.cursor.seq) return;
        this.mustRead = false;
        const c = await this.pool.connect();
        let broken: Error | undefined;
        try {
          await this.applyBehind(c, await this.cursor.read(c));
        } catch (err) {
          if (isConnectionError(err)) broken = err as Error;
          throw err;
        } finally {
          c.release(broken);
        }
      });
      if (!this.healthy) {
        this.healthy = true;
        this.logger.info({ seq: this.cursor.seq }, 'PostgreSQL reachable again; configuration resynced');
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
      await pruneChanges(c, this.opts.changeRetentionMs);
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  /**
   * GET /status `database.reachable`: false from the moment the change feed or a write loses the
   * database, true again once a read of the change log succeeds (the feed retries on its own).
   */
  get reachable(): boolean {
    return this.healthy && !this.closed;
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
