// cors (kong/plugins/cors/schema.lua)
import type { PluginSchemaDef } from '../../store/schema/index.js';
import { protocols_http } from '../../store/schema/typedefs.js';
import { isRegex } from '../shared/regex.js';

export const METHODS = ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'];

export const schema: PluginSchemaDef = {
  name: 'cors',
  no_consumer: true,
  protocols: protocols_http,
  config: {
    type: 'record',
    fields: [
      { origins: { type: 'array', elements: { type: 'string', custom: (v: string) => (v === '*' || isRegex(v) ? undefined : `'${v}' is not a valid regex`) } } },
      { headers: { type: 'array', elements: { type: 'string' } } },
      { exposed_headers: { type: 'array', elements: { type: 'string' } } },
      { methods: { type: 'array', default: METHODS, elements: { type: 'string', one_of: METHODS } } },
      { max_age: { type: 'number' } },
      { credentials: { type: 'boolean', required: true, default: false } },
      { private_network: { type: 'boolean', required: true, default: false } },
      { preflight_continue: { type: 'boolean', required: true, default: false } },
      { allow_origin_absent: { type: 'boolean', required: true, default: true } },
    ],
  },
};
