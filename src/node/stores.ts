// Where the node keeps what it shares: the attack log the API and console read, and the IP lists every
// request is checked against. Embedded (this process: the journal and state.json) or PostgreSQL
// (every node on the database; see pg/). Lookups stay in memory either way: IpLists is the node's copy.
import type { AttackFilter, AttackLog, HitFilter, Page } from './attacklog.js';
import type { IpListEntry, IpListInput, IpLists, PreparedEntry } from './iplists.js';
import type { Attack, StoredHit } from './types.js';

export interface Timeline {
  from: number;
  to: number;
  step: number;
  types: string[];
  series: Record<string, number[]>;
}

export type TimelineFilter = Pick<HitFilter, 'type' | 'ip' | 'verdict' | 'host'>;

/** What the API and console read from the attack log. Hits and attacks from PostgreSQL carry `node_id`. */
export interface AttackStore {
  getHit(id: string): Promise<StoredHit | null>;
  getAttack(id: string): Promise<Attack | null>;
  queryHits(f: HitFilter, offset?: number, limit?: number): Promise<Page<StoredHit>>;
  queryAttacks(f: AttackFilter, offset?: number, limit?: number): Promise<Page<Attack>>;
  timeline(from: number, to: number, buckets: number, f?: TimelineFilter): Promise<Timeline>;
  /** Hide a hit from lists and counts; returns it (marked), or null when unknown. */
  markFalsePositive(id: string): Promise<StoredHit | null>;
  /** Writes still queued reach the store. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Writes to the IP lists; reads go to the node's in-memory IpLists, which the store keeps current. */
export interface IpListStore {
  /** Load the shared entries and follow changes. */
  open(): Promise<void>;
  /** Entries validated by IpLists.prepare, added (or updated on the same ip, list and application) at once. */
  add(entries: PreparedEntry[]): Promise<IpListEntry[]>;
  update(id: string, patch: IpListInput): Promise<IpListEntry | null>;
  remove(id: string): Promise<boolean>;
  /** An entry the node already added to its lists by itself (automatic graylisting). */
  added(entry: IpListEntry): void;
  close(): Promise<void>;
}

/** The node's own log, as it is. */
export class EmbeddedAttackStore implements AttackStore {
  constructor(private readonly log: AttackLog) {}

  async getHit(id: string): Promise<StoredHit | null> {
    return this.log.getHit(id);
  }

  async getAttack(id: string): Promise<Attack | null> {
    return this.log.getAttack(id);
  }

  async queryHits(f: HitFilter, offset?: number, limit?: number): Promise<Page<StoredHit>> {
    return this.log.queryHits(f, offset, limit);
  }

  async queryAttacks(f: AttackFilter, offset?: number, limit?: number): Promise<Page<Attack>> {
    return this.log.queryAttacks(f, offset, limit);
  }

  async timeline(from: number, to: number, buckets: number, f?: TimelineFilter): Promise<Timeline> {
    return this.log.timeline(from, to, buckets, f);
  }

  async markFalsePositive(id: string): Promise<StoredHit | null> {
    return this.log.markFalsePositive(id);
  }

  async flush(): Promise<void> {
    this.log.flush();
  }

  async close(): Promise<void> {}
}

/** Lists in memory, saved to the node's state file after each change. */
export class EmbeddedIpListStore implements IpListStore {
  constructor(
    private readonly lists: IpLists,
    private readonly save: () => void,
  ) {}

  async open(): Promise<void> {}

  async add(entries: PreparedEntry[]): Promise<IpListEntry[]> {
    const out = entries.map((p) => this.lists.addPrepared(p));
    this.save();
    return out;
  }

  async update(id: string, patch: IpListInput): Promise<IpListEntry | null> {
    const e = this.lists.update(id, patch);
    if (e) this.save();
    return e;
  }

  async remove(id: string): Promise<boolean> {
    const ok = this.lists.remove(id);
    if (ok) this.save();
    return ok;
  }

  added(): void {
    this.save();
  }

  async close(): Promise<void> {}
}
