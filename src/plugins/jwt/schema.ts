// jwt (kong/plugins/jwt/schema.lua)
import type { PluginSchemaDef } from '../../store/schema/index.js';
import { protocols_http } from '../../store/schema/typedefs.js';
import { conditional } from '../shared/checks.js';

export const schema: PluginSchemaDef = {
  name: 'jwt',
  no_consumer: true,
  protocols: protocols_http,
  config: {
    type: 'record',
    fields: [
      { uri_param_names: { type: 'set', elements: { type: 'string' }, default: ['jwt'] } },
      { cookie_names: { type: 'set', elements: { type: 'string' }, default: [] } },
      { key_claim_name: { type: 'string', default: 'iss' } },
      { secret_is_base64: { type: 'boolean', required: true, default: false } },
      { claims_to_verify: { type: 'set', elements: { type: 'string', one_of: ['exp', 'nbf'] } } },
      { anonymous: { type: 'string' } },
      { run_on_preflight: { type: 'boolean', required: true, default: true } },
      { maximum_expiration: { type: 'number', default: 0, between: [0, 31536000] } },
      { header_names: { type: 'set', elements: { type: 'string' }, default: ['authorization'] } },
      { realm: { type: 'string', required: false } },
    ],
  },
  entity_checks: [
    conditional(
      'config.maximum_expiration',
      (v) => typeof v === 'number' && v > 0,
      'config.claims_to_verify',
      (v) => (Array.isArray(v) && v.includes('exp') ? undefined : 'expected to contain: exp'),
    ),
  ],
};
