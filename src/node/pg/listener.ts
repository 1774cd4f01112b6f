// The node's PostgreSQL plumbing: a NOTIFY channel with a poll as the safety net, coalesced reloads,
// and guarded pool checkouts.
import { errMessage, type pg, type PgSettings } from '../../store/postgres/connection.js';
import { ChannelListener } from '../../store/postgres/listener.js';

/**
 * Runs `fn` on request, never two at once. The promise a caller gets settles after a run that started
 * after its request, so it sees every write committed before the call.
 */
export class Coalescer {
  private running = false;
  private waiting: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];

  constructor(private readonly fn: () => Promise<void>) {}

  request(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (!this.running) void this.loop();
    });
  }

  private async loop(): Promise<void> {
    this.running = true;
    while (this.waiting.length) {
      const batch = this.waiting.splice(0);
      try {
        await this.fn();
        for (const w of batch) w.resolve();
      } catch (e) {
        for (const w of batch) w.reject(e);
      }
    }
    this.running = false;
  }
}

export interface ListenerOptions {
  channel: string;
  /** Something may have changed (a notification, a reconnect, a poll tick). */
  changed(reason: 'notify' | 'reconnect' | 'poll'): void;
  lost(err: string): void;
  pollMs: number;
  reconnectMs?: number;
}

/** The store's channel listener plus a poll; start-up succeeds without the database and keeps retrying. */
export class PolledChannel {
  private readonly listener: ChannelListener;
  private pollTimer: NodeJS.Timeout | null = null;

  constructor(settings: PgSettings, private readonly opts: ListenerOptions) {
    this.listener = new ChannelListener(
      settings,
      opts.channel,
      { notified: () => opts.changed('notify'), reconnected: () => opts.changed('reconnect'), lost: (err) => opts.lost(err) },
      opts.reconnectMs ?? 500,
    );
  }

  async start(): Promise<void> {
    try {
      await this.listener.connect();
    } catch (err) {
      this.opts.lost(errMessage(err));
      this.listener.reconnectLater();
    }
    this.pollTimer = setInterval(() => this.opts.changed('poll'), this.opts.pollMs);
    this.pollTimer.unref();
  }

  get listening(): boolean {
    return this.listener.listening;
  }

  async close(): Promise<void> {
    if (this.pollTimer) clearInterval(this.pollTimer);
    await this.listener.close();
  }
}

const guarded = new WeakSet<pg.PoolClient>();

/**
 * A client from the pool for a transaction. A connection the server drops while the client is checked
 * out is reported as an 'error' event; without a listener that would end the process. The failing query
 * reports it to its caller anyway.
 */
export async function checkout(pool: pg.Pool): Promise<pg.PoolClient> {
  const c = await pool.connect();
  if (!guarded.has(c)) {
    guarded.add(c);
    c.on('error', () => undefined);
  }
  return c;
}
