// The PostgreSQL side of the `cluster` counting policies (rate-limiting, response-ratelimiting): one small pool
// per plugin handler, identifiers that always fit the primary key, and Kong's ttl cleanup.
import crypto from 'node:crypto';
import type { PdkLogger } from '../../pdk/index.js';
import { clientConfig, pg, type PgSettings } from '../../store/postgres/connection.js';

export const EMPTY_UUID = '00000000-0000-0000-0000-000000000000';
const CLEANUP_MS = 60_000;

/** A primary-key entry must fit a btree page: a long identifier (limit_by=header) is stored hashed, so a client cannot turn its own header into a database error. */
export function storedIdentifier(identifier: string): string {
  return identifier.length <= 256 ? identifier : 'sha256:' + crypto.createHash('sha256').update(identifier).digest('hex');
}

export class PgCounters {
  private pool: pg.Pool | null = null;
  private nextCleanup = 0;

  constructor(
    private readonly settings: PgSettings,
    private readonly logger: PdkLogger,
    private readonly plugin: string,
    private readonly table: string,
  ) {}

  db(): pg.Pool {
    if (!this.pool) {
      this.pool = new pg.Pool({ ...clientConfig(this.settings), max: Math.max(1, Math.min(this.settings.pool_size || 10, 10)) });
      // a dropped idle connection is replaced on the next query; the error reaches the caller there
      this.pool.on('error', (err) => this.logger.debug({ err: err.message }, `${this.plugin}: PostgreSQL connection error`));
    }
    return this.pool;
  }

  /** Expired windows go, at most once a minute per node. */
  cleanup(): void {
    const now = Date.now();
    if (now < this.nextCleanup) return;
    this.nextCleanup = now + CLEANUP_MS;
    this.db()
      .query(`DELETE FROM ${this.table} WHERE ttl < now()`)
      .catch((err) => this.logger.debug({ err: (err as Error).message }, `${this.plugin}: counter cleanup failed`));
  }

  async close(): Promise<void> {
    const p = this.pool;
    this.pool = null;
    if (p) await p.end().catch(() => undefined);
  }
}
