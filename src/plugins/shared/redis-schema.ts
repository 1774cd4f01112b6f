// The `redis` config record shared by Kong's plugins (kong/tools/redis/schema.lua).
import type { Field } from '../../store/schema/index.js';
import { host, port, timeout } from '../../store/schema/typedefs.js';

export const redisConfigSchema: Field = {
  type: 'record',
  fields: [
    { host },
    { port: { ...port, default: 6379 } },
    { timeout: { ...timeout, default: 2000 } },
    { username: { type: 'string' } },
    { password: { type: 'string', len_min: 0, encrypted: true } },
    { database: { type: 'integer', default: 0 } },
    { ssl: { type: 'boolean', default: false } },
    { ssl_verify: { type: 'boolean', default: false } },
    { server_name: { type: 'string' } },
  ],
};

/** Legacy `redis_<field>` config shorthands, moved into `redis.<field>` (removed in Kong 4.0). */
export function redisShorthands(config: Record<string, any>, fields: string[]): Record<string, any> {
  let out = config;
  for (const f of fields) {
    const legacy = `redis_${f}`;
    if (!(legacy in config)) continue;
    if (out === config) out = { ...config };
    const v = out[legacy];
    delete out[legacy];
    if (v === undefined) continue;
    const redis = out.redis && typeof out.redis === 'object' && !Array.isArray(out.redis) ? { ...out.redis } : {};
    redis[f] = v;
    out.redis = redis;
  }
  return out;
}

/** Kong's `conditional ... then_match required` check: an @entity line plus the field error. */
export function conditionalRequired(ifField: string, path: string[], present: boolean): Record<string, unknown> | undefined {
  if (present) return undefined;
  let leaf: Record<string, unknown> | string = 'required field missing';
  for (let i = path.length - 1; i >= 0; i--) leaf = { [path[i]!]: leaf };
  return { '@entity': [`failed conditional validation given value of field '${ifField}'`], ...(leaf as Record<string, unknown>) };
}
