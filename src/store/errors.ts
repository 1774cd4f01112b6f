// Kong's DAO errors (kong/db/errors.lua): the one place error bodies are built.
// The admin API maps `code` to an HTTP status; nothing else writes these shapes by hand.
import { flattenErrors } from './schema/validate.js';
import type { FieldErrors } from './schema/types.js';

export const ERROR_CODES = {
  INVALID_PRIMARY_KEY: 1,
  SCHEMA_VIOLATION: 2,
  PRIMARY_KEY_VIOLATION: 3,
  FOREIGN_KEY_VIOLATION: 4,
  UNIQUE_VIOLATION: 5,
  NOT_FOUND: 6,
  INVALID_OFFSET: 7,
  DATABASE_ERROR: 8,
  INVALID_SIZE: 9,
  INVALID_UNIQUE_GLOBAL: 10,
  INVALID_OPTIONS: 11,
  OPERATION_UNSUPPORTED: 12,
  FOREIGN_KEYS_UNRESOLVED: 13,
  DECLARATIVE_CONFIG: 14,
} as const;

const NAMES: Record<number, string> = {
  1: 'invalid primary key',
  2: 'schema violation',
  3: 'primary key violation',
  4: 'foreign key violation',
  5: 'unique constraint violation',
  6: 'not found',
  7: 'invalid offset',
  8: 'database error',
  9: 'invalid size',
  10: 'invalid unique global',
  11: 'invalid options',
  12: 'operation unsupported',
  13: 'foreign keys unresolved',
  14: 'invalid declarative configuration',
};

export const HTTP_STATUS: Record<number, number> = {
  1: 400,
  2: 400,
  3: 400,
  4: 400,
  5: 409,
  6: 404,
  7: 400,
  8: 500,
  9: 400,
  10: 400,
  11: 400,
  12: 405,
  13: 400,
  14: 400,
};

export class DaoError extends Error {
  readonly code: number;
  readonly errorName: string;
  readonly fields?: unknown;
  readonly options?: unknown;
  readonly extra?: Record<string, unknown>;
  constructor(code: number, message: string, fields?: unknown, extra?: { options?: unknown } & Record<string, unknown>) {
    super(message);
    this.code = code;
    this.errorName = NAMES[code] ?? 'error';
    this.fields = fields;
    if (extra?.options) this.options = extra.options;
    if (extra) {
      const { options: _o, ...rest } = extra;
      if (Object.keys(rest).length) this.extra = rest;
    }
  }
  get status(): number {
    return HTTP_STATUS[this.code] ?? 500;
  }
  toJSON(): Record<string, unknown> {
    const body: Record<string, unknown> = { code: this.code, name: this.errorName, message: this.message };
    if (this.fields !== undefined) body.fields = this.fields;
    if (this.options !== undefined) body.options = this.options;
    if (this.extra) Object.assign(body, this.extra);
    return body;
  }
}

/** Lua-pretty rendering of a key table: keys sorted, strings quoted, null as null, nested tables braced. */
export function luaPretty(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return `"${v}"`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `{${v.map(luaPretty).join(',')}}`;
  const obj = v as Record<string, unknown>;
  return `{${Object.keys(obj)
    .sort()
    .map((k) => `${k}=${luaPretty(obj[k])}`)
    .join(',')}}`;
}

export function schemaViolation(fields: FieldErrors): DaoError {
  const lines = flattenErrors(fields);
  const message =
    lines.length === 1 ? `schema violation (${lines[0]})` : `${lines.length} schema violations (${lines.join('; ')})`;
  return new DaoError(2, message, fields);
}

export function uniqueViolation(keys: Record<string, unknown>): DaoError {
  return new DaoError(5, `UNIQUE violation detected on '${luaPretty(keys)}'`, keys);
}

export function primaryKeyViolation(id: string): DaoError {
  return new DaoError(3, `primary key violation on key '{id="${id}"}'`, { id });
}

export function notFound(key: Record<string, unknown>, byPrimaryKey: boolean): DaoError {
  const msg = byPrimaryKey
    ? `could not find the entity with primary key '${luaPretty(key)}'`
    : `could not find the entity with '${luaPretty(key)}'`;
  return new DaoError(6, msg, key);
}

export function foreignKeyViolationMissing(field: string, id: string, parent: string): DaoError {
  return new DaoError(
    4,
    `the foreign key '{id="${id}"}' does not reference an existing '${parent}' entity.`,
    { [field]: { id } },
  );
}

export function foreignKeyViolationReferenced(child: string, parent: string): DaoError {
  return new DaoError(4, `an existing '${child}' entity references this '${parent}' entity`, { '@referenced_by': child });
}

export function foreignKeysUnresolved(field: string, key: Record<string, unknown>, parent: string): DaoError {
  const k = Object.keys(key)[0]!;
  const msg = `the foreign key cannot be resolved with '${luaPretty(key)}' for an existing '${parent}' entity`;
  return new DaoError(13, `foreign key unresolved (${field}.${k}: ${msg})`, { [field]: { [k]: msg } });
}

export function invalidOffset(offset: string, why: string): DaoError {
  return new DaoError(7, `'${offset}' is not a valid offset: ${why}`);
}

export function invalidSize(message: string): DaoError {
  return new DaoError(9, message);
}

export function invalidOptions(options: Record<string, string>): DaoError {
  const lines = Object.keys(options)
    .sort()
    .map((k) => `${k}: ${options[k]}`);
  return new DaoError(11, `invalid option (${lines.join('; ')})`, undefined, { options });
}

export function operationUnsupported(message: string): DaoError {
  return new DaoError(12, message);
}
