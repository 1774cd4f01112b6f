// Messages between the primary process (store, admin API, filtering node) and its proxy workers.
// They travel over the cluster IPC channel, which keeps their order: a worker applies every
// configuration change in the sequence the primary committed it.
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/index.js';
import type { NodeChange, NodeReplicaState, ReplicaBatch } from '../node/replica.js';
import type { StoreSnapshot } from '../store/replica.js';
import type { Op } from '../store/tables.js';
import type { ServerStats } from '../observability/stats.js';

export type ToWorker =
  | { t: 'init'; config: Config; snapshot: StoreSnapshot; node: NodeReplicaState | null }
  | { t: 'snapshot'; snapshot: StoreSnapshot }
  | { t: 'ops'; ops: Op[] }
  | { t: 'target-health'; upstreamId: string; target: string; healthy: boolean }
  | { t: 'log-level'; level: string; timeoutS: number }
  | { t: 'node'; change: NodeChange }
  | { t: 'stop'; graceMs: number };

export type FromWorker =
  | { t: 'ready' }
  | { t: 'listening'; addresses: AddressInfo[] }
  | { t: 'stats'; stats: ServerStats; heapUsed: number }
  | { t: 'failed'; error: string }
  | { t: 'node'; batch: ReplicaBatch };

export function isFromWorker(m: unknown): m is FromWorker {
  return typeof m === 'object' && m !== null && typeof (m as { t?: unknown }).t === 'string';
}

export function isToWorker(m: unknown): m is ToWorker {
  return typeof m === 'object' && m !== null && typeof (m as { t?: unknown }).t === 'string';
}
