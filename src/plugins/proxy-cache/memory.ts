// The memory strategy (kong/plugins/proxy-cache/strategies/memory.lua): entries with a TTL, bounded
// in count and bytes; the oldest entries are evicted first when full.

export interface CachedResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
  /** seconds since the epoch when stored */
  timestamp: number;
  /** freshness of the resource in seconds */
  ttl: number;
}

export class MemoryStore {
  private readonly entries = new Map<string, { res: CachedResponse; expires: number; size: number }>();
  private bytes = 0;

  constructor(
    private readonly maxEntries = 10_000,
    private readonly maxBytes = 64 * 1024 * 1024,
  ) {}

  fetch(key: string): CachedResponse | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expires <= Date.now()) {
      this.purge(key);
      return undefined;
    }
    return e.res;
  }

  store(key: string, res: CachedResponse, ttlSeconds: number): void {
    this.purge(key);
    const size = res.body.length + 256;
    if (size > this.maxBytes) return;
    while (this.entries.size >= this.maxEntries || this.bytes + size > this.maxBytes) {
      const oldest = this.entries.keys().next().value as string;
      this.purge(oldest);
    }
    this.entries.set(key, { res, expires: Date.now() + ttlSeconds * 1000, size });
    this.bytes += size;
  }

  purge(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.bytes -= e.size;
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}
