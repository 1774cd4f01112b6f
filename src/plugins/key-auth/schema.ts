import type { PluginSchemaDef } from '../../store/schema/index.js';
import { header_name } from '../../store/schema/typedefs.js';

export const schema: PluginSchemaDef = {
  name: 'key-auth',
  no_consumer: true,
  config: {
    type: 'record',
    fields: [
      { key_names: { type: 'array', required: true, default: ['apikey'], elements: { ...header_name, required: true } } },
      { hide_credentials: { type: 'boolean', required: true, default: false } },
      { anonymous: { type: 'string' } },
      { key_in_header: { type: 'boolean', required: true, default: true } },
      { key_in_query: { type: 'boolean', required: true, default: true } },
      { key_in_body: { type: 'boolean', required: true, default: false } },
      { run_on_preflight: { type: 'boolean', required: true, default: true } },
      { realm: { type: 'string' } },
    ],
  },
};
