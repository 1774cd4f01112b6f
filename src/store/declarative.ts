// Declarative configuration (kong.yml, _format_version 3.0 and the older 1.1/2.1): parse,
// validate with the store's own rules, flatten to rows, and export back.
import crypto from 'node:crypto';
import YAML from 'yaml';
import { ENTITY_ORDER, entitySchemas, type EntitySchema, type FieldErrors } from './schema/index.js';
import { fieldList, flattenErrors, isUuid } from './schema/validate.js';
import { DaoError, luaPretty } from './errors.js';
import type { EntityStore, Row } from './dao.js';
import { Tables } from './tables.js';

const FORMATS = ['1.1', '2.1', '3.0'];
const NAMESPACE = 'fd02801f-0957-4a15-a55a-c8d9606f30b5';

/** Nested collections Kong accepts under each parent: child key -> [entity, foreign field]. */
const NESTED: Record<string, Record<string, [string, string]>> = {
  services: { routes: ['routes', 'service'], plugins: ['plugins', 'service'] },
  routes: { plugins: ['plugins', 'route'] },
  consumers: {
    plugins: ['plugins', 'consumer'],
    keyauth_credentials: ['keyauth_credentials', 'consumer'],
    basicauth_credentials: ['basicauth_credentials', 'consumer'],
    acls: ['acls', 'consumer'],
    jwt_secrets: ['jwt_secrets', 'consumer'],
    hmacauth_credentials: ['hmacauth_credentials', 'consumer'],
  },
  upstreams: { targets: ['targets', 'upstream'] },
  certificates: { snis: ['snis', 'certificate'] },
};

export function uuid5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = crypto.createHash('sha1').update(Buffer.concat([ns, Buffer.from(name, 'utf8')])).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export class DeclarativeError extends DaoError {
  constructor(fields: unknown, message: string, flattened?: unknown[]) {
    super(14, `declarative config is invalid: ${message}`, fields, flattened ? { flattened_errors: flattened } : undefined);
  }
}

export function parseDeclarativeText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    /* YAML then */
  }
  try {
    return YAML.parse(text, { maxAliasCount: 100 });
  } catch (err) {
    const msg = `failed parsing declarative configuration: ${(err as Error).message.split('\n')[0]}`;
    throw new DeclarativeError({ error: msg }, `{error="${msg}"}`);
  }
}

interface Pending {
  entity: string;
  input: Record<string, any>;
  /** Where errors go in the nested error structure. */
  errorPath: Array<string | number>;
  /** Parent set by nesting. */
  parent?: { field: string; ref: PendingRef };
}
type PendingRef = { pending: Pending };

function singular(entity: string): string {
  const map: Record<string, string> = {
    services: 'service',
    routes: 'route',
    consumers: 'consumer',
    plugins: 'plugin',
    upstreams: 'upstream',
    targets: 'target',
    certificates: 'certificate',
    snis: 'sni',
    ca_certificates: 'ca_certificate',
    keyauth_credentials: 'keyauth_credential',
    basicauth_credentials: 'basicauth_credential',
    acls: 'acl',
    jwt_secrets: 'jwt_secret',
    hmacauth_credentials: 'hmacauth_credential',
  };
  return map[entity] ?? entity;
}

function setPath(root: Record<string, any>, path: Array<string | number>, value: unknown): void {
  let node: any = root;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i]!;
    const nextIsIndex = typeof path[i + 1] === 'number';
    if (node[k] === undefined || node[k] === null) node[k] = nextIsIndex ? [] : {};
    node = node[k];
  }
  const last = path[path.length - 1]!;
  if (typeof node[last] === 'object' && node[last] !== null && typeof value === 'object' && value !== null) Object.assign(node[last], value);
  else node[last] = value;
}

function fillHoles(v: unknown): unknown {
  if (Array.isArray(v)) return Array.from({ length: v.length }, (_, i) => (v[i] === undefined ? null : fillHoles(v[i])));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = fillHoles(x);
    return out;
  }
  return v;
}

/** Kong's 1.1/2.1 migration: a route path with regex characters becomes a `~` regex path. */
function migrateRoutePath(p: unknown): unknown {
  if (typeof p !== 'string' || p.startsWith('~')) return p;
  return /[^a-zA-Z0-9._~/%-]/.test(p) ? `~${p}` : p;
}

export interface DeclarativeResult {
  tables: Record<string, Row[]>;
  hash: string;
}

/** Validate and flatten a declarative document into rows, or throw a code-14 DeclarativeError. */
export function flattenDeclarative(
  store: EntityStore,
  doc: unknown,
  opts: { flattenErrors?: boolean; hash?: string } = {},
): DeclarativeResult {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    const msg = 'failed parsing declarative configuration: expected an object';
    throw new DeclarativeError({ error: msg }, `{error="${msg}"}`);
  }
  const d = doc as Record<string, any>;
  const topErrors: FieldErrors = {};
  if (d._format_version === undefined) topErrors._format_version = 'required field missing';
  else if (!FORMATS.includes(String(d._format_version))) topErrors._format_version = `expected one of: ${FORMATS.join(', ')}`;
  const legacy = d._format_version === '1.1' || d._format_version === '2.1';
  const transform = d._transform !== false;
  for (const k of Object.keys(d)) {
    if (k.startsWith('_')) {
      if (!['_format_version', '_transform', '_comment', '_workspace', '_info', '_konnect'].includes(k)) topErrors[k] = 'unknown field';
      continue;
    }
    if (!entitySchemas[k]) topErrors[k] = 'unknown field';
    else if (!Array.isArray(d[k])) topErrors[k] = 'expected an array';
  }
  if (Object.keys(topErrors).length) throw new DeclarativeError(topErrors, luaPretty(topErrors));

  // 1. collect every entity with its nesting
  const pendings: Pending[] = [];
  const visit = (entity: string, items: unknown[], path: Array<string | number>, parent?: Pending, parentField?: string) => {
    items.forEach((item, i) => {
      const errorPath = [...path, i];
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        pendings.push({ entity, input: { __invalid: item }, errorPath });
        return;
      }
      const input: Record<string, any> = {};
      const children: Array<[string, unknown[]]> = [];
      for (const [k, v] of Object.entries(item as Record<string, any>)) {
        if (k === '_comment') continue;
        const nested = NESTED[entity]?.[k];
        if (nested && Array.isArray(v) && !(entity === 'certificates' && k === 'snis' && v.every((x) => typeof x === 'string'))) {
          children.push([k, v]);
        } else input[k] = v;
      }
      if (legacy && entity === 'routes' && Array.isArray(input.paths)) input.paths = input.paths.map(migrateRoutePath);
      const p: Pending = { entity, input, errorPath };
      if (parent && parentField) p.parent = { field: parentField, ref: { pending: parent } };
      pendings.push(p);
      for (const [k, v] of children) {
        const [childEntity, fk] = NESTED[entity]![k]!;
        visit(childEntity, v, [...errorPath, k], p, fk);
      }
    });
  };
  for (const schema of ENTITY_ORDER) if (Array.isArray(d[schema.name])) visit(schema.name, d[schema.name], [schema.name]);

  // 2. ids: given, or deterministic from the endpoint key (random when there is none)
  const idOf = new Map<Pending, string>();
  for (const p of pendings) {
    const s = entitySchemas[p.entity]!;
    if (typeof p.input.id === 'string' && isUuid(p.input.id)) {
      idOf.set(p, p.input.id.toLowerCase());
      continue;
    }
    if (p.input.id !== undefined) continue; // invalid id: validation reports it
    idOf.set(p, deterministicId(s, p, idOf));
  }

  // 3. resolve references and validate in dependency order against a staging table set
  const staging = new Tables();
  const errors: Record<string, any> = {};
  const flattened: unknown[] = [];
  const seenUnique = new Map<string, string>();
  const byKey = new Map<string, string>(); // "entity:key" -> id
  for (const p of pendings) {
    const s = entitySchemas[p.entity]!;
    const id = idOf.get(p);
    if (s.endpoint_key && typeof p.input[s.endpoint_key] === 'string' && id) byKey.set(`${p.entity}:${p.input[s.endpoint_key]}`, id);
    if (id) byKey.set(`${p.entity}:${id}`, id);
  }
  const order = [...pendings].sort((a, b) => ENTITY_ORDER.indexOf(entitySchemas[a.entity]!) - ENTITY_ORDER.indexOf(entitySchemas[b.entity]!));
  for (const p of order) {
    const s = entitySchemas[p.entity]!;
    const entityErrors: FieldErrors = {};
    if ('__invalid' in p.input) {
      setPath(errors, p.errorPath, 'expected a record');
      continue;
    }
    const input: Record<string, any> = { ...p.input };
    const id = idOf.get(p);
    if (id) input.id = id;
    if (p.parent) {
      const pid = idOf.get(p.parent.ref.pending);
      if (pid) input[p.parent.field] = { id: pid };
    }
    for (const [fname, f] of fieldList(s.fields)) {
      if (f.type !== 'foreign' || p.parent?.field === fname) continue;
      const ref = input[fname];
      if (ref === undefined || ref === null) continue;
      const key = typeof ref === 'string' ? ref : typeof ref === 'object' ? (ref.id ?? ref[entitySchemas[f.reference!]!.endpoint_key ?? 'id']) : undefined;
      const target = typeof key === 'string' ? byKey.get(`${f.reference}:${key}`) ?? (isUuid(key) ? byKey.get(`${f.reference}:${key.toLowerCase()}`) : undefined) : undefined;
      if (!target) entityErrors[fname] = `invalid reference '${fname}: ${typeof key === 'string' ? key : JSON.stringify(ref)}' (no such entry in '${f.reference}')`;
      else input[fname] = { id: target };
    }
    // in-file duplicates
    for (const [fname, f] of fieldList(s.fields)) {
      const unique = f.unique || fname === 'id';
      if (!unique || input[fname] === undefined || input[fname] === null) continue;
      const k = `${p.entity}:${fname}:${JSON.stringify(input[fname])}`;
      if (seenUnique.has(k)) entityErrors[fname] = `uniqueness violation: '${p.entity}' entity with ${fname} set to '${input[fname]}' already declared`;
      seenUnique.set(k, String(id));
    }
    let row: Row | undefined;
    if (!Object.keys(entityErrors).length) {
      if (!transform && p.entity === 'basicauth_credentials') input.__keep_password = true;
      const r = store.validateRow(p.entity, stripInternal(input), staging, { keepTimestamps: !transform });
      if (r.errors) Object.assign(entityErrors, r.errors);
      else row = r.row;
      if (row && input.__keep_password) row.password = p.input.password;
    }
    if (Object.keys(entityErrors).length) {
      setPath(errors, p.errorPath, entityErrors);
      if (opts.flattenErrors) flattened.push(flatItem(p, entityErrors));
      continue;
    }
    if (row) {
      const { snis: sniNames, ...stored } = row as Row & { snis?: string[] };
      staging.apply({ op: 'put', entity: p.entity, row: stored as Row });
      if (p.entity === 'certificates' && Array.isArray(sniNames)) {
        for (const name of sniNames) {
          const sid = uuid5(`snis:${name}`, uuid5('snis', NAMESPACE));
          staging.apply({ op: 'put', entity: 'snis', row: { id: sid, name, certificate: { id: stored.id }, created_at: stored.created_at, updated_at: stored.updated_at, tags: null } });
          byKey.set(`snis:${name}`, sid);
        }
      }
    }
  }
  if (Object.keys(errors).length) {
    const filled = fillHoles(errors);
    throw new DeclarativeError(filled, luaPretty(filled), opts.flattenErrors ? flattened : undefined);
  }
  const tables = staging.dump();
  const hash = opts.hash ?? crypto.createHash('md5').update(JSON.stringify(tables)).digest('hex');
  return { tables, hash };
}

function stripInternal(input: Record<string, any>): Record<string, any> {
  const { __keep_password: _k, ...rest } = input;
  return rest;
}

function deterministicId(s: EntitySchema, p: Pending, ids: Map<Pending, string>): string {
  const ns = uuid5(s.name, NAMESPACE);
  const refPart = (field: string) => {
    if (p.parent?.field === field) return ids.get(p.parent.ref.pending) ?? '';
    const v = p.input[field];
    if (v === undefined || v === null) return '';
    return typeof v === 'object' ? String(v.id ?? v.name ?? '') : String(v);
  };
  if (s.cache_key) {
    const parts = s.cache_key.map((f) => (entitySchemas[s.name]!.fields.some((e) => e[f]?.type === 'foreign') ? refPart(f) : String(p.input[f] ?? '')));
    return uuid5(`${s.name}:default:${parts.join(':')}`, ns);
  }
  if (s.endpoint_key && typeof p.input[s.endpoint_key] === 'string') {
    const scope = p.parent ? `${ids.get(p.parent.ref.pending) ?? ''}:` : '';
    return uuid5(`${s.name}:default:${scope}${p.input[s.endpoint_key]}`, ns);
  }
  return crypto.randomUUID();
}

function flatItem(p: Pending, errs: FieldErrors): Record<string, unknown> {
  const s = entitySchemas[p.entity]!;
  const item: Record<string, unknown> = { entity_type: singular(p.entity) };
  const name = s.endpoint_key ? p.input[s.endpoint_key] : undefined;
  if (typeof name === 'string' && !errs[s.endpoint_key!]) item.entity_name = name;
  if (typeof p.input.id === 'string' && isUuid(p.input.id)) item.entity_id = p.input.id;
  if (Array.isArray(p.input.tags) && !errs.tags) item.entity_tags = p.input.tags;
  item.entity = p.input;
  const list: unknown[] = [];
  for (const m of (errs['@entity'] as string[] | undefined) ?? []) list.push({ type: 'entity', message: m });
  const rest = { ...errs };
  delete rest['@entity'];
  for (const line of flattenErrors(rest)) {
    const i = line.indexOf(': ');
    list.push({ type: 'field', field: line.slice(0, i), message: line.slice(i + 2) });
  }
  item.errors = list;
  return item;
}

/** The current configuration as a declarative document that loads back unchanged. */
export function exportDeclarative(store: EntityStore): Record<string, unknown> {
  const out: Record<string, unknown> = { _format_version: '3.0', _transform: false };
  for (const s of ENTITY_ORDER) {
    const rows = store.tables.sorted(s.name);
    if (!rows.length) continue;
    out[s.name] = rows.map((r) => {
      const o: Record<string, unknown> = {};
      for (const [name, f] of fieldList(s.fields)) {
        if (f.transient) continue;
        const v = r[name];
        if (v === null || v === undefined) continue;
        o[name] = f.type === 'foreign' ? v.id : v;
      }
      return o;
    });
  }
  return out;
}

export function exportYaml(store: EntityStore): string {
  return YAML.stringify(exportDeclarative(store));
}

export function flattenedEntityMap(tables: Record<string, Row[]>): Record<string, Record<string, Row>> {
  const out: Record<string, Record<string, Row>> = {};
  for (const [entity, rows] of Object.entries(tables)) {
    if (!rows.length) continue;
    out[entity] = Object.fromEntries(rows.map((r) => [r.id, r]));
  }
  return out;
}
