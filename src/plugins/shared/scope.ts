// Which plugin row a configuration object belongs to. Kong hands plugins `conf.route_id`,
// `conf.service_id` and `conf.__plugin_id` (plugins_iterator.lua); the pipeline here passes the
// stored config object itself, so the row is found once by identity and remembered.
import type { PdkStore } from '../../pdk/index.js';

export interface PluginScope {
  id: string;
  route_id: string | null;
  service_id: string | null;
  consumer_id: string | null;
}

const NONE: PluginScope = { id: '', route_id: null, service_id: null, consumer_id: null };

/** One per handler instance (per gateway): config object -> its plugin row's scope. */
export class ScopeResolver {
  private readonly cache = new WeakMap<object, PluginScope>();
  constructor(
    private readonly store: PdkStore,
    private readonly name: string,
  ) {}

  of(conf: object): PluginScope {
    let s = this.cache.get(conf);
    if (s) return s;
    const row = this.store.find('plugins', 'name', this.name).find((r) => r.config === conf);
    s = row
      ? { id: row.id, route_id: row.route?.id ?? null, service_id: row.service?.id ?? null, consumer_id: row.consumer?.id ?? null }
      : NONE;
    this.cache.set(conf, s);
    return s;
  }
}
