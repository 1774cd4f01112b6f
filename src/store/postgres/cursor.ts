// Where a node's memory stands in the change log (seq and database epoch), and how it catches up:
// the changes other nodes committed since, or a full reload when the log cannot tell (reset, pruned).
import type { EntityStore } from '../dao.js';
import type { Op } from '../tables.js';
import type pg from 'pg';
import { loadSnapshot, type Snapshot } from './rows.js';

/** What one `changes` row holds: a write's operations, or a declarative replace of everything. */
export type ChangeOps = Op[] | { replace: true };

/** Changes memory does not hold yet. */
export interface Behind {
  reload: boolean;
  ops: Op[];
  seq?: number;
}

export class ChangeCursor {
  /** Highest change seq reflected in memory. */
  seq = 0;
  /** The database's epoch (a new one after `migrations reset`): seqs of another epoch mean nothing here. */
  epoch = '';

  loaded(snap: Snapshot): void {
    this.seq = snap.seq;
    this.epoch = snap.epoch;
  }

  /** Memory holds change `seq` (of its own epoch). */
  advance(seq: number): void {
    this.seq = Math.max(this.seq, seq);
  }

  /** The changes committed after this cursor (inside the write lock: everything committed so far). */
  async read(client: Pick<pg.ClientBase, 'query'>): Promise<Behind> {
    const r = await client.query<{ epoch: string; pruned_through: string; seq: string | null; ops: ChangeOps | null }>(
      `SELECT m.epoch, m.pruned_through, c.seq, c.ops
       FROM store_meta m LEFT JOIN changes c ON c.seq > $1
       WHERE m.id = 1 ORDER BY c.seq`,
      [this.seq],
    );
    const m = r.rows[0];
    if (!m || m.epoch !== this.epoch || Number(m.pruned_through) > this.seq) return { reload: true, ops: [] };
    const ops: Op[] = [];
    let seq = this.seq;
    for (const row of r.rows) {
      if (row.seq === null) continue;
      if (!Array.isArray(row.ops)) return { reload: true, ops: [] };
      ops.push(...row.ops);
      seq = Number(row.seq);
    }
    return { reload: false, ops, seq };
  }

  /** Apply what read() found to memory; the caller holds the store's write queue. */
  async apply(client: Pick<pg.ClientBase, 'query'>, behind: Behind, store: EntityStore): Promise<void> {
    if (behind.reload) {
      const snap = await loadSnapshot(client);
      store.reloadRemoteNow(snap.tables);
      this.loaded(snap);
      return;
    }
    if (behind.ops.length) store.applyRemoteNow(behind.ops);
    if (behind.seq !== undefined) this.advance(behind.seq);
  }
}

/** Inside the write lock: drop changes older than the retention and record how far the log was cut. */
export async function pruneChanges(client: Pick<pg.ClientBase, 'query'>, retentionMs: number): Promise<void> {
  await client.query(
    `WITH d AS (DELETE FROM changes WHERE at < now() - make_interval(secs => $1) RETURNING seq)
     UPDATE store_meta SET pruned_through = greatest(pruned_through, (SELECT max(seq) FROM d))
     WHERE id = 1 AND EXISTS (SELECT 1 FROM d)`,
    [retentionMs / 1000],
  );
}
