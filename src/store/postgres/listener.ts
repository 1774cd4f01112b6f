// One dedicated connection following a NOTIFY channel: reconnects after a loss, and says so, since
// notifications sent while it was away are gone. Used by the store's change feed and the node's IP lists.
import { clientConfig, errMessage, pg, type PgSettings } from './connection.js';

export interface ChannelHooks {
  notified(payload: string | undefined): void;
  /** Back after a loss: whatever was announced meanwhile must be read again. */
  reconnected(): void;
  lost(err: string): void;
}

export class ChannelListener {
  private client: pg.Client | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly settings: PgSettings,
    private readonly channel: string,
    private readonly hooks: ChannelHooks,
    private readonly reconnectMs: number,
  ) {}

  get listening(): boolean {
    return this.client !== null;
  }

  /** Connect and LISTEN; throws when the database cannot be reached. */
  async connect(): Promise<void> {
    const c = new pg.Client(clientConfig(this.settings, { queryTimeout: false }));
    c.on('error', (err) => this.lost(c, err));
    c.on('end', () => this.lost(c));
    c.on('notification', (n) => this.hooks.notified(n.payload));
    try {
      await c.connect();
      await c.query(`LISTEN ${pg.escapeIdentifier(this.channel)}`);
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
    this.hooks.lost(err ? errMessage(err) : 'connection ended');
    this.reconnectLater();
  }

  /** Retry every reconnectMs until the LISTEN connection is back. */
  reconnectLater(): void {
    if (this.reconnectTimer || this.closed) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect().then(
        () => this.hooks.reconnected(),
        () => this.reconnectLater(),
      );
    }, this.reconnectMs);
    this.reconnectTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const c = this.client;
    this.client = null;
    if (c) await c.end().catch(() => undefined);
  }
}
