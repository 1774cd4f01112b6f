// response-ratelimiting config (kong/plugins/response-ratelimiting/schema.lua, Kong 3.10)
import type { PluginSchemaDef } from '../../store/schema/index.js';
import { protocols_http } from '../../store/schema/typedefs.js';
import { mergeErrors } from '../../store/schema/validate.js';
import { conditionalRequired, redisConfigSchema, redisShorthands } from '../shared/redis-schema.js';
import { PERIODS } from '../rate-limiting/schema.js';

const limit = { type: 'number' as const, gt: 0 };

/** Lua's "%.1f". */
function f1(n: number): string {
  return n.toFixed(1);
}

function validatePeriodsOrder(l: Record<string, unknown>): string | undefined {
  for (let i = 0; i < PERIODS.length; i++) {
    const v1 = l[PERIODS[i]!];
    if (typeof v1 !== 'number') continue;
    for (let j = i + 1; j < PERIODS.length; j++) {
      const v2 = l[PERIODS[j]!];
      if (typeof v2 === 'number' && v2 < v1) return `the limit for ${PERIODS[j]}(${f1(v2)}) cannot be lower than the limit for ${PERIODS[i]}(${f1(v1)})`;
    }
  }
  return undefined;
}

export const schema: PluginSchemaDef = {
  name: 'response-ratelimiting',
  protocols: protocols_http,
  config: {
    type: 'record',
    fields: [
      { header_name: { type: 'string', default: 'x-kong-limit' } },
      { limit_by: { type: 'string', default: 'consumer', one_of: ['consumer', 'credential', 'ip'] } },
      { policy: { type: 'string', default: 'local', len_min: 0, one_of: ['local', 'cluster', 'redis'] } },
      { fault_tolerant: { type: 'boolean', required: true, default: true } },
      { redis: redisConfigSchema },
      { block_on_first_violation: { type: 'boolean', required: true, default: false } },
      { hide_client_headers: { type: 'boolean', required: true, default: false } },
      {
        limits: {
          type: 'map',
          required: true,
          keys: { type: 'string' },
          values: {
            type: 'record',
            required: true,
            fields: [{ second: limit }, { minute: limit }, { hour: limit }, { day: limit }, { month: limit }, { year: limit }],
            custom: validatePeriodsOrder,
          },
          // len_min = 1 (Kong counts a map's keys)
          custom: (m: Record<string, unknown>) => (Object.keys(m).length < 1 ? 'length must be at least 1' : undefined),
        },
      },
    ],
  },
  shorthand: (config) =>
    redisShorthands(config, ['host', 'port', 'password', 'username', 'ssl', 'ssl_verify', 'server_name', 'timeout', 'database']),
  entity_checks: [
    (e, ctx) => {
      const c = e.config ?? {};
      // DB-less Kong offers no cluster policy (schema.lua is_dbless: one_of local, redis)
      if (c.policy === 'cluster' && (ctx as { database?: string }).database === 'off') {
        return { config: { policy: 'expected one of: local, redis' } };
      }
      const errors: Record<string, unknown> = {};
      // the limit records' own entity check: at_least_one_of the periods
      for (const [name, l] of Object.entries((c.limits ?? {}) as Record<string, Record<string, unknown>>)) {
        if (PERIODS.some((p) => l?.[p] !== null && l?.[p] !== undefined)) continue;
        const msg = `at least one of these fields must be non-empty: ${PERIODS.map((p) => `'${p}'`).join(', ')}`;
        mergeErrors(errors, { config: { limits: { [name]: { '@entity': [msg] } } } });
      }
      if (c.policy === 'redis') {
        for (const f of ['host', 'port', 'timeout']) {
          const r = conditionalRequired('config.policy', ['config', 'redis', f], c.redis?.[f] !== null && c.redis?.[f] !== undefined);
          if (r) mergeErrors(errors, r);
        }
      }
      if (Array.isArray(errors['@entity'])) errors['@entity'] = [...new Set(errors['@entity'] as string[])];
      return Object.keys(errors).length ? errors : undefined;
    },
  ],
};
