// udp-log config (kong/plugins/udp-log/schema.lua)
import type { PluginSchemaDef } from '../../store/schema/index.js';
import { host, port } from '../../store/schema/typedefs.js';
import { custom_fields_by_lua } from '../shared/log-fields.js';

export const schema: PluginSchemaDef = {
  name: 'udp-log',
  config: {
    type: 'record',
    fields: [
      { host: { ...host, required: true } },
      { port: { ...port, required: true } },
      { timeout: { type: 'number', default: 10000 } },
      { custom_fields_by_lua },
    ],
  },
};
