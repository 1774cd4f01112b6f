// In-memory counters for fixed time windows (Kong's `kong_rate_limiting_counters` shm), used by the local
// policies of rate-limiting and response-ratelimiting. Expired windows are swept lazily.
export class WindowCounters {
  private readonly counters = new Map<string, { n: number; expires: number }>();
  private nextSweep = 0;

  /** The count of a window, 0 once it has expired. */
  get(key: string, nowMs: number): number {
    this.sweep(nowMs);
    const c = this.counters.get(key);
    return c && c.expires > nowMs ? c.n : 0;
  }

  /** Add to a window that ends at `expiresMs` (a new count when the old one has expired). */
  add(key: string, value: number, nowMs: number, expiresMs: number): void {
    const c = this.counters.get(key);
    if (c && c.expires > nowMs) c.n += value;
    else this.counters.set(key, { n: value, expires: expiresMs });
  }

  private sweep(nowMs: number): void {
    if (nowMs < this.nextSweep) return;
    this.nextSweep = nowMs + 5000;
    for (const [k, c] of this.counters) if (c.expires <= nowMs) this.counters.delete(k);
  }

  get size(): number {
    return this.counters.size;
  }

  clear(): void {
    this.counters.clear();
  }
}
