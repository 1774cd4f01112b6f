// In-memory tables with unique and foreign-key indexes. Reads are synchronous; both store
// implementations keep the whole configuration here, as Kong nodes keep theirs in cache.
import type { EntitySchema } from './schema/types.js';
import { fieldList } from './schema/validate.js';
import { ENTITY_ORDER } from './schema/index.js';

export type Row = Record<string, any> & { id: string };

export type Op = { op: 'put'; entity: string; row: Row } | { op: 'del'; entity: string; id: string };

interface Table {
  schema: EntitySchema;
  rows: Map<string, Row>;
  /** unique field -> normalised value -> id */
  unique: Map<string, Map<string, string>>;
  /** foreign field -> parent id -> child ids */
  children: Map<string, Map<string, Set<string>>>;
  /** cache_key string -> id */
  cacheKeys: Map<string, string>;
  sorted: Row[] | null;
}

export function cacheKeyOf(schema: EntitySchema, row: Record<string, any>): string | null {
  if (!schema.cache_key) return null;
  return schema.cache_key
    .map((f) => {
      const v = row[f];
      if (v === null || v === undefined) return '';
      return typeof v === 'object' ? String(v.id) : String(v);
    })
    .join(':');
}

function uniqueValue(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export class Tables {
  private readonly tables = new Map<string, Table>();

  constructor(schemas: EntitySchema[] = ENTITY_ORDER) {
    for (const schema of schemas) {
      const unique = new Map<string, Map<string, string>>();
      const children = new Map<string, Map<string, Set<string>>>();
      for (const [name, f] of fieldList(schema.fields)) {
        if (f.unique) unique.set(name, new Map());
        if (f.type === 'foreign') children.set(name, new Map());
      }
      this.tables.set(schema.name, { schema, rows: new Map(), unique, children, cacheKeys: new Map(), sorted: null });
    }
  }

  has(entity: string): boolean {
    return this.tables.has(entity);
  }

  private table(entity: string): Table {
    const t = this.tables.get(entity);
    if (!t) throw new Error(`unknown entity '${entity}'`);
    return t;
  }

  get(entity: string, id: string): Row | undefined {
    return this.table(entity).rows.get(id);
  }

  findUnique(entity: string, field: string, value: unknown): Row | undefined {
    const t = this.table(entity);
    const key = uniqueValue(value);
    if (key === null) return undefined;
    const idx = t.unique.get(field);
    if (idx) {
      const id = idx.get(key);
      return id ? t.rows.get(id) : undefined;
    }
    for (const r of t.rows.values()) if (uniqueValue(r[field]) === key) return r;
    return undefined;
  }

  findByCacheKey(entity: string, row: Record<string, any>): Row | undefined {
    const t = this.table(entity);
    const key = cacheKeyOf(t.schema, row);
    if (key === null) return undefined;
    const id = t.cacheKeys.get(key);
    return id ? t.rows.get(id) : undefined;
  }

  childrenOf(entity: string, field: string, parentId: string): Row[] {
    const t = this.table(entity);
    const ids = t.children.get(field)?.get(parentId);
    if (!ids) return [];
    const out: Row[] = [];
    for (const id of ids) {
      const r = t.rows.get(id);
      if (r) out.push(r);
    }
    return out;
  }

  count(entity: string): number {
    return this.table(entity).rows.size;
  }

  /** Rows ordered by id (as PostgreSQL pages with ORDER BY id). */
  sorted(entity: string): Row[] {
    const t = this.table(entity);
    if (!t.sorted) t.sorted = [...t.rows.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return t.sorted;
  }

  all(entity: string): IterableIterator<Row> {
    return this.table(entity).rows.values();
  }

  entities(): string[] {
    return [...this.tables.keys()];
  }

  apply(op: Op): void {
    const t = this.table(op.entity);
    if (op.op === 'put') {
      const old = t.rows.get(op.row.id);
      if (old) this.unindex(t, old);
      t.rows.set(op.row.id, op.row);
      this.index(t, op.row);
    } else {
      const old = t.rows.get(op.id);
      if (!old) return;
      this.unindex(t, old);
      t.rows.delete(op.id);
    }
    t.sorted = null;
  }

  clear(): void {
    for (const t of this.tables.values()) {
      t.rows.clear();
      for (const m of t.unique.values()) m.clear();
      for (const m of t.children.values()) m.clear();
      t.cacheKeys.clear();
      t.sorted = null;
    }
  }

  private index(t: Table, row: Row): void {
    for (const [field, idx] of t.unique) {
      const v = uniqueValue(row[field]);
      if (v !== null) idx.set(v, row.id);
    }
    for (const [field, idx] of t.children) {
      const parent = row[field]?.id;
      if (!parent) continue;
      let set = idx.get(parent);
      if (!set) idx.set(parent, (set = new Set()));
      set.add(row.id);
    }
    const ck = cacheKeyOf(t.schema, row);
    if (ck !== null) t.cacheKeys.set(ck, row.id);
  }

  private unindex(t: Table, row: Row): void {
    for (const [field, idx] of t.unique) {
      const v = uniqueValue(row[field]);
      if (v !== null && idx.get(v) === row.id) idx.delete(v);
    }
    for (const [field, idx] of t.children) {
      const parent = row[field]?.id;
      if (parent) idx.get(parent)?.delete(row.id);
    }
    const ck = cacheKeyOf(t.schema, row);
    if (ck !== null && t.cacheKeys.get(ck) === row.id) t.cacheKeys.delete(ck);
  }

  /** A plain copy of every table, parents first (snapshots and exports). */
  dump(): Record<string, Row[]> {
    const out: Record<string, Row[]> = {};
    for (const [name, t] of this.tables) out[name] = [...t.rows.values()];
    return out;
  }
}
