// When a node looks at the change log: on each NOTIFY, every db_update_frequency seconds as a safety
// net, and right after its LISTEN connection comes back. What it does then is the backend's sync().
import { clientConfig, errMessage, pg, type PgSettings } from './connection.js';

export const CHANNEL = 'portcullis_changes';

export interface FeedHooks {
  /** Catch up with the database (coalesced by the caller). */
  sync(): Promise<void>;
  /** A NOTIFY for change `seq` of database `epoch` arrived: catch up unless memory already holds it. */
  notified(seq: number, epoch: string): Promise<void>;
  /** Called on each poll tick after sync (housekeeping). */
  tick(): Promise<void>;
  lost(err: string): void;
}

export class ChangeFeed {
  private listener: pg.Client | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly settings: PgSettings,
    private readonly hooks: FeedHooks,
    private readonly opts: { pollMs: number; reconnectMs: number },
  ) {}

  async start(): Promise<void> {
    await this.connect();
    // changes committed between the caller's snapshot and LISTEN were announced to nobody
    await this.hooks.sync().catch(() => undefined);
    this.pollTimer = setInterval(() => {
      if (this.closed) return;
      void this.hooks.sync().then(() => this.hooks.tick()).catch(() => undefined);
    }, this.opts.pollMs);
    this.pollTimer.unref();
  }

  get listening(): boolean {
    return this.listener !== null;
  }

  private async connect(): Promise<void> {
    const c = new pg.Client(clientConfig(this.settings, { queryTimeout: false }));
    c.on('error', (err) => this.lost(c, err));
    c.on('end', () => this.lost(c));
    c.on('notification', (n) => {
      // "<seq> <epoch>" from a committed write; anything else means: read the log
      const m = /^(\d{1,15}) ([0-9a-f-]{36})$/.exec(n.payload ?? '');
      void (m ? this.hooks.notified(Number(m[1]), m[2]!) : this.hooks.sync()).catch(() => undefined);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      await c.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      await c.end().catch(() => undefined);
      return;
    }
    this.listener = c;
  }

  private lost(c: pg.Client, err?: Error): void {
    if (this.listener !== c || this.closed) return;
    this.listener = null;
    c.end().catch(() => undefined);
    this.hooks.lost(err ? errMessage(err) : 'connection ended');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer || this.closed) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect().then(
        // notifications sent while we were away are lost: read the log
        () => void this.hooks.sync().catch(() => undefined),
        () => this.scheduleReconnect(),
      );
    }, this.opts.reconnectMs);
    this.reconnectTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const l = this.listener;
    this.listener = null;
    if (l) await l.end().catch(() => undefined);
  }
}
