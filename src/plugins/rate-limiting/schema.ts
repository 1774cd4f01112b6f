// rate-limiting config (kong/plugins/rate-limiting/schema.lua, Kong 3.10)
import type { PluginSchemaDef } from '../../store/schema/index.js';
import { header_name, path, protocols_http } from '../../store/schema/typedefs.js';
import { conditionalRequired, redisConfigSchema, redisShorthands } from '../shared/redis-schema.js';
import { mergeErrors } from '../../store/schema/validate.js';

export const PERIODS = ['second', 'minute', 'hour', 'day', 'month', 'year'] as const;
export type Period = (typeof PERIODS)[number];

const limit = { type: 'number' as const, gt: 0 };

/** Lua's "%.1f". */
function f1(n: number): string {
  return n.toFixed(1);
}

function validatePeriodsOrder(c: Record<string, any>): string | undefined {
  for (let i = 0; i < PERIODS.length; i++) {
    const v1 = c[PERIODS[i]!];
    if (typeof v1 !== 'number') continue;
    for (let j = i + 1; j < PERIODS.length; j++) {
      const v2 = c[PERIODS[j]!];
      if (typeof v2 === 'number' && v2 < v1) {
        return `The limit for ${PERIODS[j]}(${f1(v2)}) cannot be lower than the limit for ${PERIODS[i]}(${f1(v1)})`;
      }
    }
  }
  if (c.policy !== 'redis' && c.sync_rate !== -1) return 'sync_rate can only be used with the redis policy';
  if (c.policy === 'redis' && c.sync_rate !== -1 && c.sync_rate < 0.02) return 'sync_rate must be greater than 0.02, or -1 to disable';
  return undefined;
}

export const schema: PluginSchemaDef = {
  name: 'rate-limiting',
  protocols: protocols_http,
  config: {
    type: 'record',
    fields: [
      { second: limit },
      { minute: limit },
      { hour: limit },
      { day: limit },
      { month: limit },
      { year: limit },
      { limit_by: { type: 'string', default: 'consumer', one_of: ['consumer', 'credential', 'ip', 'service', 'header', 'path'] } },
      { header_name },
      { path },
      { policy: { type: 'string', default: 'local', len_min: 0, one_of: ['local', 'cluster', 'redis'] } },
      { fault_tolerant: { type: 'boolean', required: true, default: true } },
      { redis: redisConfigSchema },
      { hide_client_headers: { type: 'boolean', required: true, default: false } },
      { error_code: { type: 'number', default: 429, gt: 0 } },
      { error_message: { type: 'string', default: 'API rate limit exceeded' } },
      { sync_rate: { type: 'number', required: true, default: -1 } },
    ],
  },
  shorthand: (config) =>
    redisShorthands(config, ['host', 'port', 'password', 'username', 'ssl', 'ssl_verify', 'server_name', 'timeout', 'database']),
  entity_checks: [
    (e, ctx) => {
      const c = e.config ?? {};
      const errors: Record<string, unknown> = {};
      // DB-less Kong offers no cluster policy (schema.lua is_dbless: one_of local, redis)
      if (c.policy === 'cluster' && (ctx as { database?: string }).database === 'off') {
        return { config: { policy: 'expected one of: local, redis' } };
      }
      const order = validatePeriodsOrder(c);
      if (order) errors.config = order;
      if (!PERIODS.some((p) => c[p] !== null && c[p] !== undefined)) {
        mergeErrors(errors, { '@entity': [`at least one of these fields must be non-empty: ${PERIODS.map((p) => `'config.${p}'`).join(', ')}`] });
      }
      if (c.policy === 'redis') {
        for (const f of ['host', 'port', 'timeout']) {
          const r = conditionalRequired('config.policy', ['config', 'redis', f], c.redis?.[f] !== null && c.redis?.[f] !== undefined);
          if (r && typeof errors.config !== 'string') mergeErrors(errors, r);
        }
      }
      if (c.limit_by === 'header') {
        const r = conditionalRequired('config.limit_by', ['config', 'header_name'], c.header_name != null);
        if (r && typeof errors.config !== 'string') mergeErrors(errors, r);
      }
      if (c.limit_by === 'path') {
        const r = conditionalRequired('config.limit_by', ['config', 'path'], c.path != null);
        if (r && typeof errors.config !== 'string') mergeErrors(errors, r);
      }
      if (Array.isArray(errors['@entity'])) errors['@entity'] = [...new Set(errors['@entity'] as string[])];
      return Object.keys(errors).length ? errors : undefined;
    },
  ],
};
