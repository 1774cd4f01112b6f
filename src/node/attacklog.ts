// The attack log (docs/waf.md §8): every hit kept with its request facts, grouped into attacks by (type,
// point, host+path) while less than an hour apart, sampled (the first N identical hits per hour are
// kept, the rest only counted), persisted in a checksummed journal and rebuilt from it on start.
import { randomBytes } from 'node:crypto';
import type { AttackType, Point } from '../waf/index.js';
import { Journal, type JournalOptions, type ReplayStats } from './journal.js';
import { isSensitivePoint, rawHoldsSecret, redactHeaders, REDACTED } from './redact.js';
import type { Attack, AttackStatus, Clock, StoredHit } from './types.js';

export interface SamplingOptions {
  enabled?: boolean;
  /** Identical hits kept per window (default 5). */
  keep?: number;
  /** Window length in ms (default 1 h). */
  windowMs?: number;
}

export interface AttackLogOptions extends JournalOptions {
  /** Journal file path. */
  file: string;
  now?: Clock;
  /** Hits kept in memory (and served by the API); older ones stay in the journal until rotated (default 100000). */
  maxHits?: number;
  sampling?: SamplingOptions;
  /** Hits of one attack are at most this far apart (default 1 h). */
  groupGapMs?: number;
  /** More header, parameter or field names whose values are never stored (case-insensitive). */
  redactKeys?: string[];
}

/** Told of every change the log makes, so another store can follow it (the cluster's attack table). */
export interface AttackLogObserver {
  /** A hit was kept. */
  hit(h: StoredHit): void;
  /** A hit dropped by sampling still counts in its attack. */
  counted(attackId: string, verdict: StoredHit['verdict'], time: number, clientIp: string | null): void;
  /** Response facts were set on these hits of one request. */
  response(requestId: string, hits: StoredHit[]): void;
}

export interface HitFilter {
  type?: string;
  ip?: string;
  from?: number;
  to?: number;
  verdict?: string;
  host?: string;
  attack_id?: string;
  request_id?: string;
  application?: string;
  /** Include hits marked false positive (hidden by default). */
  include_fp?: boolean;
}

export interface AttackFilter {
  type?: string;
  ip?: string;
  from?: number;
  to?: number;
  verdict?: string;
  status?: string;
  host?: string;
}

export interface Page<T> {
  data: T[];
  total: number;
  offset: number;
  limit: number;
  next_offset: number | null;
}

export interface ResponseInfo {
  status: number;
  headers?: Record<string, string>;
  bodyBytes?: number;
}

export { isSensitivePoint, rawHoldsSecret, redactHeaders, REDACTED } from './redact.js';

interface SampleBucket {
  start: number;
  kept: number;
  dropped: number;
}

interface AttackState extends Attack {
  key: string;
}

export type NewHit = Omit<StoredHit, 'id' | 'attack_id'>;

function attackStatus(a: Attack): AttackStatus {
  if (a.blocked > 0 && a.monitored === 0) return 'Blocked';
  if (a.blocked > 0) return 'Partially blocked';
  return 'Monitoring';
}

function pageOf<T>(items: T[], offset: number, limit: number): Page<T> {
  const data = items.slice(offset, offset + limit);
  return { data, total: items.length, offset, limit, next_offset: offset + limit < items.length ? offset + limit : null };
}

export class AttackLog {
  private readonly journal: Journal;
  private readonly now: Clock;
  private readonly maxHits: number;
  private readonly sampling: Required<SamplingOptions>;
  private readonly groupGapMs: number;
  private readonly redactKeys: ReadonlySet<string>;
  observer: AttackLogObserver | null = null;
  private hits: StoredHit[] = [];
  private readonly byId = new Map<string, StoredHit>();
  private readonly byRequest = new Map<string, StoredHit[]>();
  private readonly attacks = new Map<string, AttackState>();
  /** Open attack per grouping key. */
  private readonly openAttack = new Map<string, AttackState>();
  private readonly buckets = new Map<string, SampleBucket>();
  /** Sampled-out counts per attack waiting to be journaled. */
  private pendingCounts = new Map<string, { b: number; m: number }>();
  sampledOut = 0;
  replay: ReplayStats | null = null;

  constructor(opts: AttackLogOptions) {
    this.journal = new Journal(opts.file, opts);
    this.now = opts.now ?? Date.now;
    this.maxHits = Math.max(100, opts.maxHits ?? 100_000);
    this.sampling = { enabled: opts.sampling?.enabled ?? true, keep: opts.sampling?.keep ?? 5, windowMs: opts.sampling?.windowMs ?? 3_600_000 };
    this.groupGapMs = opts.groupGapMs ?? 3_600_000;
    this.redactKeys = new Set((opts.redactKeys ?? []).map((k) => k.toUpperCase()));
  }

  set onError(fn: ((e: unknown) => void) | null) {
    this.journal.onError = fn;
  }

  /** Replay the journal; call once before use. */
  open(): ReplayStats {
    this.replay = this.journal.open((rec) => this.apply(rec as Record<string, unknown>));
    return this.replay;
  }

  private apply(rec: Record<string, unknown>): void {
    switch (rec.k) {
      case 'h': {
        const { k: _k, ...h } = rec;
        const hit = h as unknown as StoredHit;
        if (typeof hit.id !== 'string' || typeof hit.attack_id !== 'string' || typeof hit.time !== 'number') return;
        this.index(hit, true);
        // Rebuild the sampling window so a restart does not reset it.
        const key = this.sampleKey(hit);
        const b = this.buckets.get(key);
        if (!b || hit.time - b.start >= this.sampling.windowMs) this.buckets.set(key, { start: hit.time, kept: 1, dropped: 0 });
        else b.kept++;
        break;
      }
      case 'c': {
        const a = this.attacks.get(String(rec.a));
        if (!a) return;
        const b = Number(rec.b) || 0, m = Number(rec.m) || 0;
        a.total += b + m; a.blocked += b; a.monitored += m;
        a.status = attackStatus(a);
        break;
      }
      case 'r':
        this.applyResponse(String(rec.rid), { status: Number(rec.s), headers: rec.hd as Record<string, string> | undefined, bodyBytes: rec.bb as number | undefined });
        break;
      case 'fp':
        this.applyFalsePositive(String(rec.id));
        break;
    }
  }

  private groupKey(type: AttackType, point: Point, host: string, path: string): string {
    return type + '\u0000' + JSON.stringify(point) + '\u0000' + host + '\u0000' + path;
  }

  private sampleKey(h: Pick<StoredHit, 'type' | 'point' | 'host' | 'path' | 'method' | 'verdict' | 'client_ip'>): string {
    return this.groupKey(h.type, h.point, h.host, h.path) + '\u0000' + h.method + '\u0000' + h.verdict + '\u0000' + (h.client_ip ?? '');
  }

  /** Add a hit to the in-memory indexes and its attack (creating the attack when the hit names a new one). */
  private index(hit: StoredHit, countInAttack: boolean): void {
    this.hits.push(hit);
    this.byId.set(hit.id, hit);
    let list = this.byRequest.get(hit.request_id);
    if (!list) this.byRequest.set(hit.request_id, (list = []));
    list.push(hit);
    let a = this.attacks.get(hit.attack_id);
    const key = this.groupKey(hit.type, hit.point, hit.host, hit.path);
    if (!a) {
      a = {
        id: hit.attack_id, key, type: hit.type, point: hit.point, host: hit.host, path: hit.path, application: hit.application,
        first_time: hit.time, last_time: hit.time, hits: 0, total: 0, blocked: 0, monitored: 0, ips: [], status: 'Monitoring',
      };
      this.attacks.set(a.id, a);
    }
    const open = this.openAttack.get(key);
    if (!open || open.last_time <= hit.time) this.openAttack.set(key, a);
    if (countInAttack && !hit.false_positive) {
      a.hits++; a.total++;
      if (hit.verdict === 'blocked') a.blocked++; else a.monitored++;
      if (hit.time < a.first_time) a.first_time = hit.time;
      if (hit.time > a.last_time) a.last_time = hit.time;
      if (hit.client_ip && a.ips.length < 20 && !a.ips.includes(hit.client_ip)) a.ips.push(hit.client_ip);
      a.status = attackStatus(a);
    }
    if (this.hits.length > this.maxHits + Math.ceil(this.maxHits / 10)) this.trim();
  }

  private trim(): void {
    const drop = this.hits.length - this.maxHits;
    const gone = this.hits.splice(0, drop);
    for (const h of gone) {
      this.byId.delete(h.id);
      const list = this.byRequest.get(h.request_id);
      if (list) {
        const i = list.indexOf(h);
        if (i >= 0) list.splice(i, 1);
        if (list.length === 0) this.byRequest.delete(h.request_id);
      }
    }
    // Attacks whose hits all left memory go too (their counts are in the journal).
    const oldest = this.hits[0]?.time ?? this.now();
    for (const [id, a] of this.attacks) {
      if (a.last_time < oldest) { this.attacks.delete(id); if (this.openAttack.get(a.key) === a) this.openAttack.delete(a.key); }
    }
  }

  /**
   * Record one hit. Returns the stored hit, or null when sampling dropped it (it still counts in its
   * attack). Credentials at sensitive points are redacted before anything is kept.
   */
  record(input: NewHit): StoredHit | null {
    const h: NewHit = { ...input };
    if (isSensitivePoint(h.point, this.redactKeys)) h.payload = REDACTED;
    const key = this.groupKey(h.type, h.point, h.host, h.path);
    let a = this.openAttack.get(key);
    if (a && h.time - a.last_time >= this.groupGapMs) a = undefined;
    const attackId = a?.id ?? randomBytes(8).toString('hex');
    if (this.sampling.enabled && a) {
      const sk = this.sampleKey(h);
      let b = this.buckets.get(sk);
      if (!b || h.time - b.start >= this.sampling.windowMs) this.buckets.set(sk, (b = { start: h.time, kept: 0, dropped: 0 }));
      if (b.kept >= this.sampling.keep) {
        b.dropped++;
        this.sampledOut++;
        a.total++;
        if (h.verdict === 'blocked') a.blocked++; else a.monitored++;
        if (h.time > a.last_time) a.last_time = h.time;
        if (h.client_ip && a.ips.length < 20 && !a.ips.includes(h.client_ip)) a.ips.push(h.client_ip);
        a.status = attackStatus(a);
        let pc = this.pendingCounts.get(a.id);
        if (!pc) {
          this.pendingCounts.set(a.id, (pc = { b: 0, m: 0 }));
          queueMicrotask(() => this.flushCounts());
        }
        if (h.verdict === 'blocked') pc.b++; else pc.m++;
        this.observer?.counted(a.id, h.verdict, h.time, h.client_ip);
        return null;
      }
      b.kept++;
    } else if (this.sampling.enabled) {
      this.buckets.set(this.sampleKey(h), { start: h.time, kept: 1, dropped: 0 });
    }
    const hit: StoredHit = { id: randomBytes(8).toString('hex'), attack_id: attackId, ...h };
    this.index(hit, true);
    this.journal.append({ k: 'h', ...hit });
    this.observer?.hit(hit);
    if (this.buckets.size > 100_000) this.pruneBuckets(h.time);
    return hit;
  }

  private flushCounts(): void {
    const pending = this.pendingCounts;
    this.pendingCounts = new Map();
    for (const [a, c] of pending) this.journal.append({ k: 'c', a, b: c.b, m: c.m });
  }

  private pruneBuckets(now: number): void {
    for (const [k, b] of this.buckets) if (now - b.start >= this.sampling.windowMs) this.buckets.delete(k);
  }

  /** Whether hits on this request's raw URI or body must be stored without payload (see rawHoldsSecret). */
  rawHoldsSecret(url: unknown, body: unknown): boolean {
    return rawHoldsSecret(url, body, this.redactKeys);
  }

  /** Response facts for a request's hits; returns how many hits were updated. */
  setResponse(requestId: string, info: ResponseInfo): number {
    const n = this.applyResponse(requestId, info);
    if (n > 0) {
      const rec: Record<string, unknown> = { k: 'r', rid: requestId, s: info.status };
      if (info.headers) rec.hd = redactHeaders(info.headers, this.redactKeys);
      if (info.bodyBytes !== undefined) rec.bb = info.bodyBytes;
      this.journal.append(rec);
      this.observer?.response(requestId, this.byRequest.get(requestId) ?? []);
    }
    return n;
  }

  private applyResponse(requestId: string, info: ResponseInfo): number {
    const list = this.byRequest.get(requestId);
    if (!list || !Number.isInteger(info.status)) return 0;
    for (const h of list) {
      h.response_status = info.status;
      if (info.headers) h.response_headers = redactHeaders(info.headers, this.redactKeys);
      if (typeof info.bodyBytes === 'number') h.response_body_bytes = info.bodyBytes;
    }
    return list.length;
  }

  hasRequest(requestId: string): boolean {
    return this.byRequest.has(requestId);
  }

  markFalsePositive(hitId: string): StoredHit | null {
    const h = this.byId.get(hitId);
    if (!h) return null;
    if (!h.false_positive) {
      this.applyFalsePositive(hitId);
      this.journal.append({ k: 'fp', id: hitId });
    }
    return h;
  }

  private applyFalsePositive(hitId: string): void {
    const h = this.byId.get(hitId);
    if (!h || h.false_positive) return;
    h.false_positive = true;
    const a = this.attacks.get(h.attack_id);
    if (a) {
      a.hits = Math.max(0, a.hits - 1);
      a.total = Math.max(0, a.total - 1);
      if (h.verdict === 'blocked') a.blocked = Math.max(0, a.blocked - 1); else a.monitored = Math.max(0, a.monitored - 1);
      a.status = attackStatus(a);
    }
  }

  getHit(id: string): StoredHit | null {
    return this.byId.get(id) ?? null;
  }

  getAttack(id: string): Attack | null {
    const a = this.attacks.get(id);
    return a ? publicAttack(a) : null;
  }

  hitsOfRequest(requestId: string): StoredHit[] {
    return this.byRequest.get(requestId)?.slice() ?? [];
  }

  queryHits(f: HitFilter, offset = 0, limit = 50): Page<StoredHit> {
    const out: StoredHit[] = [];
    for (let i = this.hits.length - 1; i >= 0; i--) {
      const h = this.hits[i]!;
      if (h.false_positive && !f.include_fp) continue;
      if (f.type && h.type !== f.type) continue;
      if (f.ip && h.client_ip !== f.ip) continue;
      if (f.from !== undefined && h.time < f.from) continue;
      if (f.to !== undefined && h.time > f.to) continue;
      if (f.verdict && h.verdict !== f.verdict) continue;
      if (f.host && h.host !== f.host) continue;
      if (f.attack_id && h.attack_id !== f.attack_id) continue;
      if (f.request_id && h.request_id !== f.request_id) continue;
      if (f.application && h.application !== f.application) continue;
      out.push(h);
    }
    return pageOf(out, offset, limit);
  }

  queryAttacks(f: AttackFilter, offset = 0, limit = 50): Page<Attack> {
    const out: Attack[] = [];
    for (const a of this.attacks.values()) {
      if (a.total === 0) continue;
      if (f.type && a.type !== f.type) continue;
      if (f.ip && !a.ips.includes(f.ip)) continue;
      if (f.from !== undefined && a.last_time < f.from) continue;
      if (f.to !== undefined && a.first_time > f.to) continue;
      if (f.verdict === 'blocked' && a.blocked === 0) continue;
      if (f.verdict === 'monitored' && a.monitored === 0) continue;
      if (f.status && a.status.toLowerCase().replace(' ', '_') !== f.status.toLowerCase().replace(' ', '_')) continue;
      if (f.host && a.host !== f.host) continue;
      out.push(publicAttack(a));
    }
    out.sort((x, y) => y.last_time - x.last_time || (x.id < y.id ? -1 : 1));
    return pageOf(out, offset, limit);
  }

  /** Hit counts per type in `buckets` equal slices of [from, to] (false positives excluded). */
  timeline(from: number, to: number, buckets: number, f: Pick<HitFilter, 'type' | 'ip' | 'verdict' | 'host'> = {}): { from: number; to: number; step: number; types: string[]; series: Record<string, number[]> } {
    const n = Math.max(1, Math.min(500, Math.floor(buckets)));
    const step = Math.max(1, Math.ceil((to - from) / n));
    const series: Record<string, number[]> = {};
    for (let i = this.hits.length - 1; i >= 0; i--) {
      const h = this.hits[i]!;
      if (h.time < from) break;
      if (h.time > to || h.false_positive) continue;
      if ((f.type && h.type !== f.type) || (f.ip && h.client_ip !== f.ip) || (f.verdict && h.verdict !== f.verdict) || (f.host && h.host !== f.host)) continue;
      const idx = Math.min(n - 1, Math.floor((h.time - from) / step));
      (series[h.type] ??= new Array<number>(n).fill(0))[idx]!++;
    }
    return { from, to, step, types: Object.keys(series).sort(), series };
  }

  get size(): number {
    return this.hits.length;
  }

  flush(): void {
    this.flushCounts();
    this.journal.flush();
  }

  close(): void {
    this.flushCounts();
    this.journal.close();
  }
}

function publicAttack(a: AttackState): Attack {
  const { key: _key, ...rest } = a;
  return { ...rest, ips: rest.ips.slice() };
}
