// file-log config (kong/plugins/file-log/schema.lua)
import type { PluginSchemaDef } from '../../store/schema/index.js';
import { custom_fields_by_lua } from '../shared/log-fields.js';

export const schema: PluginSchemaDef = {
  name: 'file-log',
  config: {
    type: 'record',
    fields: [
      { path: { type: 'string', required: true, custom: (v: string) => (/^[^*&%\\`]+$/.test(v) ? undefined : 'not a valid filename') } },
      { reopen: { type: 'boolean', required: true, default: false } },
      { custom_fields_by_lua },
    ],
  },
};
