// Automatic graylisting (docs/waf.md §4): an address that sends more than `threshold` distinct malicious
// payloads within `periodMs` is graylisted for `ttlS`. Fires in every mode that analyses; ignores the
// behavioural, data-handling, vpatch and experimental hits Wallarm's trigger ignores.
import type { AttackType } from '../waf/index.js';
import type { Clock, InspectHit } from './types.js';

export interface AutoGraylistOptions {
  enabled?: boolean;
  /** Listed when distinct payloads exceed this (default 3). */
  threshold?: number;
  /** Window in seconds (default 3600). */
  period?: number;
  /** Graylist TTL in seconds (default 3600). */
  ttl?: number;
  ignore_types?: string[];
}

export const DEFAULT_IGNORED: readonly string[] = ['brute', 'dirbust', 'overlimit_res', 'data_bomb', 'vpatch', 'blocked_source'];

const MAX_TRACKED = 50_000;

export class AutoGraylist {
  readonly enabled: boolean;
  readonly threshold: number;
  readonly periodMs: number;
  readonly ttlS: number;
  private readonly ignored: Set<string>;
  /** ip → payload key → last time seen */
  private readonly seen = new Map<string, Map<string, number>>();

  constructor(opts: AutoGraylistOptions = {}, private readonly now: Clock = Date.now) {
    this.enabled = opts.enabled ?? true;
    this.threshold = opts.threshold ?? 3;
    this.periodMs = (opts.period ?? 3600) * 1000;
    this.ttlS = opts.ttl ?? 3600;
    this.ignored = new Set(opts.ignore_types ?? DEFAULT_IGNORED);
  }

  /** Count this request's payloads; true when the address just crossed the threshold (its window resets). */
  observe(ip: string | null, hits: readonly InspectHit[]): boolean {
    if (!this.enabled || !ip || hits.length === 0) return false;
    const t = this.now();
    // One payload per request: the engine reports the same injection at the raw URI and at the parsed
    // parameter, which must not count twice.
    const parts: string[] = [];
    let uriOnly: string | null = null;
    for (const h of hits) {
      if (h.source === 'experimental' || this.ignored.has(h.type as AttackType)) continue;
      const k = h.type + '\u0000' + h.payload;
      if (h.point.length === 1 && h.point[0]![0] === 'uri') uriOnly ??= k;
      else parts.push(k);
    }
    if (parts.length === 0 && uriOnly === null) return false;
    const key = parts.length > 0 ? parts.sort().join('\u0001') : uriOnly!;
    let m = this.seen.get(ip);
    if (!m) {
      if (this.seen.size >= MAX_TRACKED) this.prune(t);
      this.seen.set(ip, (m = new Map()));
    }
    m.set(key, t);
    for (const [k, at] of m) if (t - at >= this.periodMs) m.delete(k);
    if (m.size > this.threshold) {
      this.seen.delete(ip);
      return true;
    }
    return false;
  }

  private prune(t: number): void {
    for (const [ip, m] of this.seen) {
      for (const [k, at] of m) if (t - at >= this.periodMs) m.delete(k);
      if (m.size === 0) this.seen.delete(ip);
    }
    // Still full: forget the oldest half rather than grow without bound.
    if (this.seen.size >= MAX_TRACKED) {
      let n = 0;
      for (const ip of this.seen.keys()) { if (n++ > MAX_TRACKED / 2) break; this.seen.delete(ip); }
    }
  }
}
