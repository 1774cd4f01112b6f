// Informational endpoints: /, /status, /endpoints, /schemas, /plugins/enabled, /tags, upstream health.
import os from 'node:os';
import { KONG_VERSION } from '../config/index.js';
import { ENTITY_ORDER, entitySchemas, type Field, type FieldEntry } from '../store/schema/index.js';
import { fieldList } from '../store/schema/validate.js';
import { invalidOffset, schemaViolation } from '../store/errors.js';
import type { Row } from '../store/dao.js';
import { entityBody, pageOptions, pageResponse } from './crud.js';
import { HttpError, notFoundError, type AdminRequest, type AdminResponse } from './http.js';
import type { AdminContext, AdminRouter } from './server.js';

export function serializeField(f: Field): Record<string, unknown> {
  const out: Record<string, unknown> = { type: f.type };
  const copy = ['required', 'unique', 'auto', 'uuid', 'immutable', 'one_of', 'between', 'gt', 'len_min', 'len_max', 'starts_with', 'reference', 'on_delete', 'transient', 'encrypted', 'abstract', 'description'] as const;
  if (f.timestamp) out.timestamp = true;
  for (const k of copy) if (f[k] !== undefined) out[k] = f[k];
  if (f.default !== undefined) out.default = f.default;
  if (f.elements) out.elements = serializeField(f.elements);
  if (f.keys) out.keys = serializeField(f.keys);
  if (f.values) out.values = serializeField(f.values);
  if (f.fields) out.fields = serializeFields(f.fields);
  return out;
}

export function serializeFields(entries: FieldEntry[]): Array<Record<string, unknown>> {
  return fieldList(entries).map(([name, f]) => ({ [name]: serializeField(f) }));
}

function mib(bytes: number, unit: string, scale: number): string {
  const div = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[unit]!;
  const label = { b: ' bytes', k: ' KiB', m: ' MiB', g: ' GiB' }[unit]!;
  return unit === 'b' ? `${bytes}${label}` : `${(bytes / div).toFixed(scale)}${label}`;
}

/** GET /status (admin and status API): memory, connection counters, database or configuration hash. */
export function statusBody(req: AdminRequest, ctx: AdminContext): AdminResponse {
  const unit = req.query.unit === undefined ? 'm' : String(req.query.unit);
  if (!['b', 'k', 'm', 'g'].includes(unit)) throw new HttpError(400, { message: `invalid unit '${unit}' (expected 'k/K', 'm/M', or 'g/G')` });
  const scale = req.query.scale === undefined ? 2 : Number(req.query.scale);
  if (!Number.isInteger(scale) || scale < 0) throw new HttpError(400, { message: `invalid scale '${req.query.scale}'` });
  const mem = process.memoryUsage();
  const body: Record<string, unknown> = {
    memory: {
      workers_lua_vms: (ctx.processMemory?.() ?? [{ pid: process.pid, heapUsed: mem.heapUsed }]).map((w) => ({ http_allocated_gc: mib(w.heapUsed, unit, scale), pid: w.pid })),
      lua_shared_dicts: { kong: { capacity: mib(5 * 1024 * 1024, unit, scale), allocated_slabs: mib(mem.external, unit, scale) } },
    },
    server: ctx.serverStats(),
  };
  if (ctx.config.database === 'off') body.configuration_hash = ctx.store.configHash;
  else body.database = { reachable: ctx.databaseReachable?.() ?? true };
  return { status: 200, body };
}

export function registerInfo(router: AdminRouter, ctx: AdminContext): void {
  const store = ctx.store;

  router.add({
    pattern: '/',
    methods: {
      GET: () => {
        const available: Record<string, { version: string; priority: number }> = {};
        for (const d of ctx.plugins.enabledDefinitions()) available[d.name] = { version: d.version, priority: d.priority };
        const enabledInCluster = [...new Set(store.list('plugins').map((p) => p.name as string))].sort();
        return {
          status: 200,
          body: {
            tagline: 'Welcome to kong',
            version: KONG_VERSION,
            edition: 'community',
            portcullis_version: ctx.version,
            hostname: ctx.hostname || os.hostname(),
            node_id: ctx.nodeId,
            timers: { running: 0, pending: 0 },
            plugins: { available_on_server: available, enabled_in_cluster: enabledInCluster },
            lua_version: `Node.js ${process.version}`,
            configuration: { ...ctx.config.raw, database: ctx.config.database === 'embedded' ? 'postgres' : ctx.config.database, portcullis_database: ctx.config.database },
            pids: { master: process.pid, workers: [process.pid] },
          },
        };
      },
    },
  });

  router.add({ pattern: '/status', methods: { GET: (req) => statusBody(req, ctx) } });

  router.add({
    pattern: '/endpoints',
    methods: {
      GET: () => ({ status: 200, body: { data: router.patterns().sort() } }),
    },
  });

  router.add({
    pattern: '/plugins/enabled',
    methods: { GET: () => ({ status: 200, body: { enabled_plugins: ctx.plugins.enabledNames() } }) },
  });

  const pluginSchema = (name: string) => {
    const def = ctx.plugins.definition(name);
    if (!def) throw new HttpError(404, { message: `No plugin named '${name}'` });
    const s = def.schema;
    const fields: Array<Record<string, unknown>> = [
      { consumer: s.no_consumer ? { type: 'foreign', reference: 'consumers', eq: null } : { type: 'foreign', reference: 'consumers' } },
      { protocols: serializeField(s.protocols ?? fieldOf('plugins', 'protocols')) },
      { config: serializeField({ ...s.config, required: true }) },
    ];
    return { fields };
  };
  router.add({ pattern: '/schemas/plugins/{name}', methods: { GET: (req) => ({ status: 200, body: pluginSchema(req.params.name!) }) } });
  router.add({
    pattern: '/plugins/schema/{name}',
    methods: {
      GET: (req) => {
        const def = ctx.plugins.definition(req.params.name!);
        if (!def) throw new HttpError(404, { message: `No plugin named '${req.params.name}'` });
        return { status: 200, body: serializeField(def.schema.config) };
      },
    },
  });
  router.add({
    pattern: '/schemas/{name}',
    methods: {
      GET: (req) => {
        const s = entitySchemas[req.params.name!];
        if (!s) throw new HttpError(404, { message: `No entity named '${req.params.name}'` });
        return { status: 200, body: { fields: serializeFields(s.fields), entity_checks: [] } };
      },
    },
  });
  const validateWith = (entity: string) => (req: any) => {
    const s = entitySchemas[entity];
    if (!s) throw new HttpError(404, { message: `No entity named '${entity}'` });
    const r = store.validateRow(entity, entityBody(ctx, s, req));
    if (r.errors) throw schemaViolation(r.errors);
    return { status: 200, body: { message: 'schema validation successful' } };
  };
  router.add({ pattern: '/schemas/{name}/validate', methods: { POST: (req) => validateWith(req.params.name!)(req) } });
  router.add({ pattern: '/schemas/plugins/validate', methods: { POST: (req) => validateWith('plugins')(req) } });

  // tags
  const tagRows = (tag?: string) => {
    const out: Row[] = [];
    for (const s of ENTITY_ORDER) {
      for (const r of store.list(s.name)) {
        if (!Array.isArray(r.tags)) continue;
        for (const t of r.tags as string[]) if (tag === undefined || t === tag) out.push({ id: `${t}\u0000${r.id}`, entity_name: s.name, entity_id: r.id, tag: t });
      }
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : 1));
  };
  const tagPage = (req: any, tag?: string) => {
    const opts = pageOptions(req);
    const size = opts.size ?? 100;
    const rows = tagRows(tag);
    let start = 0;
    if (opts.offset) {
      if (!/^[A-Za-z0-9+/=_-]+$/.test(opts.offset)) throw invalidOffset(opts.offset, 'bad base64 encoding');
      const after = Buffer.from(opts.offset, 'base64').toString('utf8');
      start = rows.findIndex((r) => r.id > after);
      if (start < 0) start = rows.length;
    }
    const slice = rows.slice(start, start + size);
    const page: { data: Row[]; offset?: string } = { data: slice.map(({ id: _id, ...rest }) => rest as Row) };
    if (start + size < rows.length) page.offset = Buffer.from(slice[slice.length - 1]!.id).toString('base64');
    return pageResponse(tag ? `/tags/${encodeURIComponent(tag)}` : '/tags', req, page, true);
  };
  router.add({ pattern: '/tags', methods: { GET: (req) => tagPage(req) } });
  router.add({ pattern: '/tags/{tag}', methods: { GET: (req) => tagPage(req, req.params.tag) } });

  // upstream health and targets/all
  router.add({
    pattern: '/upstreams/{upstreams}/targets/all',
    methods: {
      GET: (req) => {
        const u = store.resolve('upstreams', req.params.upstreams!);
        if (!u) throw notFoundError();
        const page = store.page('targets', { ...pageOptions(req), filter: { upstream: u.id } });
        return pageResponse(`/upstreams/${encodeURIComponent(req.params.upstreams!)}/targets/all`, req, page, true);
      },
    },
  });
  router.add({
    pattern: '/upstreams/{upstreams}/health',
    methods: {
      GET: (req) => {
        const u = store.resolve('upstreams', req.params.upstreams!);
        if (!u) throw notFoundError();
        const health = ctx.upstreamHealth?.(u.id) ?? {
          data: store.list('targets').filter((t) => t.upstream.id === u.id).map((t) => ({ ...t, health: t.weight === 0 ? 'HEALTHCHECKS_OFF' : 'HEALTHCHECKS_OFF', data: { addresses: [] } })),
        };
        const body: Record<string, unknown> = { node_id: ctx.nodeId, ...health, next: null };
        if (req.query.balancer_health) {
          return { status: 200, body: { node_id: ctx.nodeId, id: u.id, data: { health: 'HEALTHY', balancer_health: 'HEALTHY' } } };
        }
        return { status: 200, body };
      },
    },
  });
  for (const state of ['healthy', 'unhealthy'] as const) {
    const set = (req: any, address: string | null) => {
      const u = store.resolve('upstreams', req.params.upstreams!);
      if (!u) throw notFoundError();
      const t = store.resolve('targets', req.params.targets!, { field: 'upstream', id: u.id });
      if (!t) throw notFoundError();
      ctx.setTargetHealth?.(u.id, t.id, address, state === 'healthy');
      return { status: 204 };
    };
    router.add({ pattern: `/upstreams/{upstreams}/targets/{targets}/${state}`, methods: { PUT: (req) => set(req, null), POST: (req) => set(req, null) } });
    router.add({ pattern: `/upstreams/{upstreams}/targets/{targets}/{address}/${state}`, methods: { PUT: (req) => set(req, req.params.address!), POST: (req) => set(req, req.params.address!) } });
  }

  // /certificates/{x}: a non-UUID segment is an SNI name
  const certBySni = (key: string): Row | undefined => {
    if (/^[0-9a-f-]{36}$/i.test(key)) return store.resolve('certificates', key);
    const sni = store.resolve('snis', key);
    return sni ? store.get('certificates', sni.certificate.id) : undefined;
  };
  const sniNotFound = () => new HttpError(404, { message: 'SNI not found' });
  router.add({
    pattern: '/certificates/{certificates}',
    methods: {
      GET: (req) => {
        const c = certBySni(req.params.certificates!);
        if (!c) {
          if (/^[0-9a-f-]{36}$/i.test(req.params.certificates!)) {
            throw new HttpError(404, { code: 6, name: 'not found', message: `could not find the entity with primary key '{id="${req.params.certificates}"}'`, fields: { id: req.params.certificates } });
          }
          throw sniNotFound();
        }
        return { status: 200, body: store.present('certificates', c) };
      },
      PATCH: async (req) => {
        const c = certBySni(req.params.certificates!);
        if (!c && !/^[0-9a-f-]{36}$/i.test(req.params.certificates!)) throw sniNotFound();
        return { status: 200, body: await store.update('certificates', c?.id ?? req.params.certificates!, entityBody(ctx, entitySchemas.certificates!, req)) };
      },
      PUT: async (req) => {
        const key = req.params.certificates!;
        const c = certBySni(key);
        const body = entityBody(ctx, entitySchemas.certificates!, req);
        if (!/^[0-9a-f-]{36}$/i.test(key) && !c) {
          return { status: 200, body: await store.insert('certificates', { ...body, snis: body.snis ?? [] }) };
        }
        return { status: 200, body: await store.upsert('certificates', c?.id ?? key, { ...body, snis: body.snis ?? [] }) };
      },
      DELETE: async (req) => {
        const key = req.params.certificates!;
        const c = certBySni(key);
        if (!c) {
          if (!/^[0-9a-f-]{36}$/i.test(key)) throw sniNotFound();
          return { status: 204 };
        }
        await store.delete('certificates', c.id);
        return { status: 204 };
      },
    },
  });
  router.add({ pattern: '/snis/{snis}/certificate', methods: { GET: () => { throw notFoundError(); } } });

  router.add({ pattern: '/timers', methods: { GET: () => ({ status: 200, body: { worker: { id: 0, count: 1 }, stats: { flamegraph: {}, sys: { running: 0, pending: 0, waiting: 0, total: 0 }, timers: {} } } }) } });
  router.add({ pattern: '/cache', methods: { DELETE: () => ({ status: 204 }) } });
  router.add({ pattern: '/cache/{key}', methods: { GET: () => { throw new HttpError(404, { message: 'Not found' }); }, DELETE: () => ({ status: 204 }) } });
}

function fieldOf(entity: string, name: string): Field {
  for (const [n, f] of fieldList(entitySchemas[entity]!.fields)) if (n === name) return f;
  throw new Error(`no field ${entity}.${name}`);
}
