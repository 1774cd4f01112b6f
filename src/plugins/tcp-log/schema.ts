// tcp-log config (kong/plugins/tcp-log/schema.lua)
import type { PluginSchemaDef } from '../../store/schema/index.js';
import { host, port } from '../../store/schema/typedefs.js';
import { custom_fields_by_lua } from '../shared/log-fields.js';

export const schema: PluginSchemaDef = {
  name: 'tcp-log',
  config: {
    type: 'record',
    fields: [
      { host: { ...host, required: true } },
      { port: { ...port, required: true } },
      { timeout: { type: 'number', default: 10000 } },
      { keepalive: { type: 'number', default: 60000 } },
      { tls: { type: 'boolean', required: true, default: false } },
      { tls_sni: { type: 'string' } },
      { custom_fields_by_lua },
    ],
  },
};
