import type { EntitySchema } from './types.js';
import { consumers, routes, services } from './entities/core.js';
import { targets, upstreams } from './entities/balancing.js';
import { ca_certificates, certificates, snis } from './entities/tls.js';
import { acls, basicauth_credentials, hmacauth_credentials, jwt_secrets, keyauth_credentials, plugins } from './entities/plugins.js';

export type { EntitySchema, Field, FieldEntry, FieldErrors } from './types.js';
export type { PluginSchemaDef, PluginSchemaProvider } from './entities/plugins.js';
export { normalizeTarget } from './entities/balancing.js';

/** Every entity, parents before children (the order of declarative export and import). */
export const ENTITY_ORDER: EntitySchema[] = [
  certificates,
  snis,
  ca_certificates,
  services,
  routes,
  consumers,
  upstreams,
  targets,
  plugins,
  keyauth_credentials,
  basicauth_credentials,
  acls,
  jwt_secrets,
  hmacauth_credentials,
];

export const entitySchemas: Record<string, EntitySchema> = Object.fromEntries(ENTITY_ORDER.map((s) => [s.name, s]));

export function getSchema(name: string): EntitySchema | undefined {
  return entitySchemas[name];
}
