// basic-auth (kong/plugins/basic-auth/schema.lua)
import type { PluginSchemaDef } from '../../store/schema/index.js';
import { protocols_http } from '../../store/schema/typedefs.js';

export const schema: PluginSchemaDef = {
  name: 'basic-auth',
  no_consumer: true,
  protocols: protocols_http,
  config: {
    type: 'record',
    fields: [
      { anonymous: { type: 'string' } },
      { hide_credentials: { type: 'boolean', required: true, default: false } },
      { realm: { type: 'string', required: true, default: 'service' } },
    ],
  },
};
