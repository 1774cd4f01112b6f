// request-size-limiting (kong/plugins/request-size-limiting/schema.lua)
import type { PluginSchemaDef } from '../../store/schema/index.js';
import { protocols_http } from '../../store/schema/typedefs.js';

export const SIZE_UNITS = ['megabytes', 'kilobytes', 'bytes'];

export const schema: PluginSchemaDef = {
  name: 'request-size-limiting',
  protocols: protocols_http,
  config: {
    type: 'record',
    fields: [
      { allowed_payload_size: { type: 'integer', default: 128 } },
      { size_unit: { type: 'string', required: true, default: 'megabytes', one_of: SIZE_UNITS } },
      { require_content_length: { type: 'boolean', required: true, default: false } },
    ],
  },
};
