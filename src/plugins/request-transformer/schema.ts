// request-transformer config (kong/plugins/request-transformer/schema.lua)
import type { Field, PluginSchemaDef } from '../../store/schema/index.js';

const HEADER_NAME = /^[A-Za-z0-9_-]+$/;

function validateHeader(pair: string, withValue: boolean): string | undefined {
  const m = /^([^:]+):*(.*)$/s.exec(pair);
  const name = m ? m[1]! : pair;
  if (!HEADER_NAME.test(name)) return `'${name}' is not a valid header`;
  if (withValue) {
    const value = m ? m[2]! : '';
    if (/[\r\n]/.test(value)) return `'${value}' is not a valid header`;
  }
  return undefined;
}

function colonPair(v: string): string | undefined {
  return /^[^:]+:.*$/s.test(v) ? undefined : `invalid value: ${v}`;
}

const strings: Field = { type: 'array', default: [], required: true, elements: { type: 'string' } };
const headers: Field = { type: 'array', default: [], required: true, elements: { type: 'string', custom: (v) => validateHeader(v, false) } };
const colonStrings: Field = { type: 'array', default: [], required: true, elements: { type: 'string', custom: colonPair } };
const colonHeaderValues: Field = {
  type: 'array',
  default: [],
  required: true,
  elements: { type: 'string', custom: (v) => colonPair(v) ?? validateHeader(v, true) },
};
const colonHeaders: Field = {
  type: 'array',
  default: [],
  required: true,
  elements: { type: 'string', custom: (v) => colonPair(v) ?? validateHeader(v, false) ?? validateHeader(v.slice(v.indexOf(':') + 1), false) },
};

const record = (fields: Field['fields']): Field => ({ type: 'record', required: true, fields });

export const schema: PluginSchemaDef = {
  name: 'request-transformer',
  config: {
    type: 'record',
    fields: [
      { http_method: { type: 'string', custom: (v: string) => (/^[A-Z]+$/.test(v) ? undefined : `invalid value: ${v}`) } },
      { remove: record([{ body: strings }, { headers }, { querystring: strings }]) },
      { rename: record([{ body: colonStrings }, { headers: colonHeaders }, { querystring: colonStrings }]) },
      { replace: record([{ body: colonStrings }, { headers: colonHeaderValues }, { querystring: colonStrings }, { uri: { type: 'string' } }]) },
      { add: record([{ body: colonStrings }, { headers: colonHeaderValues }, { querystring: colonStrings }]) },
      { append: record([{ body: colonStrings }, { headers: colonHeaderValues }, { querystring: colonStrings }]) },
    ],
  },
};
