// hmac-auth config (kong/plugins/hmac-auth/schema.lua, Kong 3.10)
import type { PluginSchemaDef } from '../../store/schema/index.js';
import { protocols_http } from '../../store/schema/typedefs.js';

export const ALGORITHMS = ['hmac-sha1', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512'];

export const schema: PluginSchemaDef = {
  name: 'hmac-auth',
  no_consumer: true,
  protocols: protocols_http,
  config: {
    type: 'record',
    fields: [
      { hide_credentials: { type: 'boolean', required: true, default: false } },
      { clock_skew: { type: 'number', default: 300, gt: 0 } },
      { anonymous: { type: 'string' } },
      { validate_request_body: { type: 'boolean', required: true, default: false } },
      { enforce_headers: { type: 'array', elements: { type: 'string' }, default: [] } },
      { algorithms: { type: 'array', elements: { type: 'string', one_of: ALGORITHMS }, default: ALGORITHMS } },
      { realm: { type: 'string' } },
    ],
  },
};
