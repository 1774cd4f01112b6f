// One Redis connection per distinct `config.redis` block (Kong's shared redis schema), kept for the
// plugin handler's lifetime; used by the counting policies of rate-limiting and response-ratelimiting.
import { Redis } from 'ioredis';
import type { PdkLogger } from '../../pdk/index.js';

export class RedisClients {
  private readonly clients = new Map<string, Redis>();

  constructor(
    private readonly logger: PdkLogger,
    private readonly plugin: string,
  ) {}

  for(conf: any): Redis {
    const r = conf.redis ?? {};
    const key = [r.host, r.port, r.database, r.username, r.password, r.ssl, r.ssl_verify, r.server_name, r.timeout].join('\u0000');
    let c = this.clients.get(key);
    if (c) return c;
    c = new Redis({
      host: r.host,
      port: r.port ?? 6379,
      db: r.database ?? 0,
      username: r.username ?? undefined,
      password: r.password ?? undefined,
      connectTimeout: r.timeout ?? 2000,
      commandTimeout: r.timeout ?? 2000,
      // one retry, then the caller's fault_tolerant decides
      maxRetriesPerRequest: 1,
      retryStrategy: (times: number) => Math.min(times * 100, 2000),
      tls: r.ssl ? { rejectUnauthorized: r.ssl_verify === true, servername: r.server_name ?? r.host } : undefined,
    });
    c.on('error', (err: Error) => this.logger.debug({ err: err.message }, `${this.plugin}: redis connection error`));
    this.clients.set(key, c);
    return c;
  }

  async close(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(all.map((c) => c.quit().catch(() => c.disconnect())));
  }
}
