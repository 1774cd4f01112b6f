// The default store: everything in memory, made durable by a local journal under the prefix.
import path from 'node:path';
import type { Backend } from '../dao.js';
import type { Op, Tables } from '../tables.js';
import { Journal, type LoadedState } from './journal.js';

/** Compact when the journal holds this many records more than there are live rows. */
const COMPACT_SLACK = 2000;

export class EmbeddedBackend implements Backend {
  readonly journal: Journal;
  private liveRows = 0;

  constructor(dir: string, opts: { fsync?: boolean } = {}) {
    this.journal = new Journal(dir, opts);
  }

  static dirFor(prefix: string, name = 'store'): string {
    return path.resolve(prefix, name);
  }

  load(): LoadedState {
    const state = this.journal.load();
    this.liveRows = Object.values(state.tables).reduce((n, rows) => n + rows.length, 0);
    return state;
  }

  async write(ops: Op[], tables: Tables): Promise<void> {
    await this.journal.append(ops);
    if (this.journal.recordCount > this.liveRows + COMPACT_SLACK) {
      // ops are applied to memory after this call returns; compact from a view that includes them
      const dump = tables.dump();
      for (const op of ops) {
        const rows = (dump[op.entity] ??= []);
        const i = rows.findIndex((r) => r.id === (op.op === 'put' ? op.row.id : op.id));
        if (i >= 0) rows.splice(i, 1);
        if (op.op === 'put') rows.push(op.row);
      }
      this.liveRows = Object.values(dump).reduce((n, rows) => n + rows.length, 0);
      await this.journal.compact(dump);
    }
  }

  async replace(tables: Tables): Promise<void> {
    const dump = tables.dump();
    this.liveRows = Object.values(dump).reduce((n, rows) => n + rows.length, 0);
    await this.journal.compact(dump);
  }

  async close(): Promise<void> {
    await this.journal.close();
  }
}

/** Nothing durable: DB-less mode without a prefix, and tests. */
export class MemoryBackend implements Backend {
  async write(): Promise<void> {}
  async replace(): Promise<void> {}
  async close(): Promise<void> {}
}
