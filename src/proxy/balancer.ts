// Load balancing over upstream targets: weighted round-robin, consistent hashing, least
// connections; passive and active health checks whose state survives configuration changes.
import dns from 'node:dns';
import net from 'node:net';
import crypto from 'node:crypto';
import type { Target, Upstream } from '../store/types.js';

export interface Peer {
  host: string;
  port: number;
  /** "host:port" as written in the target. */
  target: string;
  targetId: string | null;
  upstreamId: string | null;
}

interface TargetState {
  target: Target;
  host: string;
  port: number;
  weight: number;
  /** Smooth weighted round-robin state (nginx's algorithm). */
  current: number;
}

export interface HealthCounters {
  healthy: boolean;
  tcpFailures: number;
  timeouts: number;
  httpFailures: number;
  successes: number;
}

/** Health per upstream+target, kept across balancer rebuilds. */
export class HealthRegistry {
  private readonly state = new Map<string, HealthCounters>();

  get(upstreamId: string, target: string): HealthCounters {
    const key = upstreamId + '|' + target;
    let s = this.state.get(key);
    if (!s) this.state.set(key, (s = { healthy: true, tcpFailures: 0, timeouts: 0, httpFailures: 0, successes: 0 }));
    return s;
  }

  set(upstreamId: string, target: string, healthy: boolean): void {
    const s = this.get(upstreamId, target);
    s.healthy = healthy;
    s.tcpFailures = s.timeouts = s.httpFailures = s.successes = 0;
  }

  prune(keep: Set<string>): void {
    for (const k of this.state.keys()) if (!keep.has(k)) this.state.delete(k);
  }
}

export type HealthEvent = 'tcp_failure' | 'timeout' | 'http_status';

export class UpstreamBalancer {
  readonly upstream: Upstream;
  private readonly targets: TargetState[];
  private ring: Array<{ point: number; t: TargetState }> | null = null;

  constructor(
    upstream: Upstream,
    targets: Target[],
    private readonly health: HealthRegistry,
    private readonly activeConns: (key: string) => number,
  ) {
    this.upstream = upstream;
    this.targets = targets
      .filter((t) => t.weight > 0)
      .map((t) => {
        const { host, port } = splitTarget(t.target);
        return { target: t, host, port, weight: t.weight, current: 0 };
      });
  }

  get targetList(): readonly TargetState[] {
    return this.targets;
  }

  private healthy(t: TargetState): boolean {
    return this.health.get(this.upstream.id, t.target.target).healthy;
  }

  /** Pick a peer; `hashValue` for consistent hashing; `exclude` holds targets already tried. */
  pick(hashValue: string | null, exclude?: Set<string>): Peer | null {
    const candidates = this.targets.filter((t) => this.healthy(t) && !exclude?.has(t.target.target));
    if (!candidates.length) return null;
    let chosen: TargetState;
    if (this.upstream.algorithm === 'consistent-hashing' && hashValue !== null) {
      chosen = this.pickHashed(hashValue, candidates);
    } else if (this.upstream.algorithm === 'least-connections') {
      chosen = candidates[0]!;
      let best = Infinity;
      for (const t of candidates) {
        const load = (this.activeConns(t.host + ':' + t.port) + 1) / t.weight;
        if (load < best) {
          best = load;
          chosen = t;
        }
      }
    } else {
      // smooth weighted round-robin
      let total = 0;
      chosen = candidates[0]!;
      for (const t of candidates) {
        t.current += t.weight;
        total += t.weight;
        if (t.current > chosen.current) chosen = t;
      }
      chosen.current -= total;
    }
    return { host: chosen.host, port: chosen.port, target: chosen.target.target, targetId: chosen.target.id, upstreamId: this.upstream.id };
  }

  private pickHashed(value: string, candidates: TargetState[]): TargetState {
    if (!this.ring) {
      const ring: Array<{ point: number; t: TargetState }> = [];
      const total = this.targets.reduce((n, t) => n + t.weight, 0) || 1;
      for (const t of this.targets) {
        const points = Math.max(1, Math.round((this.upstream.slots * t.weight) / total / 10));
        for (let i = 0; i < points; i++) ring.push({ point: hash32(`${t.target.target}#${i}`), t });
      }
      ring.sort((a, b) => a.point - b.point);
      this.ring = ring;
    }
    const h = hash32(value);
    const ring = this.ring;
    let lo = 0;
    let hi = ring.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ring[mid]!.point < h) lo = mid + 1;
      else hi = mid;
    }
    for (let i = 0; i < ring.length; i++) {
      const e = ring[(lo + i) % ring.length]!;
      if (candidates.includes(e.t)) return e.t;
    }
    return candidates[0]!;
  }

  /** Passive health checks: count failures against a target (0 thresholds disable). */
  report(target: string, event: HealthEvent | 'success', status?: number): void {
    const hc = this.upstream.healthchecks?.passive;
    if (!hc) return;
    const s = this.health.get(this.upstream.id, target);
    const u = hc.unhealthy ?? {};
    if (event === 'success') {
      if (status !== undefined && (u.http_statuses ?? []).includes(status) && u.http_failures > 0) {
        if (++s.httpFailures >= u.http_failures) this.health.set(this.upstream.id, target, false);
      } else if (status !== undefined && (hc.healthy?.http_statuses ?? []).includes(status)) {
        s.httpFailures = 0;
        s.tcpFailures = 0;
        s.timeouts = 0;
      }
      return;
    }
    if (event === 'tcp_failure' && u.tcp_failures > 0 && ++s.tcpFailures >= u.tcp_failures) this.health.set(this.upstream.id, target, false);
    if (event === 'timeout' && u.timeouts > 0 && ++s.timeouts >= u.timeouts) this.health.set(this.upstream.id, target, false);
  }

  healthOf(target: string): 'HEALTHY' | 'UNHEALTHY' | 'HEALTHCHECKS_OFF' {
    const hc = this.upstream.healthchecks ?? {};
    const a = hc.active ?? {};
    const p = hc.passive ?? {};
    const on =
      (a.healthy?.interval ?? 0) > 0 ||
      (a.unhealthy?.interval ?? 0) > 0 ||
      (p.unhealthy?.tcp_failures ?? 0) > 0 ||
      (p.unhealthy?.timeouts ?? 0) > 0 ||
      (p.unhealthy?.http_failures ?? 0) > 0;
    const s = this.health.get(this.upstream.id, target);
    if (!s.healthy) return 'UNHEALTHY';
    return on ? 'HEALTHY' : 'HEALTHCHECKS_OFF';
  }
}

function hash32(s: string): number {
  return crypto.createHash('md5').update(s).digest().readUInt32BE(0);
}

export function splitTarget(t: string): { host: string; port: number } {
  if (t.startsWith('[')) {
    const end = t.indexOf(']');
    return { host: t.slice(1, end), port: Number(t.slice(end + 2)) || 8000 };
  }
  const i = t.lastIndexOf(':');
  return { host: t.slice(0, i), port: Number(t.slice(i + 1)) };
}

/** A small DNS cache in front of dns.lookup, so the hot path resolves synchronously. */
export class Resolver {
  private readonly cache = new Map<string, { address: string; expires: number }>();

  constructor(private readonly ttlMs = 30_000) {}

  /** The cached address, or null when a lookup is needed. */
  cached(host: string): string | null {
    if (net.isIP(host)) return host;
    const e = this.cache.get(host);
    if (e && e.expires > Date.now()) return e.address;
    return null;
  }

  async resolve(host: string): Promise<string> {
    const hit = this.cached(host);
    if (hit) return hit;
    const { address } = await dns.promises.lookup(host, { family: 0, verbatim: false });
    this.cache.set(host, { address, expires: Date.now() + this.ttlMs });
    return address;
  }
}
