// A read-only copy of another process's store: rows arrive as snapshots and operations from the
// process that owns the real backend (the primary of a worker pool), never from local writes.
import { EntityStore } from './dao.js';
import type { Backend } from './dao.js';
import type { PluginSchemaProvider } from './schema/index.js';
import type { Op, Row } from './tables.js';

class ReplicaBackend implements Backend {
  async write(): Promise<void> {
    throw new Error('this process holds a read-only copy of the configuration; write through the admin API');
  }
  async replace(): Promise<void> {
    throw new Error('this process holds a read-only copy of the configuration; write through the admin API');
  }
  async close(): Promise<void> {}
}

export interface StoreSnapshot {
  tables: Record<string, Row[]>;
  configHash: string;
}

export function snapshotOf(store: EntityStore): StoreSnapshot {
  return { tables: store.tables.dump(), configHash: store.configHash };
}

export function openReplicaStore(snapshot: StoreSnapshot, kind: string, plugins: PluginSchemaProvider): EntityStore {
  const store = new EntityStore(new ReplicaBackend(), { readOnly: true, kind, plugins });
  store.loadRaw(snapshot.tables);
  store.configHash = snapshot.configHash;
  return store;
}

/** Apply a snapshot or operations received from the owner, in order, with the usual change events. */
export function applyToReplica(store: EntityStore, update: { snapshot?: StoreSnapshot; ops?: Op[] }): Promise<void> {
  return store.exclusive(() => {
    if (update.snapshot) {
      store.configHash = update.snapshot.configHash;
      store.reloadRemoteNow(update.snapshot.tables);
    } else if (update.ops) store.applyRemoteNow(update.ops);
  });
}
