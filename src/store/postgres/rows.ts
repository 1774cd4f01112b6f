// SQL for entity rows and the keys the database arbitrates: unique fields, cache keys, foreign keys.
import crypto from 'node:crypto';
import type pg from 'pg';
import { ENTITY_ORDER, entitySchemas } from '../schema/index.js';
import type { EntitySchema } from '../schema/types.js';
import { fieldList } from '../schema/validate.js';
import { cacheKeyOf, type Op, type Row, type Tables } from '../tables.js';
import { foreignKeyViolationMissing, foreignKeyViolationReferenced, uniqueViolation, type DaoError } from '../errors.js';

type Queryable = Pick<pg.ClientBase, 'query'>;

/** The unique_keys field name used for an entity's cache_key. */
export const CACHE_KEY_FIELD = '@cache_key';
/** Long values (certificate PEMs) are stored hashed: btree entries must stay small. */
const MAX_PLAIN = 256;
const HASHED = 'sha256:';
/**
 * What a PostgreSQL text value cannot hold as is: NUL (refused by the server) and lone surrogates
 * (sent as U+FFFD, so two different values would clash). The embedded store accepts both.
 */
const NOT_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

interface UniqueKey {
  field: string;
  value: string;
  /** The DAO's error fields for a clash on this key. */
  keys: Record<string, unknown>;
}

function keyText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  if (NOT_TEXT.test(s)) {
    // JSON escapes keep such values distinct; the marker keeps them apart from plain hashed values
    return HASHED + 'j:' + crypto.createHash('sha256').update(JSON.stringify(s)).digest('hex');
  }
  // a plain value that looks hashed is hashed too, so no plain value can equal another's hash
  return s.length > MAX_PLAIN || s.startsWith(HASHED) ? HASHED + crypto.createHash('sha256').update(s).digest('hex') : s;
}

/** Same notion of uniqueness as the in-memory Tables (exact value; cache_key as joined ids). */
export function uniqueKeysOf(schema: EntitySchema, row: Row): UniqueKey[] {
  const out: UniqueKey[] = [];
  for (const [name, f] of fieldList(schema.fields)) {
    if (!f.unique) continue;
    const v = keyText(row[name]);
    if (v !== null) out.push({ field: name, value: v, keys: { [name]: row[name] } });
  }
  const ck = cacheKeyOf(schema, row);
  if (ck !== null && schema.cache_key) {
    const keys: Record<string, unknown> = {};
    for (const k of schema.cache_key) keys[k] = row[k] ?? null;
    out.push({ field: CACHE_KEY_FIELD, value: keyText(ck)!, keys });
  }
  return out;
}

interface Ref {
  field: string;
  parent: string;
  parentId: string;
}

export function refsOf(schema: EntitySchema, row: Row): Ref[] {
  const out: Ref[] = [];
  for (const [name, f] of fieldList(schema.fields)) {
    if (f.type !== 'foreign' || !f.reference) continue;
    const id = row[name]?.id;
    if (typeof id === 'string') out.push({ field: name, parent: f.reference, parentId: id });
  }
  return out;
}

/**
 * Apply one write's operations inside an open transaction. A unique clash is returned (not thrown)
 * so the caller can roll back and answer with the DAO's own 409.
 */
export async function applyOps(client: Queryable, ops: Op[], extra: Op[] = []): Promise<DaoError | null> {
  for (const op of ops) {
    if (op.op === 'del') {
      await cascadeUnseen(client, op.entity, op.id, extra);
      // unique_keys and refs rows of the entity go with it (ON DELETE CASCADE)
      await client.query('DELETE FROM entities WHERE entity = $1 AND id = $2', [op.entity, op.id]);
      continue;
    }
    const schema = entitySchemas[op.entity];
    if (!schema) throw new Error(`unknown entity '${op.entity}'`);
    const { row } = op;
    // the row, and its previous keys out of the way (one statement: different tables)
    await client.query(
      `WITH e AS (INSERT INTO entities (entity, id, row) VALUES ($1, $2, $3::json)
                  ON CONFLICT (entity, id) DO UPDATE SET row = EXCLUDED.row),
            k AS (DELETE FROM unique_keys WHERE entity = $1 AND id = $2),
            r AS (DELETE FROM refs WHERE entity = $1 AND id = $2)
       SELECT 1`,
      [op.entity, row.id, JSON.stringify(row)],
    );
    const keys = uniqueKeysOf(schema, row);
    if (keys.length) {
      const r = await client.query<{ field: string }>(
        `INSERT INTO unique_keys (entity, field, value, id)
         SELECT $1, u.f, u.v, $2 FROM unnest($3::text[], $4::text[]) AS u(f, v)
         ON CONFLICT DO NOTHING RETURNING field`,
        [op.entity, row.id, keys.map((k) => k.field), keys.map((k) => k.value)],
      );
      if (r.rows.length !== keys.length) {
        const got = new Set(r.rows.map((x) => x.field));
        const clash = keys.find((k) => !got.has(k.field))!;
        return uniqueViolation(clash.keys);
      }
    }
    const refs = refsOf(schema, row);
    if (refs.length) {
      await client.query(
        `INSERT INTO refs (entity, id, field, parent_entity, parent_id)
         SELECT $1, $2, u.f, u.p, u.pid FROM unnest($3::text[], $4::text[], $5::uuid[]) AS u(f, p, pid)`,
        [op.entity, row.id, refs.map((x) => x.field), refs.map((x) => x.parent), refs.map((x) => x.parentId)],
      );
    }
  }
  return null;
}

/**
 * Children written by another node after this node computed its cascade (it could not see them):
 * deleted here too when their foreign key cascades, appended to `extra` (children first). A
 * restricting key is left alone: the deferred refs constraint then refuses the delete.
 */
async function cascadeUnseen(client: Queryable, entity: string, id: string, extra: Op[]): Promise<void> {
  const r = await client.query<{ entity: string; id: string; field: string }>(
    'SELECT entity, id, field FROM refs WHERE parent_entity = $1 AND parent_id = $2',
    [entity, id],
  );
  for (const child of r.rows) {
    const f = fieldList(entitySchemas[child.entity]?.fields ?? []).find(([n]) => n === child.field)?.[1];
    if (f?.on_delete !== 'cascade') continue;
    if (extra.some((o) => o.op === 'del' && o.entity === child.entity && o.id === child.id)) continue;
    await cascadeUnseen(client, child.entity, child.id, extra);
    await client.query('DELETE FROM entities WHERE entity = $1 AND id = $2', [child.entity, child.id]);
    extra.push({ op: 'del', entity: child.entity, id: child.id });
  }
}

/** Replace every row (declarative load) in an open transaction, in bulk. */
export async function replaceRows(client: Queryable, tables: Tables): Promise<void> {
  await client.query('DELETE FROM entities');
  for (const schema of ENTITY_ORDER) {
    const rows = [...tables.all(schema.name)];
    if (!rows.length) continue;
    await client.query(
      'INSERT INTO entities (entity, id, row) SELECT $1, u.id, u.r FROM unnest($2::uuid[], $3::json[]) AS u(id, r)',
      [schema.name, rows.map((r) => r.id), rows.map((r) => JSON.stringify(r))],
    );
    const kIds: string[] = [];
    const kFields: string[] = [];
    const kValues: string[] = [];
    const rIds: string[] = [];
    const rFields: string[] = [];
    const rParents: string[] = [];
    const rParentIds: string[] = [];
    for (const row of rows) {
      for (const k of uniqueKeysOf(schema, row)) {
        kIds.push(row.id);
        kFields.push(k.field);
        kValues.push(k.value);
      }
      for (const x of refsOf(schema, row)) {
        rIds.push(row.id);
        rFields.push(x.field);
        rParents.push(x.parent);
        rParentIds.push(x.parentId);
      }
    }
    if (kIds.length) {
      await client.query(
        'INSERT INTO unique_keys (entity, field, value, id) SELECT $1, u.f, u.v, u.id FROM unnest($2::uuid[], $3::text[], $4::text[]) AS u(id, f, v)',
        [schema.name, kIds, kFields, kValues],
      );
    }
    if (rIds.length) {
      await client.query(
        `INSERT INTO refs (entity, id, field, parent_entity, parent_id)
         SELECT $1, u.id, u.f, u.p, u.pid FROM unnest($2::uuid[], $3::text[], $4::text[], $5::uuid[]) AS u(id, f, p, pid)`,
        [schema.name, rIds, rFields, rParents, rParentIds],
      );
    }
  }
}

export interface Snapshot {
  tables: Record<string, Row[]>;
  seq: number;
  epoch: string;
  prunedThrough: number;
}

/** Every row and the change-feed position they reflect, from one consistent snapshot. */
export async function loadSnapshot(client: Queryable): Promise<Snapshot> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const meta = await client.query<{ epoch: string; pruned_through: string }>('SELECT epoch, pruned_through FROM store_meta WHERE id = 1');
    const seq = await client.query<{ seq: string }>('SELECT coalesce(max(seq), 0) AS seq FROM changes');
    const rows = await client.query<{ entity: string; row: Row }>('SELECT entity, row FROM entities');
    await client.query('COMMIT');
    const tables: Record<string, Row[]> = {};
    for (const r of rows.rows) (tables[r.entity] ??= []).push(r.row);
    const prunedThrough = Number(meta.rows[0]?.pruned_through ?? 0);
    return { tables, seq: Math.max(Number(seq.rows[0]!.seq), prunedThrough), epoch: meta.rows[0]?.epoch ?? '', prunedThrough };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * The DAO's foreign-key error for a write the refs constraint refused at commit: a parent another
 * node deleted, or a restricting child another node created, between our check and our commit.
 */
export async function foreignKeyRace(client: Queryable, err: unknown, ops: Op[]): Promise<DaoError | null> {
  const e = err as { code?: string; detail?: string };
  if (e.code !== '23503' || !e.detail) return null;
  const missing = /Key \(parent_entity, parent_id\)=\(([^,]+), ([0-9a-f-]+)\) is not present/.exec(e.detail);
  if (missing) {
    const [, parent, parentId] = missing as unknown as [string, string, string];
    let field = parent.replace(/s$/, '');
    for (const op of ops) {
      if (op.op !== 'put') continue;
      for (const [name, f] of fieldList(entitySchemas[op.entity]?.fields ?? [])) {
        if (f.type === 'foreign' && f.reference === parent && op.row[name]?.id === parentId) field = name;
      }
    }
    return foreignKeyViolationMissing(field, parentId, parent);
  }
  const referenced = /Key \(entity, id\)=\(([^,]+), ([0-9a-f-]+)\) is still referenced/.exec(e.detail);
  if (referenced) {
    const r = await client
      .query<{ entity: string }>('SELECT entity FROM refs WHERE parent_entity = $1 AND parent_id = $2 LIMIT 1', [referenced[1], referenced[2]])
      .catch(() => ({ rows: [] as { entity: string }[] }));
    return foreignKeyViolationReferenced(r.rows[0]?.entity ?? 'unknown', referenced[1]!);
  }
  return null;
}
