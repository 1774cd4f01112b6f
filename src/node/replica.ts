// A proxy worker's copy of the primary's filtering node (nginx_worker_processes > 1). The worker runs the
// engine and every decision in process, on a replica of the primary node's decision state (mode, IP
// lists, rules, settings): the full state at start, then each change in the order the primary made it.
// What the worker records (hits, response facts, automatic graylisting, counter increments) goes back to
// the primary in small batches, so its attack log, API, console and metrics cover every worker.
import type { Logger } from 'pino';
import type { CustomLevels } from '../observability/logger.js';
import type { NewHit, ResponseInfo } from './attacklog.js';
import type { NodeFileConfig } from './config.js';
import type { IpListChange, IpListEntry } from './iplists.js';
import type { FilteringNode } from './node.js';
import type { Rule, RuleChange } from './rules.js';
import type { IpListStore } from './stores.js';
import type { Mode } from './types.js';

/** What a replica starts from. JSON-safe: it travels over the worker IPC channel. */
export interface NodeReplicaState {
  mode: Mode;
  application: string | null;
  /** The node config's settings that shape decisions and records (no lists, rules, listener or token). */
  settings: Record<string, unknown>;
  ipLists: IpListEntry[];
  rules: Rule[];
}

/** One change on the primary's node, in order. */
export type NodeChange = { mode: Mode } | { lists: IpListChange } | { rules: RuleChange };

export type ReplicaEvent =
  | { hit: NewHit }
  | { response: { requestId: string } & ResponseInfo }
  | { listed: IpListEntry };

/** A worker's batch: records in the order they happened, and counter increments since the last batch. */
export interface ReplicaBatch {
  events: ReplicaEvent[];
  counters: Array<{ name: string; labels: Record<string, string | number>; inc: number }>;
}

/** What a replica node needs from its link to the primary (FilteringNodeOptions.replica). */
export interface ReplicaLink {
  readonly state: NodeReplicaState;
  readonly ipListStore: IpListStore;
  record(e: ReplicaEvent): void;
  close(): Promise<void>;
}

/** The settings a replica needs, from a node's validated config (allowed_networks etc. serve only a listener). */
export function replicaSettings(file: NodeFileConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ['proxy_headers', 'auto_graylist', 'sampling', 'overlimit_block', 'body_limit', 'mirror_queue'] as const) {
    if (file[k] !== undefined) out[k] = file[k];
  }
  if (file.attack_log?.redact_keys) out.attack_log = { redact_keys: file.attack_log.redact_keys };
  return out;
}

/** The primary's side: streams its node's changes to the workers and takes in what they record. */
export class NodeReplicaHub {
  constructor(
    private readonly node: FilteringNode,
    broadcast: (c: NodeChange) => void,
  ) {
    node.onModeChange = (mode) => broadcast({ mode });
    node.ipLists.onChange = (lists) => broadcast({ lists });
    node.rules.onChange = (rules) => broadcast({ rules });
  }

  /** The full state for a worker that starts now (the changes after it follow on the same channel). */
  state(): NodeReplicaState {
    const n = this.node;
    return { mode: n.mode, application: n.application, settings: replicaSettings(n.fileConfig), ipLists: n.ipLists.snapshot(), rules: n.rules.list() };
  }

  /** A worker's batch, applied as if the node had recorded it in this process. */
  apply(batch: ReplicaBatch): void {
    const n = this.node;
    for (const e of batch.events) {
      try {
        if ('hit' in e) {
          if (!n.attackLog.record(e.hit)) n.metrics.sampled.inc();
        } else if ('response' in e) {
          const { requestId, ...info } = e.response;
          n.attackLog.setResponse(requestId, info);
        } else if ('listed' in e) {
          const l = e.listed;
          // lookups skip what is already listed for this source; the list itself keeps one entry per (ip, list, application)
          const entry = n.ipLists.addPrepared({ ip: l.ip, list: l.list, reason: l.reason, expires_at: l.expires_at, application: l.application, source: l.source, trigger: l.trigger });
          n.ipListStore.added(entry);
        }
      } catch (err) {
        n.metrics.errors.inc({ type: 'replica' });
        n.logger.warn({ err: (err as Error).message }, 'a proxy worker record could not be applied');
      }
    }
    for (const c of batch.counters) {
      const m = n.metrics.registry.getSingleMetric(c.name) as { inc?: (labels: Record<string, string | number>, v: number) => void } | undefined;
      if (m?.inc && c.inc > 0) m.inc(c.labels, c.inc);
    }
  }

  detach(): void {
    this.node.onModeChange = null;
    this.node.ipLists.onChange = null;
    this.node.rules.onChange = null;
  }
}

export interface WorkerNodeLinkOptions {
  /** How often records go to the primary (ms, default 50). */
  flushMs?: number;
  /** Records held between batches; more are dropped and counted as errors (default 10000). */
  maxQueue?: number;
}

/** The worker's side: builds the replica node, applies the primary's changes, batches records back. */
export class WorkerNodeLink implements ReplicaLink {
  readonly ipListStore: IpListStore;
  node: FilteringNode | null = null;
  private queue: ReplicaEvent[] = [];
  private readonly flushMs: number;
  private readonly maxQueue: number;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private readonly sentCounters = new Map<string, number>();
  private closed = false;

  constructor(
    readonly state: NodeReplicaState,
    private readonly send: (b: ReplicaBatch) => Promise<void>,
    opts: WorkerNodeLinkOptions = {},
  ) {
    this.flushMs = opts.flushMs ?? 50;
    this.maxQueue = opts.maxQueue ?? 10_000;
    this.ipListStore = new ReplicaIpListStore(this);
  }

  /** The replica node (no listener, no files), and the batching timer. */
  createNode(make: (link: ReplicaLink) => FilteringNode): FilteringNode {
    this.node = make(this);
    this.timer = setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
    return this.node;
  }

  /** A change the primary made, applied in the order it arrives. */
  apply(c: NodeChange): void {
    const n = this.node;
    if (!n) return;
    if ('mode' in c) n.setMode(c.mode);
    else if ('lists' in c) {
      const l = c.lists;
      if ('put' in l) for (const e of l.put) n.ipLists.put(e);
      else if ('del' in l) for (const id of l.del) n.ipLists.remove(id);
      else n.ipLists.replaceShared(l.reset);
    } else if ('put' in c.rules) n.rules.put(c.rules.put);
    else for (const id of c.rules.del) n.rules.remove(id);
  }

  record(e: ReplicaEvent): void {
    if (this.queue.length >= this.maxQueue) {
      this.node?.metrics.errors.inc({ type: 'queue_full' });
      return;
    }
    this.queue.push(e);
  }

  /** Send what was recorded and the counters' increments since the last batch. */
  flush(): Promise<void> {
    this.flushing ??= this.sendBatch().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async sendBatch(): Promise<void> {
    const counters = await this.counterIncrements();
    const events = this.queue;
    this.queue = [];
    if (events.length === 0 && counters.length === 0) return;
    try {
      await this.send({ events, counters });
    } catch (err) {
      (this.node?.logger as Logger<CustomLevels> | undefined)?.warn({ err: (err as Error).message, records: events.length }, 'could not reach the primary; records dropped');
    }
  }

  private async counterIncrements(): Promise<ReplicaBatch['counters']> {
    if (!this.node) return [];
    const out: ReplicaBatch['counters'] = [];
    for (const m of await this.node.metrics.registry.getMetricsAsJSON()) {
      if (String(m.type) !== 'counter') continue;
      for (const v of m.values) {
        const key = `${m.name}\u0000${JSON.stringify(v.labels)}`;
        const inc = v.value - (this.sentCounters.get(key) ?? 0);
        if (inc <= 0) continue;
        this.sentCounters.set(key, v.value);
        out.push({ name: m.name, labels: v.labels as Record<string, string | number>, inc });
      }
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flushing;
    await this.flush();
  }
}

/** A replica's lists change only through the primary: its API is the primary's. */
class ReplicaIpListStore implements IpListStore {
  constructor(private readonly link: WorkerNodeLink) {}

  async open(): Promise<void> {}

  async add(): Promise<IpListEntry[]> {
    throw new Error('IP lists are changed through the primary node');
  }

  async update(): Promise<IpListEntry | null> {
    throw new Error('IP lists are changed through the primary node');
  }

  async remove(): Promise<boolean> {
    throw new Error('IP lists are changed through the primary node');
  }

  /** Automatic graylisting here: the primary lists the source for every node (and tells this one back). */
  added(entry: IpListEntry): void {
    this.link.record({ listed: entry });
  }

  async close(): Promise<void> {}
}
