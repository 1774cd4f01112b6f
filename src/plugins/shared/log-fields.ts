// Fields every logging plugin shares.
import type { Field } from '../../store/schema/index.js';
import type { PdkLogger } from '../../pdk/index.js';

/** typedefs.lua_code: accepted and stored; Portcullis has no Lua sandbox, so the fields are not added. */
export const custom_fields_by_lua: Field = { type: 'map', keys: { type: 'string', len_min: 1 }, values: { type: 'string', len_min: 1 } };

/** Warn once per configuration object that custom_fields_by_lua is ignored. */
export function warnCustomFields(seen: WeakSet<object>, conf: { custom_fields_by_lua?: unknown }, logger: PdkLogger, plugin: string): void {
  if (!conf.custom_fields_by_lua || seen.has(conf)) return;
  if (typeof conf.custom_fields_by_lua === 'object' && Object.keys(conf.custom_fields_by_lua as object).length === 0) return;
  seen.add(conf);
  logger.warn({ plugin }, 'custom_fields_by_lua is not supported (no Lua sandbox); the fields are ignored');
}
