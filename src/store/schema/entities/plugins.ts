// plugins and the credential entities of the bundled auth plugins (kong/plugins/*/daos.lua)
import crypto from 'node:crypto';
import type { EntityCheck, EntitySchema, Field } from '../types.js';
import * as t from '../typedefs.js';

/** What the store needs to know about a plugin to validate its rows; provided by the plugin registry. */
export interface PluginSchemaDef {
  name: string;
  /** The config record (fields with defaults). */
  config: Field;
  /** Overrides the default `protocols` field (e.g. ip-restriction adds tcp/tls). */
  protocols?: Field;
  no_consumer?: boolean;
  no_route?: boolean;
  no_service?: boolean;
  /** Checks over the whole plugin entity (errors use '@entity' or 'config' paths). */
  entity_checks?: EntityCheck[];
  /** Input rewriting for legacy config shorthands. */
  shorthand?: (config: Record<string, any>) => Record<string, any>;
}

export interface PluginSchemaProvider {
  get(name: string): PluginSchemaDef | undefined;
  isEnabled(name: string): boolean;
}

export const plugins: EntitySchema = {
  name: 'plugins',
  primary_key: ['id'],
  endpoint_key: 'instance_name',
  cache_key: ['name', 'route', 'service', 'consumer'],
  subschema_key: 'name',
  fields: [
    { id: t.id },
    { name: { type: 'string', required: true } },
    { instance_name: t.utf8_name },
    { created_at: t.auto_timestamp_s },
    { updated_at: { ...t.auto_timestamp_s, timestamp_update: true } },
    { route: t.foreign('routes', { on_delete: 'cascade' }) },
    { service: t.foreign('services', { on_delete: 'cascade' }) },
    { consumer: t.foreign('consumers', { on_delete: 'cascade' }) },
    { config: { type: 'record', abstract: true } },
    { protocols: t.protocols },
    { enabled: { type: 'boolean', default: true } },
    { tags: t.tags },
    {
      ordering: {
        type: 'record',
        fields: [
          { before: { type: 'map', keys: { type: 'string', one_of: ['access'] }, values: { type: 'array', elements: { type: 'string' } } } },
          { after: { type: 'map', keys: { type: 'string', one_of: ['access'] }, values: { type: 'array', elements: { type: 'string' } } } },
        ],
        default: null,
      },
    },
  ],
};

const consumerRef: Field = { ...t.foreign('consumers', { on_delete: 'cascade' }), required: true };

function randomKey(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = crypto.randomBytes(32);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

export const keyauth_credentials: EntitySchema = {
  name: 'keyauth_credentials',
  admin_name: 'key-auths',
  nested_name: 'key-auth',
  primary_key: ['id'],
  endpoint_key: 'key',
  ttl: true,
  fields: [
    { id: t.id },
    { created_at: t.auto_timestamp_s },
    { consumer: consumerRef },
    { key: { type: 'string', required: false, unique: true, encrypted: true } },
    { tags: t.tags },
  ],
  secrets: ['key'],
  generate(input) {
    if (input.key === undefined || input.key === null) input.key = randomKey();
  },
};

export const basicauth_credentials: EntitySchema = {
  name: 'basicauth_credentials',
  admin_name: 'basic-auths',
  nested_name: 'basic-auth',
  primary_key: ['id'],
  endpoint_key: 'username',
  fields: [
    { id: t.id },
    { created_at: t.auto_timestamp_s },
    { consumer: consumerRef },
    { username: { type: 'string', required: true, unique: true } },
    { password: { type: 'string', required: true, encrypted: true } },
    { tags: t.tags },
  ],
  secrets: ['password'],
};

export const hmacauth_credentials: EntitySchema = {
  name: 'hmacauth_credentials',
  admin_name: 'hmac-auths',
  nested_name: 'hmac-auth',
  primary_key: ['id'],
  endpoint_key: 'username',
  fields: [
    { id: t.id },
    { created_at: t.auto_timestamp_s },
    { consumer: consumerRef },
    { username: { type: 'string', required: true, unique: true } },
    { secret: { type: 'string', auto: true, encrypted: true } },
    { tags: t.tags },
  ],
  secrets: ['secret'],
  generate(input) {
    if (input.secret == null) input.secret = randomKey();
  },
};

export const acls: EntitySchema = {
  name: 'acls',
  admin_name: 'acls',
  nested_name: 'acls',
  primary_key: ['id'],
  endpoint_key: 'group',
  cache_key: ['consumer', 'group'],
  fields: [
    { id: t.id },
    { created_at: t.auto_timestamp_s },
    { consumer: consumerRef },
    { group: { type: 'string', required: true } },
    { tags: t.tags },
  ],
};

export const jwt_secrets: EntitySchema = {
  name: 'jwt_secrets',
  admin_name: 'jwts',
  nested_name: 'jwt',
  primary_key: ['id'],
  endpoint_key: 'key',
  fields: [
    { id: t.id },
    { created_at: t.auto_timestamp_s },
    { consumer: consumerRef },
    { key: { type: 'string', unique: true } },
    { secret: { type: 'string', encrypted: true } },
    { rsa_public_key: { type: 'string' } },
    {
      algorithm: {
        type: 'string',
        default: 'HS256',
        one_of: ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'EdDSA'],
      },
    },
    { tags: t.tags },
  ],
  secrets: ['secret'],
  generate(input) {
    if (input.key == null) input.key = randomKey();
    if (input.secret == null) input.secret = randomKey();
  },
  entity_checks: [
    (e) =>
      /^(RS|ES|PS|Ed)/.test(e.algorithm) && !e.rsa_public_key
        ? { rsa_public_key: 'required field missing', '@entity': ["failed conditional validation given value of field 'algorithm'"] }
        : undefined,
  ],
};
