// IP lists (docs/waf.md §4): allow/deny/gray entries for addresses and CIDR blocks, with a reason, a TTL
// (default 1 h, minimum 5 min, or forever) and an optional application scope. Precedence per request is
// allowlist → denylist → graylist; expired entries stop matching at once and are purged lazily.
import { randomBytes } from 'node:crypto';
import { badRequest } from './errors.js';
import { cidrContains, parseCidr, parseIp, type Cidr } from './ip.js';
import { LIST_NAMES, type Clock, type ListName } from './types.js';

export type EntrySource = 'manual' | 'auto' | 'config';

export interface IpListEntry {
  id: string;
  /** Canonical address or CIDR block. */
  ip: string;
  list: ListName;
  reason: string;
  created_at: number;
  /** Epoch ms, or null for forever. */
  expires_at: number | null;
  /** Only requests of this application match; null = every application. */
  application: string | null;
  source: EntrySource;
  /** For automatic entries: the mechanism that listed the address (e.g. "Malicious payload trigger"). */
  trigger?: string;
}

export interface IpListInput {
  /** Address or CIDR block (`subnet` is accepted as an alias). */
  ip?: unknown;
  subnet?: unknown;
  list?: unknown;
  reason?: unknown;
  /** Seconds; 'forever', 0 or null for no expiry; default 3600. */
  ttl?: unknown;
  application?: unknown;
}

export interface IpListOptions {
  defaultTtlS?: number;
  minTtlS?: number;
}

// Wallarm's API names the lists white/black/gray.
const LIST_ALIASES: Record<string, ListName> = {
  allow: 'allow', allowlist: 'allow', white: 'allow', whitelist: 'allow',
  deny: 'deny', denylist: 'deny', black: 'deny', blacklist: 'deny',
  gray: 'gray', graylist: 'gray', grey: 'gray', greylist: 'gray',
};

export function parseListName(v: unknown): ListName | null {
  return typeof v === 'string' ? LIST_ALIASES[v.toLowerCase()] ?? null : null;
}

/** Validated input, before it becomes (or updates) an entry. `reason` undefined = keep the existing one. */
export interface PreparedEntry {
  ip: string;
  list: ListName;
  reason: string | undefined;
  expires_at: number | null;
  application: string | null;
  source: EntrySource;
  trigger?: string;
}

interface Compiled {
  entry: IpListEntry;
  cidr: Cidr;
}

/** One change to the lists, as a replica applies it: entries set by id, ids removed, or every non-config entry swapped. */
export type IpListChange = { put: IpListEntry[] } | { del: string[] } | { reset: IpListEntry[] };

export class IpLists {
  private readonly entries = new Map<string, Compiled>();
  private readonly defaultTtlS: number;
  private readonly minTtlS: number;
  /** Bumped on every change, so callers can cache. */
  version = 0;
  /** Told of every change (a primary's node streams them to its proxy workers' replicas). */
  onChange: ((c: IpListChange) => void) | null = null;

  constructor(private readonly now: Clock = Date.now, opts: IpListOptions = {}) {
    this.defaultTtlS = opts.defaultTtlS ?? 3600;
    this.minTtlS = opts.minTtlS ?? 300;
  }

  /** Validate input (throws a 400 NodeError); nothing changes. */
  prepare(input: IpListInput, source: EntrySource = 'manual', trigger?: string): PreparedEntry {
    const ipText = input.ip ?? input.subnet;
    const cidr = typeof ipText === 'string' ? parseCidr(ipText) : null;
    if (!cidr) throw badRequest(`'ip' must be an IPv4/IPv6 address or CIDR block`, { field: 'ip' });
    const list = parseListName(input.list);
    if (!list) throw badRequest(`'list' must be one of ${LIST_NAMES.join(', ')}`, { field: 'list' });
    if (input.reason != null && typeof input.reason !== 'string') throw badRequest(`'reason' must be a string`, { field: 'reason' });
    if (input.application != null && typeof input.application !== 'string') throw badRequest(`'application' must be a string`, { field: 'application' });
    const p: PreparedEntry = {
      ip: cidr.text,
      list,
      reason: (input.reason as string | null | undefined) ?? undefined,
      expires_at: this.expiry(input.ttl, this.now(), source),
      application: (input.application as string | null | undefined) || null,
      source,
    };
    if (trigger) p.trigger = trigger;
    return p;
  }

  /** Validate input into an entry; same (ip, list, application) replaces the existing entry's reason and TTL. */
  add(input: IpListInput, source: EntrySource = 'manual', trigger?: string): IpListEntry {
    return this.addPrepared(this.prepare(input, source, trigger));
  }

  addPrepared(p: PreparedEntry): IpListEntry {
    for (const c of this.entries.values()) {
      const e = c.entry;
      if (e.ip === p.ip && e.list === p.list && e.application === p.application) {
        e.reason = p.reason ?? e.reason;
        e.expires_at = p.expires_at;
        e.source = p.source;
        if (p.trigger) e.trigger = p.trigger;
        this.version++;
        this.onChange?.({ put: [{ ...e }] });
        return { ...e };
      }
    }
    const entry: IpListEntry = {
      id: randomBytes(8).toString('hex'),
      ip: p.ip,
      list: p.list,
      reason: p.reason ?? '',
      created_at: this.now(),
      expires_at: p.expires_at,
      application: p.application,
      source: p.source,
    };
    if (p.trigger) entry.trigger = p.trigger;
    this.entries.set(entry.id, { entry, cidr: parseCidr(p.ip)! });
    this.version++;
    this.onChange?.({ put: [{ ...entry }] });
    return { ...entry };
  }

  private expiry(ttl: unknown, now: number, source: EntrySource): number | null {
    if (ttl === undefined) return source === 'config' ? null : now + this.defaultTtlS * 1000;
    if (ttl === null || ttl === 'forever' || ttl === 0) return null;
    const n = typeof ttl === 'string' && /^\d+$/.test(ttl) ? Number(ttl) : ttl;
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw badRequest(`'ttl' must be a number of seconds or 'forever'`, { field: 'ttl' });
    if (n < this.minTtlS && source !== 'auto') throw badRequest(`'ttl' must be at least ${this.minTtlS} seconds (or 'forever')`, { field: 'ttl' });
    return now + Math.round(n * 1000);
  }

  update(id: string, patch: IpListInput): IpListEntry | null {
    const c = this.entries.get(id);
    if (!c) return null;
    Object.assign(c.entry, this.patched(c.entry, patch));
    this.version++;
    this.onChange?.({ put: [{ ...c.entry }] });
    return { ...c.entry };
  }

  /** An entry with a patch applied (validated; throws a 400 NodeError); the entry itself is untouched. */
  patched(entry: IpListEntry, patch: IpListInput): IpListEntry {
    const e = { ...entry };
    if (patch.list !== undefined) {
      const list = parseListName(patch.list);
      if (!list) throw badRequest(`'list' must be one of ${LIST_NAMES.join(', ')}`, { field: 'list' });
      e.list = list;
    }
    if (patch.reason !== undefined) {
      if (typeof patch.reason !== 'string') throw badRequest(`'reason' must be a string`, { field: 'reason' });
      e.reason = patch.reason;
    }
    if (patch.ttl !== undefined) e.expires_at = this.expiry(patch.ttl, this.now(), 'manual');
    if (patch.application !== undefined) {
      if (patch.application !== null && typeof patch.application !== 'string') throw badRequest(`'application' must be a string`, { field: 'application' });
      e.application = (patch.application as string | null) || null;
    }
    return e;
  }

  remove(id: string): boolean {
    const ok = this.entries.delete(id);
    if (ok) {
      this.version++;
      this.onChange?.({ del: [id] });
    }
    return ok;
  }

  /** Set an entry as another node's copy has it (id, source and expiry kept); it replaces one for the same ip, list and application. */
  put(e: IpListEntry): void {
    const cidr = parseCidr(e.ip);
    if (!cidr) return;
    for (const [id, c] of this.entries) {
      if (id !== e.id && c.entry.ip === cidr.text && c.entry.list === e.list && c.entry.application === e.application) this.entries.delete(id);
    }
    this.entries.set(e.id, { entry: { ...e, ip: cidr.text }, cidr });
    this.version++;
  }

  get(id: string): IpListEntry | null {
    const c = this.entries.get(id);
    if (!c || this.expired(c.entry, this.now())) return null;
    return { ...c.entry };
  }

  private expired(e: IpListEntry, now: number): boolean {
    return e.expires_at !== null && e.expires_at <= now;
  }

  /** Drop expired entries; returns how many went. */
  purge(): number {
    const now = this.now();
    const gone: string[] = [];
    for (const [id, c] of this.entries) if (this.expired(c.entry, now)) { this.entries.delete(id); gone.push(id); }
    if (gone.length) {
      this.version++;
      this.onChange?.({ del: gone });
    }
    return gone.length;
  }

  list(filter: { list?: ListName; ip?: string; application?: string; source?: EntrySource } = {}): IpListEntry[] {
    this.purge();
    const ip = filter.ip ? parseIp(filter.ip) : null;
    const fc = filter.ip && !ip ? parseCidr(filter.ip) : null;
    const out: IpListEntry[] = [];
    for (const c of this.entries.values()) {
      const e = c.entry;
      if (filter.list && e.list !== filter.list) continue;
      if (filter.source && e.source !== filter.source) continue;
      if (filter.application && e.application !== null && e.application !== filter.application) continue;
      if (ip && !cidrContains(c.cidr, ip)) continue;
      if (filter.ip && !ip && (!fc || fc.text !== e.ip)) continue;
      out.push({ ...e });
    }
    return out.sort((a, b) => a.created_at - b.created_at);
  }

  /** The entry deciding this source: allowlist, then denylist, then graylist; null when unlisted. */
  lookup(ipText: string | null | undefined, application: string | null = null): IpListEntry | null {
    if (!ipText || this.entries.size === 0) return null;
    const ip = parseIp(ipText);
    if (!ip) return null;
    const now = this.now();
    let deny: IpListEntry | null = null;
    let gray: IpListEntry | null = null;
    for (const c of this.entries.values()) {
      const e = c.entry;
      if (this.expired(e, now)) continue;
      if (e.application !== null && e.application !== application) continue;
      if (!cidrContains(c.cidr, ip)) continue;
      if (e.list === 'allow') return e;
      if (e.list === 'deny') deny ??= e;
      else gray ??= e;
    }
    return deny ?? gray;
  }

  /** Non-expired entries for persistence. */
  snapshot(source?: EntrySource): IpListEntry[] {
    const now = this.now();
    const out: IpListEntry[] = [];
    for (const c of this.entries.values()) {
      if (this.expired(c.entry, now)) continue;
      if (source && c.entry.source !== source) continue;
      out.push({ ...c.entry });
    }
    return out;
  }

  /** Load persisted entries as they were (ids and expiry kept); bad ones are skipped. */
  restore(entries: unknown): number {
    const added = this.restoreEntries(entries);
    if (added.length) this.onChange?.({ put: added });
    return added.length;
  }

  private restoreEntries(entries: unknown): IpListEntry[] {
    const added: IpListEntry[] = [];
    if (!Array.isArray(entries)) return added;
    const now = this.now();
    for (const raw of entries) {
      const e = raw as IpListEntry;
      const cidr = typeof e?.ip === 'string' ? parseCidr(e.ip) : null;
      const list = parseListName(e?.list);
      if (!cidr || !list || typeof e.id !== 'string') continue;
      const expires = typeof e.expires_at === 'number' ? e.expires_at : null;
      if (expires !== null && expires <= now) continue;
      const entry: IpListEntry = {
        id: e.id, ip: cidr.text, list, reason: typeof e.reason === 'string' ? e.reason : '',
        created_at: typeof e.created_at === 'number' ? e.created_at : now, expires_at: expires,
        application: typeof e.application === 'string' ? e.application : null,
        source: e.source === 'auto' ? 'auto' : 'manual',
      };
      if (typeof e.trigger === 'string') entry.trigger = e.trigger;
      this.entries.set(entry.id, { entry, cidr });
      added.push({ ...entry });
    }
    if (added.length) this.version++;
    return added;
  }

  /**
   * Swap every entry not from the config file for these (the shared lists as the database holds them),
   * in one step: a lookup sees either the old set or the new one.
   */
  replaceShared(entries: IpListEntry[]): void {
    const config = [...this.entries].filter(([, c]) => c.entry.source === 'config');
    this.entries.clear();
    for (const [id, c] of config) this.entries.set(id, c);
    const shared = this.restoreEntries(entries);
    this.version++;
    this.onChange?.({ reset: shared });
  }

  counts(): Record<ListName, number> {
    const now = this.now();
    const out: Record<ListName, number> = { allow: 0, deny: 0, gray: 0 };
    for (const c of this.entries.values()) if (!this.expired(c.entry, now)) out[c.entry.list]++;
    return out;
  }
}
