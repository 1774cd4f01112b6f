// A Kong-style schema language: ordered fields, typed, with defaults and validators.
// Field order matters: entities are serialised in schema order, as Kong does.

export type FieldType =
  | 'string'
  | 'integer'
  | 'number'
  | 'boolean'
  | 'array'
  | 'set'
  | 'map'
  | 'record'
  | 'foreign'
  | 'any';

export interface Field {
  type: FieldType;
  required?: boolean;
  default?: unknown;
  unique?: boolean;
  auto?: boolean;
  uuid?: boolean;
  /** Auto timestamps: seconds (integer) or seconds with millisecond precision (float). */
  timestamp?: 's' | 'ms';
  /** updated_at is refreshed on every write, created_at only set once. */
  timestamp_update?: boolean;
  immutable?: boolean;
  elements?: Field;
  keys?: Field;
  values?: Field;
  fields?: FieldEntry[];
  reference?: string;
  on_delete?: 'cascade' | 'restrict';
  one_of?: unknown[];
  between?: [number, number];
  gt?: number;
  len_min?: number;
  len_max?: number;
  starts_with?: string;
  /** Custom check; return an error message, or undefined when valid. */
  custom?: (value: any) => string | undefined;
  /** Value normaliser applied after type checks (targets' host:port, lower-casing). */
  normalize?: (value: any) => any;
  description?: string;
  /** Accepted as input, never stored or returned (certificates.snis is handled by the DAO). */
  transient?: boolean;
  /** A secret: masked in logs. */
  encrypted?: boolean;
  /** Record without declared fields: any keys accepted (plugin configs of custom plugins). */
  abstract?: boolean;
}

export type FieldEntry = Record<string, Field>;

/** Errors, nested like the input: strings at leaves, arrays for array elements, '@entity' for entity checks. */
export type FieldErrors = { [key: string]: unknown };

export interface EntityCheckContext {
  /** 'insert' | 'update' | 'upsert'; update checks only see merged values. */
  op: 'insert' | 'update' | 'upsert';
  /** The store kind ('embedded', 'postgres', 'off'): some plugin checks depend on it, as Kong's do. */
  database?: string;
}

/** An entity check returns field errors (may use '@entity') or undefined. */
export type EntityCheck = (entity: Record<string, any>, ctx: EntityCheckContext) => FieldErrors | undefined;

export interface EntitySchema {
  /** Collection name as in Kong's DB ('services', 'keyauth_credentials'). */
  name: string;
  /** Path segment on the admin API when it differs from the name ('key-auths'). */
  admin_name?: string;
  /** Name of the nested collection under a parent ('key-auth' under consumers). */
  nested_name?: string;
  primary_key: string[];
  endpoint_key?: string;
  /** Fields making up the cache key (unique together, e.g. plugins and targets). */
  cache_key?: string[];
  /** Composite unique constraints besides cache_key. */
  unique_across?: string[][];
  fields: FieldEntry[];
  entity_checks?: EntityCheck[];
  /** Input rewriting before validation (service url, upstream hash shorthands). */
  shorthand?: (input: Record<string, any>, existing?: Record<string, any>) => Record<string, any>;
  /** Values generated when absent (key-auth keys). */
  generate?: (input: Record<string, any>) => void;
  /** For plugins: resolves the config subschema from the entity's name. */
  subschema_key?: string;
  /** The collection is served by the admin API only nested (targets). */
  nested_only?: boolean;
  ttl?: boolean;
  /** Fields (names) that must not appear in logs or exports in clear. */
  secrets?: string[];
}
