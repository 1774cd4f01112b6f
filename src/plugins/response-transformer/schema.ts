// response-transformer config (kong/plugins/response-transformer/schema.lua)
import type { Field, PluginSchemaDef } from '../../store/schema/index.js';

const HEADER_NAME = /^[A-Za-z0-9_-]+$/;
const colonPair = (v: string) => (/^[^:]+:.*$/s.test(v) ? undefined : `invalid value: ${v}`);
const strings: Field = { type: 'array', default: [], required: true, elements: { type: 'string' } };
const colonStrings: Field = { type: 'array', default: [], required: true, elements: { type: 'string', custom: colonPair } };
const colonHeaders: Field = {
  type: 'array',
  default: [],
  required: true,
  elements: {
    type: 'string',
    custom: (v: string) => {
      const bad = colonPair(v);
      if (bad) return bad;
      const [name, value] = [v.slice(0, v.indexOf(':')), v.slice(v.indexOf(':') + 1)];
      if (!HEADER_NAME.test(name)) return `'${name}' is not a valid header`;
      if (!HEADER_NAME.test(value)) return `'${value}' is not a valid header`;
      return undefined;
    },
  },
};
const jsonTypes: Field = { type: 'array', default: [], required: true, elements: { type: 'string', one_of: ['boolean', 'number', 'string'] } };

const rec = (fields: Field['fields']): Field => ({ type: 'record', required: true, fields });

export const schema: PluginSchemaDef = {
  name: 'response-transformer',
  config: {
    type: 'record',
    fields: [
      { remove: rec([{ json: strings }, { headers: strings }]) },
      { rename: rec([{ headers: colonHeaders }, { json: colonStrings }]) },
      { replace: rec([{ json: colonStrings }, { json_types: jsonTypes }, { headers: colonStrings }]) },
      { add: rec([{ json: colonStrings }, { json_types: jsonTypes }, { headers: colonStrings }]) },
      { append: rec([{ json: colonStrings }, { json_types: jsonTypes }, { headers: colonStrings }]) },
    ],
  },
};
