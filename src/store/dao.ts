// The entity store: Kong's DAO semantics (validation, defaults, unique and foreign keys,
// cascades, pagination, tags) over in-memory tables, with durability delegated to a backend.
import { EventEmitter } from 'node:events';
import crypto from 'node:crypto';
import type { EntitySchema, Field, FieldEntry, FieldErrors } from './schema/types.js';
import { ENTITY_ORDER, entitySchemas } from './schema/index.js';
import type { PluginSchemaProvider } from './schema/entities/plugins.js';
import { fieldList, fillDefaults, getField, isUuid, mergeErrors, mergeUpdate, validateEntity } from './schema/validate.js';
import { Tables, type Op, type Row } from './tables.js';
import {
  DaoError,
  foreignKeysUnresolved,
  foreignKeyViolationMissing,
  foreignKeyViolationReferenced,
  invalidOffset,
  invalidSize,
  notFound,
  operationUnsupported,
  primaryKeyViolation,
  schemaViolation,
  uniqueViolation,
} from './errors.js';

export type { Row, Op };

export interface ChangeEvent {
  entity: string;
  op: 'create' | 'update' | 'delete';
  row: Row;
  old?: Row;
}

export interface PageOptions {
  size?: number;
  offset?: string | null;
  tags?: string[];
  tagsMode?: 'and' | 'or';
  /** Equality filters on fields; foreign fields compare by id. */
  filter?: Record<string, unknown>;
}

export interface Page {
  data: Row[];
  offset?: string;
}

/** Where writes go to become durable. The embedded journal and PostgreSQL implement it. */
export interface Backend {
  /** Persist one atomic group of operations before it is applied in memory. */
  write(ops: Op[], tables: Tables): Promise<void>;
  /** Persist a complete replacement (declarative load). */
  replace(tables: Tables): Promise<void>;
  close(): Promise<void>;
}

export interface WriteOptions {
  /** Fields forced by the URL (a nested POST sets the parent foreign key). */
  forced?: Record<string, unknown>;
  /** Scope for endpoint-key lookups (targets are unique per upstream). */
  scope?: { field: string; id: string };
  /** Keep a given updated_at (declarative imports of an export load back unchanged). */
  keepTimestamps?: boolean;
}

function nowS(): number {
  return Math.floor(Date.now() / 1000);
}
function nowMs(): number {
  return Math.floor(Date.now()) / 1000;
}

function isObj(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class EntityStore extends EventEmitter {
  readonly tables = new Tables();
  readonly readOnly: boolean;
  readonly kind: string;
  private queue: Promise<unknown> = Promise.resolve();
  private plugins: PluginSchemaProvider;
  /** Incremented on every applied change; consumers rebuild derived state when it moves. */
  version = 0;
  /** md5 of the declarative configuration in DB-less mode. */
  configHash = '00000000000000000000000000000000';

  constructor(
    private readonly backend: Backend,
    opts: { readOnly?: boolean; kind?: string; plugins: PluginSchemaProvider },
  ) {
    super();
    this.readOnly = opts.readOnly ?? false;
    this.kind = opts.kind ?? 'embedded';
    this.plugins = opts.plugins;
  }

  setPluginProvider(p: PluginSchemaProvider): void {
    this.plugins = p;
  }

  /** Load rows without validation (startup from durable state). */
  loadRaw(tables: Record<string, Row[]>): void {
    this.tables.clear();
    for (const schema of ENTITY_ORDER) for (const row of tables[schema.name] ?? []) this.tables.apply({ op: 'put', entity: schema.name, row });
    this.version++;
  }

  schema(entity: string): EntitySchema {
    const s = entitySchemas[entity];
    if (!s) throw new Error(`unknown entity '${entity}'`);
    return s;
  }

  // ---- reads ----------------------------------------------------------------------------

  get(entity: string, id: string): Row | undefined {
    return this.tables.get(entity, id.toLowerCase());
  }

  /** By id when the value is a UUID, else by the entity's endpoint key (within a scope if given). */
  resolve(entity: string, idOrKey: string, scope?: { field: string; id: string }): Row | undefined {
    const schema = this.schema(entity);
    let row: Row | undefined;
    if (isUuid(idOrKey)) row = this.tables.get(entity, idOrKey.toLowerCase());
    else if (schema.endpoint_key) {
      if (scope) {
        const normal = entity === 'targets' ? normalizeMaybe(idOrKey) : idOrKey;
        row = this.tables.childrenOf(entity, scope.field, scope.id).find((r) => r[schema.endpoint_key!] === normal);
      } else row = this.tables.findUnique(entity, schema.endpoint_key, idOrKey);
    }
    if (row && scope && row[scope.field]?.id !== scope.id) return undefined;
    return row;
  }

  list(entity: string): Row[] {
    return [...this.tables.all(entity)];
  }

  page(entity: string, opts: PageOptions = {}): Page {
    const size = opts.size ?? 100;
    if (!Number.isInteger(size) || size < 1 || size > 1000) throw invalidSize('size must be an integer between 1 and 1000');
    let after: string | null = null;
    if (opts.offset !== undefined && opts.offset !== null) {
      after = decodeOffset(opts.offset);
    }
    const filter = opts.filter ?? {};
    const filterKeys = Object.keys(filter);
    const tags = opts.tags ?? [];
    const rows = this.tables.sorted(entity);
    const data: Row[] = [];
    let i = 0;
    if (after !== null) {
      // binary search for the first id greater than the cursor
      let lo = 0;
      let hi = rows.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (rows[mid]!.id <= after) lo = mid + 1;
        else hi = mid;
      }
      i = lo;
    }
    let more = false;
    for (; i < rows.length; i++) {
      const r = rows[i]!;
      if (!matchesFilter(r, filter, filterKeys)) continue;
      if (tags.length && !matchesTags(r.tags, tags, opts.tagsMode ?? 'and')) continue;
      if (data.length === size) {
        more = true;
        break;
      }
      data.push(r);
    }
    const out: Page = { data: data.map((r) => this.present(entity, r)) };
    if (more) out.offset = Buffer.from(JSON.stringify([data[data.length - 1]!.id])).toString('base64');
    return out;
  }

  /** The entity as the API shows it (transient fields computed). */
  present(entity: string, row: Row): Row {
    if (entity === 'certificates') {
      const names = this.tables
        .childrenOf('snis', 'certificate', row.id)
        .map((s) => s.name as string)
        .sort();
      return { ...row, snis: names };
    }
    return row;
  }

  // ---- writes ---------------------------------------------------------------------------

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  insert(entity: string, input: Record<string, any>, opts: WriteOptions = {}): Promise<Row> {
    return this.serial(async () => {
      if (this.readOnly) throw operationUnsupported(`cannot create '${entity}' entities when not using a database`);
      const row = this.prepare(entity, input, 'insert', undefined, opts);
      return this.commit(entity, row);
    });
  }

  /** PUT: create or fully replace, by id or endpoint key. */
  upsert(entity: string, idOrKey: string, input: Record<string, any>, opts: WriteOptions = {}): Promise<Row> {
    return this.serial(async () => {
      const schema = this.schema(entity);
      const byId = isUuid(idOrKey);
      if (this.readOnly) {
        throw operationUnsupported(
          byId
            ? `cannot create or update '${entity}' entities when not using a database`
            : `cannot create or update '${entity}' entities by '${schema.endpoint_key}' when not using a database`,
        );
      }
      const existing = this.resolve(entity, idOrKey, opts.scope);
      const body = { ...input };
      if (byId) body.id = idOrKey.toLowerCase();
      else if (schema.endpoint_key) {
        body[schema.endpoint_key] = idOrKey;
        if (existing) body.id = existing.id;
      }
      if (existing) body.id = existing.id;
      const row = this.prepare(entity, body, 'upsert', existing, opts);
      return this.commit(entity, row);
    });
  }

  /** PATCH: merge into the existing entity. */
  update(entity: string, idOrKey: string, patch: Record<string, any>, opts: WriteOptions = {}): Promise<Row> {
    return this.serial(async () => {
      const schema = this.schema(entity);
      const existing = this.resolve(entity, idOrKey, opts.scope);
      if (!existing) {
        if (isUuid(idOrKey)) throw notFound({ id: idOrKey }, true);
        throw notFound({ [schema.endpoint_key ?? 'id']: idOrKey }, false);
      }
      if (this.readOnly) {
        throw operationUnsupported(
          isUuid(idOrKey)
            ? `cannot update '${entity}' entities when not using a database`
            : `cannot update '${entity}' entities by '${schema.endpoint_key}' when not using a database`,
        );
      }
      const row = this.prepare(entity, patch, 'update', existing, opts);
      return this.commit(entity, row);
    });
  }

  /** DELETE: true when something was removed. Cascades and restrictions as Kong applies them. */
  delete(entity: string, idOrKey: string, opts: WriteOptions = {}): Promise<boolean> {
    return this.serial(async () => {
      const existing = this.resolve(entity, idOrKey, opts.scope);
      if (!existing) return false;
      if (this.readOnly) {
        const schema = this.schema(entity);
        throw operationUnsupported(
          isUuid(idOrKey)
            ? `cannot remove '${entity}' entities when not using a database`
            : `cannot remove '${entity}' entities by '${schema.endpoint_key}' when not using a database`,
        );
      }
      const ops: Op[] = [];
      this.collectDelete(entity, existing, ops, new Set());
      await this.backend.write(ops, this.tables);
      const events: ChangeEvent[] = [];
      for (const op of ops) {
        if (op.op !== 'del') continue;
        const old = this.tables.get(op.entity, op.id);
        this.tables.apply(op);
        if (old) events.push({ entity: op.entity, op: 'delete', row: old });
      }
      this.changed(events);
      return true;
    });
  }

  /** Replace the whole configuration atomically (declarative load). Rows must be valid already. */
  replaceAll(tables: Record<string, Row[]>, hash?: string): Promise<void> {
    return this.serial(async () => {
      const staging = new Tables();
      for (const schema of ENTITY_ORDER) for (const row of tables[schema.name] ?? []) staging.apply({ op: 'put', entity: schema.name, row });
      await this.backend.replace(staging);
      this.loadRaw(tables);
      if (hash) this.configHash = hash;
      this.emit('reload');
      this.emit('changes', []);
    });
  }

  /** Rows with everything resolved: what validation of a declarative file needs. */
  validateRow(entity: string, input: Record<string, any>, tables?: Tables, opts: WriteOptions = {}): { row?: Row; errors?: FieldErrors } {
    try {
      const row = this.prepare(entity, input, 'insert', undefined, opts, tables);
      return { row };
    } catch (err) {
      if (err instanceof DaoError && err.code === 2) return { errors: err.fields as FieldErrors };
      if (err instanceof DaoError) return { errors: (err.fields as FieldErrors) ?? { '@entity': [err.message] } };
      throw err;
    }
  }

  private collectDelete(entity: string, row: Row, ops: Op[], seen: Set<string>): void {
    const key = entity + ':' + row.id;
    if (seen.has(key)) return;
    seen.add(key);
    for (const child of ENTITY_ORDER) {
      for (const [fname, f] of fieldList(child.fields)) {
        if (f.type !== 'foreign' || f.reference !== entity) continue;
        const kids = this.tables.childrenOf(child.name, fname, row.id);
        if (!kids.length) continue;
        if (f.on_delete === 'cascade') {
          for (const k of kids) this.collectDelete(child.name, k, ops, seen);
        } else {
          throw foreignKeyViolationReferenced(child.name, entity);
        }
      }
    }
    ops.push({ op: 'del', entity, id: row.id });
  }

  private async commit(entity: string, row: Row): Promise<Row> {
    const ops: Op[] = [];
    const { transient, stored } = this.splitTransient(entity, row);
    ops.push({ op: 'put', entity, row: stored });
    if (entity === 'certificates' && transient.snis !== undefined) this.sniOps(stored, transient.snis ?? [], ops);
    await this.backend.write(ops, this.tables);
    const events: ChangeEvent[] = [];
    for (const op of ops) {
      const old = op.op === 'put' ? this.tables.get(op.entity, op.row.id) : this.tables.get(op.entity, op.id);
      this.tables.apply(op);
      if (op.op === 'put') events.push({ entity: op.entity, op: old ? 'update' : 'create', row: op.row, old });
      else if (old) events.push({ entity: op.entity, op: 'delete', row: old });
    }
    this.changed(events);
    return this.present(entity, stored);
  }

  private changed(events: ChangeEvent[]): void {
    this.version++;
    for (const e of events) this.emit('change', e);
    this.emit('changes', events);
  }

  private splitTransient(entity: string, row: Row): { transient: Record<string, any>; stored: Row } {
    const schema = this.schema(entity);
    const transient: Record<string, any> = {};
    const stored: Row = { ...row };
    for (const [name, f] of fieldList(schema.fields)) {
      if (f.transient) {
        transient[name] = row[name];
        delete stored[name];
      }
    }
    return { transient, stored };
  }

  private sniOps(cert: Row, names: string[], ops: Op[]): void {
    const current = this.tables.childrenOf('snis', 'certificate', cert.id);
    for (const s of current) if (!names.includes(s.name)) ops.push({ op: 'del', entity: 'snis', id: s.id });
    for (const name of names) {
      const owner = this.tables.findUnique('snis', 'name', name);
      if (owner && owner.certificate?.id !== cert.id) throw uniqueViolation({ name });
      if (owner) continue;
      const now = nowS();
      ops.push({
        op: 'put',
        entity: 'snis',
        row: { id: crypto.randomUUID(), name, created_at: now, updated_at: now, tags: null, certificate: { id: cert.id } },
      });
    }
  }

  /** Effective field list: plugins take their config (and protocols) from the plugin's schema. */
  private effectiveFields(schema: EntitySchema, input: Record<string, any>): { fields: FieldEntry[]; errors?: FieldErrors; checks: EntitySchema['entity_checks'] } {
    if (schema.name !== 'plugins') return { fields: schema.fields, checks: [] };
    const name = input.name;
    if (typeof name !== 'string') return { fields: schema.fields, checks: [] };
    const def = this.plugins.get(name);
    if (!def || !this.plugins.isEnabled(name)) {
      return { fields: schema.fields, checks: [], errors: { name: `plugin '${name}' not enabled; add it to the 'plugins' configuration property` } };
    }
    const fields = schema.fields.map((entry) => {
      if ('config' in entry) return { config: { ...def.config, required: true } as Field };
      if ('protocols' in entry && def.protocols) return { protocols: def.protocols };
      if ('consumer' in entry && def.no_consumer) return { consumer: { ...entry.consumer!, custom: () => 'value must be null' } };
      if ('route' in entry && def.no_route) return { route: { ...entry.route!, custom: () => 'value must be null' } };
      if ('service' in entry && def.no_service) return { service: { ...entry.service!, custom: () => 'value must be null' } };
      return entry;
    });
    return { fields, checks: def.entity_checks ?? [] };
  }

  /** Shorthands, FK resolution, defaults, validation, uniqueness: the row to store, or a DaoError. */
  private prepare(
    entity: string,
    rawInput: Record<string, any>,
    op: 'insert' | 'upsert' | 'update',
    existing: Row | undefined,
    opts: WriteOptions,
    tables: Tables = this.tables,
  ): Row {
    const schema = this.schema(entity);
    if (!isObj(rawInput)) throw schemaViolation({ '@entity': ['expected a record'] });
    let input: Record<string, any> = { ...rawInput, ...(opts.forced ?? {}) };
    if (schema.shorthand) input = schema.shorthand(input, existing);
    if (entity === 'plugins' && isObj(input.config)) {
      const def = typeof input.name === 'string' ? this.plugins.get(input.name) : typeof existing?.name === 'string' ? this.plugins.get(existing.name) : undefined;
      if (def?.shorthand) input.config = def.shorthand(input.config);
    }

    // foreign keys given by endpoint key ({name: "x"}) are resolved to ids here
    for (const [fname, f] of fieldList(schema.fields)) {
      if (f.type !== 'foreign') continue;
      const v = input[fname];
      if (typeof v === 'string' && isUuid(v)) input[fname] = { id: v };
      if (!isObj(v) || v.id !== undefined) continue;
      const parent = this.schema(f.reference!);
      const keys = Object.keys(v);
      if (keys.length === 1 && parent.endpoint_key && keys[0] === parent.endpoint_key) {
        const found = tables.findUnique(parent.name, parent.endpoint_key, v[keys[0]!]);
        if (!found) throw foreignKeysUnresolved(fname, { [keys[0]!]: v[keys[0]!] }, parent.name);
        input[fname] = { id: found.id };
      }
    }

    let entityRow: Record<string, any>;
    if (op === 'update') {
      const base = { ...existing! };
      // merge with the plugin's own config fields, so config records merge recursively
      entityRow = mergeUpdate(this.effectiveFields(schema, { ...base, ...input }).fields, base, input);
      if (entity === 'plugins' && input.name !== undefined && input.name !== existing!.name && !isObj(input.config)) {
        // a plugin renamed through PATCH gets the new plugin's defaults
        entityRow.config = {};
      }
    } else {
      if (schema.generate) schema.generate(input);
      entityRow = { ...input };
    }

    const eff = this.effectiveFields(schema, entityRow);
    if (eff.errors) {
      const errs: FieldErrors = { ...eff.errors };
      throw schemaViolation(errs);
    }
    const filled = fillDefaults(eff.fields, entityRow);
    // auto fields
    const ts = getField(schema.fields, 'created_at')?.timestamp;
    const now = ts === 'ms' ? nowMs() : nowS();
    if (op === 'insert' || op === 'upsert') {
      if (filled.id === null || filled.id === undefined) filled.id = crypto.randomUUID();
      if (filled.created_at === null || filled.created_at === undefined) filled.created_at = now;
    }
    if (op === 'update') {
      filled.id = existing!.id;
      if (filled.created_at === null || filled.created_at === undefined) filled.created_at = existing!.created_at;
    }
    if (getField(schema.fields, 'updated_at') && !(opts.keepTimestamps && typeof filled.updated_at === 'number')) filled.updated_at = now;

    const effSchema: EntitySchema = { ...schema, fields: eff.fields };
    const res = validateEntity(effSchema, filled, { op, database: this.kind }, eff.checks);
    if (res.errors) throw schemaViolation(res.errors);
    const row = res.value as Row;
    if (typeof row.id === 'string') row.id = row.id.toLowerCase();

    // foreign keys must point at existing rows
    for (const [fname, f] of fieldList(schema.fields)) {
      if (f.type !== 'foreign') continue;
      const ref = row[fname];
      if (ref && !tables.get(f.reference!, ref.id)) throw foreignKeyViolationMissing(fname, ref.id, f.reference!);
    }
    if (entity === 'services' && Array.isArray(row.ca_certificates)) {
      for (const id of row.ca_certificates) {
        if (!tables.get('ca_certificates', id)) {
          throw schemaViolation({ ca_certificates: `expected a valid CA certificate id: '${id}'` });
        }
      }
    }

    // uniqueness
    const self = existing?.id ?? (op === 'upsert' ? row.id : undefined);
    if (op === 'insert' && tables.get(entity, row.id)) throw primaryKeyViolation(row.id);
    if (op === 'upsert' && !existing && tables.get(entity, row.id)) {
      // PUT by key onto an id used by another entity of the same name would be a pk clash
      const other = tables.get(entity, row.id)!;
      if (schema.endpoint_key && other[schema.endpoint_key] !== row[schema.endpoint_key]) throw primaryKeyViolation(row.id);
    }
    for (const [fname, f] of fieldList(schema.fields)) {
      if (!f.unique || row[fname] === null || row[fname] === undefined) continue;
      const other = tables.findUnique(entity, fname, row[fname]);
      if (other && other.id !== self && other.id !== row.id) throw uniqueViolation({ [fname]: row[fname] });
    }
    if (schema.cache_key) {
      const other = tables.findByCacheKey(entity, row);
      if (other && other.id !== row.id && other.id !== self) {
        const keys: Record<string, unknown> = {};
        for (const k of schema.cache_key) keys[k] = row[k] ?? null;
        throw uniqueViolation(keys);
      }
    }

    if (entity === 'basicauth_credentials') {
      const newPassword = op === 'update' ? rawInput.password : row.password;
      if (typeof newPassword === 'string' && !(op === 'update' && newPassword === existing?.password)) {
        row.password = crypto.createHash('sha1').update(newPassword + row.consumer.id).digest('hex');
      }
    }
    return row;
  }

  // ---- changes made by other nodes (shared-database backends) ----------------------------

  /** Run fn inside the write queue, so it never interleaves with a local write (change feeds). */
  exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    return this.serial(async () => fn());
  }

  /**
   * Apply operations another node committed: to memory, with the same events as a local write.
   * The caller must hold the write queue (inside `exclusive`, or inside `Backend.write`).
   */
  applyRemoteNow(ops: Op[]): void {
    if (!ops.length) return;
    const events: ChangeEvent[] = [];
    for (const op of ops) {
      if (!this.tables.has(op.entity)) continue;
      if (op.op === 'put') {
        const old = this.tables.get(op.entity, op.row.id);
        this.tables.apply(op);
        events.push({ entity: op.entity, op: old ? 'update' : 'create', row: op.row, old });
      } else {
        const old = this.tables.get(op.entity, op.id);
        if (!old) continue;
        this.tables.apply(op);
        events.push({ entity: op.entity, op: 'delete', row: old });
      }
    }
    this.changed(events);
  }

  /** Queued form of `applyRemoteNow`. */
  applyRemote(ops: Op[]): Promise<void> {
    return this.serial(async () => this.applyRemoteNow(ops));
  }

  /** Replace memory with a full copy read from the shared database (resync); caller holds the queue. */
  reloadRemoteNow(tables: Record<string, Row[]>): void {
    this.loadRaw(tables);
    this.emit('reload');
    this.emit('changes', []);
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    await this.backend.close();
  }
}

function normalizeMaybe(v: string): string {
  const m = /^(.*?)(?::(\d+))?$/.exec(v);
  if (!m) return v;
  if (v.startsWith('[')) return v.includes(']:') ? v : `${v}:8000`;
  return m[2] ? v.toLowerCase() : `${v.toLowerCase()}:8000`;
}

function decodeOffset(token: string): string {
  if (!/^[A-Za-z0-9+/=_-]+$/.test(token)) throw invalidOffset(token, 'bad base64 encoding');
  try {
    const text = Buffer.from(token, 'base64').toString('utf8');
    const arr = JSON.parse(text);
    if (!Array.isArray(arr) || typeof arr[0] !== 'string') throw new Error('bad');
    return arr[0];
  } catch {
    throw invalidOffset(token, 'bad base64 encoding');
  }
}

function matchesFilter(r: Row, filter: Record<string, unknown>, keys: string[]): boolean {
  for (const k of keys) {
    const want = filter[k];
    const have = r[k];
    if (isObj(have)) {
      if (have.id !== want) return false;
    } else if (have !== want) return false;
  }
  return true;
}

function matchesTags(have: unknown, want: string[], mode: 'and' | 'or'): boolean {
  if (!Array.isArray(have)) return false;
  if (mode === 'and') return want.every((t) => have.includes(t));
  return want.some((t) => have.includes(t));
}

export { mergeErrors };
