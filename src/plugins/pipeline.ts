// The plugin pipeline: Kong's phases, priorities and scoping. Computed once per configuration
// change (plugins sorted, instances indexed by scope); per request only lookups happen.
import type { RequestContext } from '../pdk/context.js';
import { createKong, type PluginEnv } from '../pdk/index.js';
import type { PluginRegistry } from './registry.js';
import type { PluginDefinition, PluginHandler } from './types.js';

interface PluginRow {
  id: string;
  name: string;
  config: Record<string, unknown>;
  enabled: boolean;
  route: { id: string } | null;
  service: { id: string } | null;
  consumer: { id: string } | null;
}

interface Entry {
  def: PluginDefinition;
  handler: PluginHandler;
  /** scope key "route|service|consumer" -> config */
  instances: Map<string, PluginRow>;
  noConsumer: boolean;
  hasGlobal: boolean;
}

interface Collected {
  entry: Entry;
  conf: Record<string, unknown>;
  row: PluginRow;
}

const COLLECTED = Symbol('collected');
type CtxWithPlugins = RequestContext & { [COLLECTED]?: Collected[] };

/** Handlers instantiated once per gateway (factories hold per-gateway state). */
export class HandlerCache {
  private readonly handlers = new Map<string, PluginHandler>();
  constructor(private readonly env: PluginEnv) {}

  get(def: PluginDefinition): PluginHandler {
    let h = this.handlers.get(def.name);
    if (!h) {
      h = typeof def.handler === 'function' ? def.handler(this.env) : def.handler;
      this.handlers.set(def.name, h);
    }
    return h;
  }

  /** Admin routes of every enabled plugin that declares some. */
  adminRoutes(defs: PluginDefinition[]): Array<{ path: string; get: () => unknown }> {
    const out: Array<{ path: string; get: () => unknown }> = [];
    for (const d of defs) if (d.adminRoutes) out.push(...d.adminRoutes(this.env, this.get(d)));
    return out;
  }

  async close(): Promise<void> {
    for (const h of this.handlers.values()) await h.close?.();
  }
}

function scopeKey(route: string | null, service: string | null, consumer: string | null): string {
  return `${route ?? ''}|${service ?? ''}|${consumer ?? ''}`;
}

export class Pipeline {
  readonly active: boolean;
  private readonly entries: Entry[];

  constructor(
    rows: PluginRow[],
    registry: PluginRegistry,
    handlers: HandlerCache,
    private readonly env: PluginEnv,
  ) {
    const byName = new Map<string, Entry>();
    for (const row of rows) {
      if (!row.enabled) continue;
      const def = registry.definition(row.name);
      if (!def) continue;
      let e = byName.get(row.name);
      if (!e) {
        e = { def, handler: handlers.get(def), instances: new Map(), noConsumer: def.schema.no_consumer === true, hasGlobal: false };
        byName.set(row.name, e);
      }
      const key = scopeKey(row.route?.id ?? null, row.service?.id ?? null, row.consumer?.id ?? null);
      e.instances.set(key, row);
      if (key === '||') e.hasGlobal = true;
    }
    // descending PRIORITY; equal priorities by name, descending (kong/db/dao/plugins.lua)
    this.entries = [...byName.values()].sort((a, b) => b.def.priority - a.def.priority || (a.def.name < b.def.name ? 1 : a.def.name > b.def.name ? -1 : 0));
    this.active = this.entries.length > 0;
  }

  /** Kong's lookup order: the most specific enabled instance wins (kong/runloop/plugins_iterator.lua). */
  private lookup(e: Entry, ctx: RequestContext): PluginRow | undefined {
    const r = ctx.route?.id ?? null;
    const s = ctx.service?.id ?? null;
    const c = e.noConsumer ? null : (ctx.consumer?.id ?? null);
    const m = e.instances;
    if (c) {
      if (r && s) {
        const x = m.get(scopeKey(r, s, c));
        if (x) return x;
      }
      if (r) {
        const x = m.get(scopeKey(r, null, c));
        if (x) return x;
      }
      if (s) {
        const x = m.get(scopeKey(null, s, c));
        if (x) return x;
      }
    }
    if (r && s) {
      const x = m.get(scopeKey(r, s, null));
      if (x) return x;
    }
    if (c) {
      const x = m.get(scopeKey(null, null, c));
      if (x) return x;
    }
    if (r) {
      const x = m.get(scopeKey(r, null, null));
      if (x) return x;
    }
    if (s) {
      const x = m.get(scopeKey(null, s, null));
      if (x) return x;
    }
    return m.get('||');
  }

  /** rewrite (global plugins) then access, collecting one configuration per plugin in priority order. */
  async access(ctx: RequestContext): Promise<void> {
    const collected: Collected[] = [];
    (ctx as CtxWithPlugins)[COLLECTED] = collected;
    for (const e of this.entries) {
      if (!e.handler.rewrite || !e.hasGlobal) continue;
      const row = e.instances.get('||')!;
      await e.handler.rewrite(createKong(ctx, e.def.name, this.env), row.config);
      if (ctx.exit) break;
    }
    for (const e of this.entries) {
      // configurations are resolved lazily, so consumer scopes see the consumer set by earlier auth plugins
      const row = this.lookup(e, ctx);
      if (!row) continue;
      collected.push({ entry: e, conf: row.config, row });
      if (ctx.exit || !e.handler.access) continue;
      const r = e.handler.access(createKong(ctx, e.def.name, this.env), row.config);
      if (r && typeof (r as Promise<unknown>).then === 'function') await r;
    }
  }

  private collected(ctx: RequestContext): Collected[] {
    const c = (ctx as CtxWithPlugins)[COLLECTED];
    if (c) return c;
    // requests answered before access (no route, bad request): global plugins still log them
    const globals: Collected[] = [];
    for (const e of this.entries) {
      const row = e.instances.get('||');
      if (row) globals.push({ entry: e, conf: row.config, row });
    }
    (ctx as CtxWithPlugins)[COLLECTED] = globals;
    return globals;
  }

  wantsResponseBody(ctx: RequestContext): boolean {
    return this.collected(ctx).some((c) => c.entry.handler.body_filter !== undefined);
  }

  headerFilter(ctx: RequestContext): void {
    for (const c of this.collected(ctx)) {
      if (!c.entry.handler.header_filter) continue;
      c.entry.handler.header_filter(createKong(ctx, c.entry.def.name, this.env), c.conf);
    }
  }

  bodyFilter(ctx: RequestContext): void {
    for (const c of this.collected(ctx)) {
      if (!c.entry.handler.body_filter) continue;
      c.entry.handler.body_filter(createKong(ctx, c.entry.def.name, this.env), c.conf);
    }
  }

  log(ctx: RequestContext): void {
    for (const c of this.collected(ctx)) {
      if (!c.entry.handler.log) continue;
      try {
        const r = c.entry.handler.log(createKong(ctx, c.entry.def.name, this.env), c.conf);
        if (r && typeof (r as Promise<unknown>).then === 'function') {
          (r as Promise<unknown>).catch((err) => this.env.logger.error({ err, plugin: c.entry.def.name }, 'log phase failed'));
        }
      } catch (err) {
        this.env.logger.error({ err, plugin: c.entry.def.name }, 'log phase failed');
      }
    }
  }
}
