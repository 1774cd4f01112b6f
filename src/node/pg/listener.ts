// Following a NOTIFY channel with one dedicated connection: reconnects after a loss (and reports it as a
// change, since notifications sent meanwhile are gone), plus a poll as the safety net.
import { clientConfig, errMessage, pg, type PgSettings } from '../../store/postgres/connection.js';

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

export class ChannelListener {
  private client: pg.Client | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly settings: PgSettings,
    private readonly opts: ListenerOptions,
  ) {}

  async start(): Promise<void> {
    try {
      await this.connect();
    } catch (err) {
      this.opts.lost(errMessage(err));
      this.scheduleReconnect();
    }
    this.pollTimer = setInterval(() => this.opts.changed('poll'), this.opts.pollMs);
    this.pollTimer.unref();
  }

  get listening(): boolean {
    return this.client !== null;
  }

  private async connect(): Promise<void> {
    const c = new pg.Client(clientConfig(this.settings, { queryTimeout: false }));
    c.on('error', (err) => this.lost(c, err));
    c.on('end', () => this.lost(c));
    c.on('notification', () => this.opts.changed('notify'));
    try {
      await c.connect();
      await c.query(`LISTEN ${pg.escapeIdentifier(this.opts.channel)}`);
    } catch (err) {
      await c.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      await c.end().catch(() => undefined);
      return;
    }
    this.client = c;
  }

  private lost(c: pg.Client, err?: Error): void {
    if (this.client !== c || this.closed) return;
    this.client = null;
    c.end().catch(() => undefined);
    this.opts.lost(err ? errMessage(err) : 'connection ended');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer || this.closed) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect().then(
        () => this.opts.changed('reconnect'),
        () => this.scheduleReconnect(),
      );
    }, this.opts.reconnectMs ?? 500);
    this.reconnectTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const c = this.client;
    this.client = null;
    if (c) await c.end().catch(() => undefined);
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
