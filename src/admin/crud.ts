// Kong's generated CRUD endpoints (kong/api/endpoints.lua) for every entity and foreign key.
import type { EntitySchema, FieldEntry } from '../store/schema/index.js';
import { ENTITY_ORDER } from '../store/schema/index.js';
import { fieldList } from '../store/schema/validate.js';
import { invalidOptions, invalidSize } from '../store/errors.js';
import type { EntityStore, PageOptions, Row } from '../store/dao.js';
import { inferTypes } from './args.js';
import { HttpError, notFoundError, type AdminRequest, type AdminResponse } from './http.js';
import type { AdminContext, AdminRouter, Handler } from './server.js';

export function collectionName(s: EntitySchema): string {
  return s.admin_name ?? s.name;
}

/** Field list used to infer form types: plugins take their config fields from the plugin schema. */
function formFields(ctx: AdminContext, schema: EntitySchema, body: Record<string, any>, existing?: Row): FieldEntry[] {
  if (schema.name !== 'plugins') return schema.fields;
  const name = typeof body.name === 'string' ? body.name : existing?.name;
  const def = name ? ctx.plugins.get(name) : undefined;
  if (!def) return schema.fields;
  return schema.fields.map((e) => ('config' in e ? { config: def.config } : e));
}

export function entityBody(ctx: AdminContext, schema: EntitySchema, req: AdminRequest, existing?: Row): Record<string, any> {
  if (!req.form) return req.body;
  return inferTypes(formFields(ctx, schema, req.body, existing), req.body);
}

export function pageOptions(req: AdminRequest): PageOptions {
  const opts: PageOptions = {};
  if (req.query.size !== undefined) {
    const n = Number(req.query.size);
    if (req.query.size === '' || !Number.isFinite(n)) throw invalidSize('size must be a number');
    if (!Number.isInteger(n) || n < 1 || n > 1000) throw invalidSize('size must be an integer between 1 and 1000');
    opts.size = n;
  }
  if (req.query.offset !== undefined) opts.offset = String(req.query.offset);
  if (req.query.tags !== undefined) {
    const raw = String(req.query.tags);
    if (raw === '') throw invalidOptions({ tags: 'cannot be null' });
    const hasAnd = raw.includes(',');
    const hasOr = raw.includes('/');
    if (hasAnd && hasOr) throw invalidOptions({ tags: 'invalid filter syntax' });
    const tags = raw.split(hasOr ? '/' : ',');
    if (tags.some((t) => t === '')) throw invalidOptions({ tags: 'invalid filter syntax' });
    if (tags.length > 5) throw invalidOptions({ tags: 'cannot query more than 5 tags' });
    opts.tags = tags;
    opts.tagsMode = hasOr ? 'or' : 'and';
  }
  return opts;
}

export function pageResponse(base: string, req: AdminRequest, page: { data: Row[]; offset?: string }, nested: boolean): AdminResponse {
  const body: Record<string, unknown> = { data: page.data };
  if (page.offset) {
    body.offset = page.offset;
    let next = `${base}?offset=${encodeURIComponent(page.offset)}`;
    if (!nested) {
      if (req.query.tags !== undefined) next += `&tags=${encodeURIComponent(String(req.query.tags))}`;
      if (req.query.size !== undefined) next += `&size=${encodeURIComponent(String(req.query.size))}`;
    }
    body.next = next;
  } else body.next = null;
  return { status: 200, body };
}

function foreignFields(schema: EntitySchema): Array<[string, string]> {
  return fieldList(schema.fields)
    .filter(([, f]) => f.type === 'foreign')
    .map(([n, f]) => [n, f.reference!]);
}

function resolveOr404(store: EntityStore, entity: string, key: string, scope?: { field: string; id: string }): Row {
  const row = store.resolve(entity, key, scope);
  if (!row) throw notFoundError();
  return row;
}

export function registerCrud(router: AdminRouter, ctx: AdminContext, schema: EntitySchema): void {
  const store = ctx.store;
  const E = schema.name;
  const col = collectionName(schema);
  const param = `{${col}}`;

  if (!schema.nested_only) {
    router.add({
      pattern: `/${col}`,
      methods: {
        GET: (req) => pageResponse(`/${col}`, req, store.page(E, { ...pageOptions(req), ...collectionFilter(E, req) }), false),
        POST: async (req) => ({ status: 201, body: await store.insert(E, entityBody(ctx, schema, req)) }),
      },
    });
    router.add({
      pattern: `/${col}/${param}`,
      methods: {
        GET: (req) => ({ status: 200, body: store.present(E, resolveOr404(store, E, req.params[col]!)) }),
        PUT: async (req) => ({ status: 200, body: await store.upsert(E, req.params[col]!, entityBody(ctx, schema, req, store.resolve(E, req.params[col]!))) }),
        PATCH: async (req) => {
          const key = req.params[col]!;
          const existing = store.resolve(E, key);
          if (E === 'plugins' && req.form && req.body.name === undefined && !existing) throw notFoundError();
          return { status: 200, body: await store.update(E, key, entityBody(ctx, schema, req, existing)) };
        },
        DELETE: async (req) => {
          await store.delete(E, req.params[col]!);
          return { status: 204 };
        },
      },
    });
  }

  for (const [field, parentName] of foreignFields(schema)) {
    const parent = ENTITY_ORDER.find((s) => s.name === parentName)!;
    const pcol = collectionName(parent);
    const pparam = `{${pcol}}`;
    const childCol = schema.nested_name ?? col;

    // /E/{E}/F: the parent of one entity
    if (!schema.nested_only) {
      const parentOf = (req: AdminRequest): Row => {
        const row = resolveOr404(store, E, req.params[col]!);
        const ref = row[field]?.id;
        if (!ref) throw notFoundError();
        return resolveOr404(store, parentName, ref);
      };
      router.add({
        pattern: `/${col}/${param}/${field}`,
        methods: {
          GET: (req) => ({ status: 200, body: store.present(parentName, parentOf(req)) }),
          PATCH: async (req) => {
            const p = parentOf(req);
            return { status: 200, body: await store.update(parentName, p.id, entityBody(ctx, parent, req, p)) };
          },
          PUT: async (req) => {
            const p = parentOf(req);
            return { status: 200, body: await store.upsert(parentName, p.id, entityBody(ctx, parent, req, p)) };
          },
          DELETE: (req) => {
            parentOf(req);
            throw new HttpError(405, { message: 'Method not allowed' });
          },
        },
      });
    }

    // /P/{P}/E: children of one parent
    const scopeOf = (req: AdminRequest) => {
      const p = resolveParent(store, parentName, req.params[pcol]!);
      return { parent: p, scope: { field, id: p.id } };
    };
    router.add({
      pattern: `/${pcol}/${pparam}/${childCol}`,
      methods: {
        GET: (req) => {
          const { parent: p } = scopeOf(req);
          const page = store.page(E, { ...pageOptions(req), filter: { [field]: p.id } });
          return pageResponse(`/${pcol}/${encodeURIComponent(req.params[pcol]!)}/${childCol}`, req, page, true);
        },
        POST: async (req) => {
          const { parent: p } = scopeOf(req);
          return { status: 201, body: await store.insert(E, entityBody(ctx, schema, req), { forced: { [field]: { id: p.id } } }) };
        },
      },
    });
    const childParam = `{${childCol}_child}`;
    const child = (req: AdminRequest, scope: { field: string; id: string }) => resolveOr404(store, E, req.params[`${childCol}_child`]!, scope);
    router.add({
      pattern: `/${pcol}/${pparam}/${childCol}/${childParam}`,
      methods: {
        GET: (req) => {
          const { scope } = scopeOf(req);
          return { status: 200, body: store.present(E, child(req, scope)) };
        },
        PATCH: async (req) => {
          const { scope } = scopeOf(req);
          const c = child(req, scope);
          return { status: 200, body: await store.update(E, c.id, entityBody(ctx, schema, req, c), { forced: { [field]: { id: scope.id } } }) };
        },
        PUT: async (req) => {
          const { scope } = scopeOf(req);
          const key = req.params[`${childCol}_child`]!;
          const existing = store.resolve(E, key, scope);
          return {
            status: 200,
            body: await store.upsert(E, key, entityBody(ctx, schema, req, existing), { forced: { [field]: { id: scope.id } }, scope }),
          };
        },
        DELETE: async (req) => {
          const { scope } = scopeOf(req);
          const c = child(req, scope);
          await store.delete(E, c.id);
          return { status: 204 };
        },
      },
    });
  }
}

function resolveParent(store: EntityStore, entity: string, key: string): Row {
  const row = store.resolve(entity, key);
  if (!row) throw notFoundError();
  return row;
}

/** Collection-level query filters Kong supports (consumers by custom_id). */
function collectionFilter(entity: string, req: AdminRequest): PageOptions {
  if (entity === 'consumers' && req.query.custom_id !== undefined) {
    const v = String(req.query.custom_id);
    if (v === '') throw new HttpError(400, { message: 'custom_id must be an unempty string' });
    return { filter: { custom_id: v } };
  }
  return {};
}

export function registerAllCrud(router: AdminRouter, ctx: AdminContext): void {
  for (const schema of ENTITY_ORDER) registerCrud(router, ctx, schema);
  // /targets is disabled in Kong: every path answers 404
  const gone: Handler = () => {
    throw notFoundError();
  };
  for (const p of ['/targets', '/targets/{targets}', '/targets/{targets}/upstream']) {
    router.add({ pattern: p, methods: { GET: gone, POST: gone, PUT: gone, PATCH: gone, DELETE: gone } });
  }
}
