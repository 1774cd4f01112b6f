// The primary of a worker pool (nginx's master): it owns the store, the admin API and the filtering
// node, forks proxy workers, streams every committed configuration change to them in order, restarts
// a worker that dies, and stops them gracefully.
import cluster, { type Worker } from 'node:cluster';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/index.js';
import type { FilteringNode } from '../node/index.js';
import { NodeReplicaHub } from '../node/replica.js';
import type { AppLogger } from '../observability/logger.js';
import { emptyStats, type ServerStats } from '../observability/stats.js';
import type { ChangeEvent, EntityStore } from '../store/dao.js';
import { snapshotOf } from '../store/replica.js';
import type { Op } from '../store/tables.js';
import { isFromWorker, type ToWorker } from './protocol.js';

interface Slot {
  index: number;
  worker: Worker;
  initialized: boolean;
  startedAt: number;
  stats: ServerStats | null;
  heapUsed: number;
  listening: boolean;
}

const RESTART_BACKOFF_MS = [100, 500, 1000, 2000, 5000];

/** dist/workers/worker-main.js beside this file (a source checkout run by tsx/vitest maps to dist/). */
function workerEntry(): string {
  const here = fileURLToPath(new URL('./worker-main.js', import.meta.url));
  if (fs.existsSync(here)) return here;
  const dist = here.replace(/([\\/])src([\\/]workers[\\/])/, '$1dist$2');
  if (fs.existsSync(dist)) return dist;
  throw new Error(`worker entry not found (${here}); run 'npm run build'`);
}

export class WorkerPool {
  private readonly slots = new Map<number, Slot>();
  private stopping = false;
  private crashes = 0;
  readonly addresses: AddressInfo[] = [];
  /** The filtering node's decision state streams to the workers' replicas, their records come back. */
  private readonly nodeHub: NodeReplicaHub | null;

  constructor(
    private readonly count: number,
    private readonly config: Config,
    private readonly store: EntityStore,
    private readonly logger: AppLogger,
    node: FilteringNode | null = null,
  ) {
    this.nodeHub = node ? new NodeReplicaHub(node, (change) => this.broadcast({ t: 'node', change })) : null;
  }

  private readonly onChanges = (events: ChangeEvent[]): void => {
    // an empty batch means "everything may have changed" (declarative load, resync)
    if (events.length === 0) return this.broadcast({ t: 'snapshot', snapshot: snapshotOf(this.store) });
    const ops: Op[] = events.map((e) => (e.op === 'delete' ? { op: 'del', entity: e.entity, id: e.row.id } : { op: 'put', entity: e.entity, row: e.row }));
    this.broadcast({ t: 'ops', ops });
  };

  /** Fork the workers; resolves once every one listens (with their shared addresses). */
  async start(): Promise<AddressInfo[]> {
    // Each worker accepts on the shared socket itself, as nginx workers do, rather than the primary
    // accepting and handing connections over (cluster's round-robin default costs the primary a core).
    cluster.schedulingPolicy = cluster.SCHED_NONE;
    cluster.setupPrimary({ exec: workerEntry(), args: [] });
    this.store.on('changes', this.onChanges);
    const started = await Promise.all(Array.from({ length: this.count }, (_, i) => this.fork(i)));
    const seen = new Set<string>();
    for (const list of started)
      for (const a of list) {
        const key = `${a.address}:${a.port}`;
        if (!seen.has(key)) (seen.add(key), this.addresses.push(a));
      }
    return this.addresses;
  }

  private fork(index: number): Promise<AddressInfo[]> {
    return new Promise((resolve, reject) => {
      const worker = cluster.fork({ PORTCULLIS_WORKER_INDEX: String(index) });
      const slot: Slot = { index, worker, initialized: false, startedAt: Date.now(), stats: null, heapUsed: 0, listening: false };
      this.slots.set(worker.id, slot);
      let settled = false;
      worker.on('message', (m: unknown) => {
        if (!isFromWorker(m)) return;
        switch (m.t) {
          case 'ready':
            // the snapshot and every later change go out in one ordered stream
            slot.initialized = true;
            this.send(worker, { t: 'init', config: this.config, snapshot: snapshotOf(this.store), node: this.nodeHub?.state() ?? null });
            break;
          case 'listening':
            slot.listening = true;
            this.logger.debug({ worker: index, worker_pid: worker.process.pid }, 'proxy worker listening');
            if (!settled) (settled = true), resolve(m.addresses);
            break;
          case 'stats':
            slot.stats = m.stats;
            slot.heapUsed = m.heapUsed;
            break;
          case 'node':
            this.nodeHub?.apply(m.batch);
            break;
          case 'failed':
            this.logger.error({ worker: index, err: m.error }, 'proxy worker failed to start');
            if (!settled) (settled = true), reject(new Error(`proxy worker ${index} failed to start: ${m.error}`));
            break;
        }
      });
      worker.on('exit', (code, signal) => {
        this.slots.delete(worker.id);
        if (!settled) {
          settled = true;
          reject(new Error(`proxy worker ${index} exited during start-up (code ${code}, signal ${signal})`));
          return;
        }
        if (this.stopping) return;
        const quick = Date.now() - slot.startedAt < 10_000;
        this.crashes = quick ? this.crashes + 1 : 0;
        const delay = RESTART_BACKOFF_MS[Math.min(this.crashes, RESTART_BACKOFF_MS.length - 1)]!;
        this.logger.error({ worker: index, worker_pid: worker.process.pid, code, signal, restart_in_ms: delay }, 'proxy worker exited; starting a new one');
        setTimeout(() => {
          if (this.stopping) return;
          this.fork(index).catch((err) => this.logger.error({ worker: index, err: (err as Error).message }, 'proxy worker restart failed'));
        }, delay).unref();
      });
    });
  }

  private send(worker: Worker, m: ToWorker): void {
    if (!worker.isConnected()) return;
    worker.send(m, (err: Error | null) => {
      if (err && !this.stopping) this.logger.warn({ err: err.message }, 'could not reach a proxy worker');
    });
  }

  broadcast(m: ToWorker): void {
    for (const s of this.slots.values()) if (s.initialized) this.send(s.worker, m);
  }

  /** Connection counters summed over the workers (each reports once a second). */
  stats(): ServerStats {
    const sum = emptyStats();
    for (const s of this.slots.values()) {
      if (!s.stats) continue;
      for (const k of Object.keys(sum) as Array<keyof ServerStats>) sum[k] += s.stats[k];
    }
    return sum;
  }

  /** Workers serving traffic now (a replacement counts once it listens). */
  listening(): number {
    return [...this.slots.values()].filter((s) => s.listening).length;
  }

  get size(): number {
    return this.slots.size;
  }

  memory(): Array<{ pid: number; heapUsed: number }> {
    return [...this.slots.values()].filter((s) => s.stats).map((s) => ({ pid: s.worker.process.pid!, heapUsed: s.heapUsed }));
  }

  pids(): number[] {
    return [...this.slots.values()].map((s) => s.worker.process.pid!).filter(Boolean);
  }

  /** Ask every worker to finish in-flight requests (up to graceMs) and exit; kill stragglers. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.store.off('changes', this.onChanges);
    this.nodeHub?.detach();
    const exits = [...this.slots.values()].map(
      (s) =>
        new Promise<void>((resolve) => {
          if (s.worker.isDead()) return resolve();
          const kill = setTimeout(() => s.worker.process.kill('SIGKILL'), graceMs + 5_000);
          s.worker.once('exit', () => (clearTimeout(kill), resolve()));
          this.send(s.worker, { t: 'stop', graceMs });
        }),
    );
    await Promise.all(exits);
  }
}
