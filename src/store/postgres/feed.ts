// When a node looks at the change log: on each NOTIFY, every db_update_frequency seconds as a safety
// net, and right after its LISTEN connection comes back. What it does then is the backend's sync().
import type { PgSettings } from './connection.js';
import { ChannelListener } from './listener.js';

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
  private readonly listener: ChannelListener;
  private pollTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    settings: PgSettings,
    private readonly hooks: FeedHooks,
    private readonly opts: { pollMs: number; reconnectMs: number },
  ) {
    this.listener = new ChannelListener(
      settings,
      CHANNEL,
      {
        notified: (payload) => {
          // "<seq> <epoch>" from a committed write; anything else means: read the log
          const m = /^(\d{1,15}) ([0-9a-f-]{36})$/.exec(payload ?? '');
          void (m ? this.hooks.notified(Number(m[1]), m[2]!) : this.hooks.sync()).catch(() => undefined);
        },
        // notifications sent while we were away are lost: read the log
        reconnected: () => void this.hooks.sync().catch(() => undefined),
        lost: (err) => this.hooks.lost(err),
      },
      opts.reconnectMs,
    );
  }

  async start(): Promise<void> {
    await this.listener.connect();
    // changes committed between the caller's snapshot and LISTEN were announced to nobody
    await this.hooks.sync().catch(() => undefined);
    this.pollTimer = setInterval(() => {
      if (this.closed) return;
      void this.hooks.sync().then(() => this.hooks.tick()).catch(() => undefined);
    }, this.opts.pollMs);
    this.pollTimer.unref();
  }

  get listening(): boolean {
    return this.listener.listening;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    await this.listener.close();
  }
}
