// correlation-id (kong/plugins/correlation-id/schema.lua)
import type { PluginSchemaDef } from '../../store/schema/index.js';
import { protocols_http } from '../../store/schema/typedefs.js';

export const schema: PluginSchemaDef = {
  name: 'correlation-id',
  protocols: protocols_http,
  config: {
    type: 'record',
    fields: [
      { header_name: { type: 'string', default: 'Kong-Request-ID' } },
      { generator: { type: 'string', required: true, default: 'uuid#counter', one_of: ['uuid', 'uuid#counter', 'tracker'] } },
      { echo_downstream: { type: 'boolean', required: true, default: false } },
    ],
  },
};
