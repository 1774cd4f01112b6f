// IP lists shared by every node on the database (table node_ip_lists). Each node keeps its copy in its
// IpLists (lookups never wait on the database) and reloads it when another node writes (NOTIFY on our
// own channel), after a reconnect, and whenever a cheap poll sees the table changed.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { errMessage, pg, type PgSettings } from '../../store/postgres/connection.js';
import { NodeError } from '../errors.js';
import type { IpListEntry, IpListInput, IpLists, PreparedEntry } from '../iplists.js';
import type { IpListStore } from '../stores.js';
import { checkout, Coalescer, PolledChannel } from './listener.js';

export const IPLISTS_CHANNEL = 'portcullis_node_iplists';
const PURGE_MS = 60_000;

interface Row {
  id: string;
  ip: string;
  list: string;
  reason: string;
  created_at: string;
  expires_at: string | null;
  application: string | null;
  source: string;
  trigger: string | null;
}

function entryOf(r: Row): IpListEntry {
  const e: IpListEntry = {
    id: r.id,
    ip: r.ip,
    list: r.list as IpListEntry['list'],
    reason: r.reason,
    created_at: Number(r.created_at),
    expires_at: r.expires_at === null ? null : Number(r.expires_at),
    application: r.application,
    source: r.source === 'auto' ? 'auto' : 'manual',
  };
  if (r.trigger) e.trigger = r.trigger;
  return e;
}

const UPSERT = `INSERT INTO node_ip_lists (id, ip, list, reason, created_at, expires_at, application, source, trigger)
  VALUES ($1, $2, $3, coalesce($4::text, ''), $5, $6, $7, $8, $9)
  ON CONFLICT (ip, list, (coalesce(application, ''))) DO UPDATE SET
    reason = coalesce($4::text, node_ip_lists.reason), expires_at = EXCLUDED.expires_at, source = EXCLUDED.source,
    trigger = coalesce(EXCLUDED.trigger, node_ip_lists.trigger), rev = nextval('node_ip_lists_rev_seq')
  RETURNING *`;

export interface PgIpListStoreOptions {
  nodeId: string;
  pollMs: number;
  now: () => number;
  logger: Logger;
}

export class PgIpListStore implements IpListStore {
  private readonly listener: PolledChannel;
  private readonly reload: Coalescer;
  /** (row count, highest rev) of the table when last loaded. */
  private seen = '';
  private purgeTimer: NodeJS.Timeout | null = null;
  private healthy = true;

  constructor(
    private readonly pool: pg.Pool,
    settings: PgSettings,
    private readonly lists: IpLists,
    private readonly opts: PgIpListStoreOptions,
  ) {
    this.reload = new Coalescer(() => this.load());
    this.listener = new PolledChannel(settings, {
      channel: IPLISTS_CHANNEL,
      pollMs: opts.pollMs,
      changed: (why) => void (why === 'poll' ? this.poll() : this.reload.request()).catch((err) => this.failed(err)),
      lost: (err) => this.opts.logger.warn({ err }, 'lost the IP lists change feed; reconnecting'),
    });
  }

  private failed(err: unknown): void {
    if (this.healthy) this.opts.logger.error({ err: errMessage(err) }, 'cannot read the shared IP lists; enforcing the last copy');
    this.healthy = false;
  }

  async open(): Promise<void> {
    await this.reload.request();
    await this.listener.start();
    // a change between the first load and LISTEN would otherwise wait for the poll
    await this.reload.request();
    this.purgeTimer = setInterval(() => void this.purge(), PURGE_MS);
    this.purgeTimer.unref();
  }

  private async load(): Promise<void> {
    // the rows and the table's signature from one snapshot
    const r = await this.pool.query<Row & { n: string; top: string }>(
      `WITH s AS (SELECT count(*) AS n, coalesce(max(rev), 0) AS top FROM node_ip_lists)
       SELECT l.*, s.n, s.top FROM s LEFT JOIN node_ip_lists l ON l.expires_at IS NULL OR l.expires_at > $1`,
      [this.opts.now()],
    );
    this.lists.replaceShared(r.rows.filter((row) => row.id !== null).map(entryOf));
    this.seen = r.rows.length ? `${r.rows[0]!.n}:${r.rows[0]!.top}` : '';
    if (!this.healthy) this.opts.logger.info('shared IP lists readable again');
    this.healthy = true;
  }

  private async signature(): Promise<string> {
    const r = await this.pool.query<{ n: string; top: string }>('SELECT count(*) AS n, coalesce(max(rev), 0) AS top FROM node_ip_lists');
    return `${r.rows[0]!.n}:${r.rows[0]!.top}`;
  }

  private async poll(): Promise<void> {
    if ((await this.signature()) !== this.seen) await this.reload.request();
  }

  private async purge(): Promise<void> {
    try {
      await this.pool.query('DELETE FROM node_ip_lists WHERE expires_at IS NOT NULL AND expires_at <= $1', [this.opts.now()]);
    } catch (err) {
      this.failed(err);
    }
  }

  /** One transaction that ends with a NOTIFY, then our own copy reloaded so the caller reads its write. */
  private async write<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await checkout(this.pool);
    let out: T;
    let broken: Error | undefined;
    try {
      await c.query('BEGIN');
      out = await fn(c);
      await c.query('SELECT pg_notify($1, $2)', [IPLISTS_CHANNEL, this.opts.nodeId]);
      await c.query('COMMIT');
    } catch (err) {
      broken = err as Error;
      await c.query('ROLLBACK').catch(() => undefined);
      throw (err as { code?: string }).code === '23505' ? new NodeError(409, 'an entry for this address, list and application already exists') : err;
    } finally {
      c.release(broken);
    }
    await this.reload.request().catch((err) => this.failed(err));
    return out;
  }

  private upsert(c: pg.ClientBase, p: PreparedEntry, id: string): Promise<pg.QueryResult<Row>> {
    return c.query<Row>(UPSERT, [id, p.ip, p.list, p.reason ?? null, this.opts.now(), p.expires_at, p.application, p.source, p.trigger ?? null]);
  }

  add(entries: PreparedEntry[]): Promise<IpListEntry[]> {
    return this.write(async (c) => {
      const out: IpListEntry[] = [];
      for (const p of entries) out.push(entryOf((await this.upsert(c, p, newId())).rows[0]!));
      return out;
    });
  }

  update(id: string, patch: IpListInput): Promise<IpListEntry | null> {
    return this.write(async (c) => {
      const r = await c.query<Row>('SELECT * FROM node_ip_lists WHERE id = $1 FOR UPDATE', [id]);
      if (!r.rows.length) return null;
      const old = entryOf(r.rows[0]!);
      if (old.expires_at !== null && old.expires_at <= this.opts.now()) return null;
      const e = this.lists.patched(old, patch);
      const u = await c.query<Row>(
        `UPDATE node_ip_lists SET list = $2, reason = $3, expires_at = $4, application = $5, rev = nextval('node_ip_lists_rev_seq')
         WHERE id = $1 RETURNING *`,
        [id, e.list, e.reason, e.expires_at, e.application],
      );
      return entryOf(u.rows[0]!);
    });
  }

  remove(id: string): Promise<boolean> {
    return this.write(async (c) => ((await c.query('DELETE FROM node_ip_lists WHERE id = $1', [id])).rowCount ?? 0) > 0);
  }

  added(entry: IpListEntry): void {
    const p: PreparedEntry = { ip: entry.ip, list: entry.list, reason: entry.reason, expires_at: entry.expires_at, application: entry.application, source: entry.source };
    if (entry.trigger) p.trigger = entry.trigger;
    this.write((c) => this.upsert(c, p, entry.id)).catch((err) => this.opts.logger.error({ err: errMessage(err), ip: entry.ip }, 'cannot share an automatic IP list entry'));
  }

  async close(): Promise<void> {
    if (this.purgeTimer) clearInterval(this.purgeTimer);
    await this.listener.close();
  }
}

function newId(): string {
  return randomBytes(8).toString('hex');
}
