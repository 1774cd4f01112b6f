// The node's management API (/v1/...): IP lists, rules, mode, hits, attacks and stats. Pure request →
// {status, body}; the server does transport and auth.
import type { AttackFilter, HitFilter } from './attacklog.js';
import { badRequest, NodeError, notFound } from './errors.js';
import { normalizeIp } from './ip.js';
import { parseListName, type IpListInput } from './iplists.js';
import type { FilteringNode } from './node.js';
import { isMode, MODES } from './types.js';

export interface ApiResult {
  status: number;
  body?: unknown;
}

function obj(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the body must be a JSON object');
  return body as Record<string, unknown>;
}

/** ISO date or epoch milliseconds. */
function time(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(n)) throw badRequest(`'${name}' must be an ISO date or epoch milliseconds`, { field: name });
  return n;
}

function page(q: URLSearchParams): { offset: number; limit: number } {
  const off = q.get('offset') ?? '0';
  const lim = q.get('limit') ?? q.get('size') ?? '50';
  if (!/^\d+$/.test(off)) throw badRequest(`'offset' must be a non-negative integer`, { field: 'offset' });
  if (!/^\d+$/.test(lim) || Number(lim) < 1 || Number(lim) > 1000) throw badRequest(`'limit' must be between 1 and 1000`, { field: 'limit' });
  return { offset: Number(off), limit: Number(lim) };
}

function ipParam(q: URLSearchParams): string | undefined {
  const v = q.get('ip');
  if (!v) return undefined;
  return normalizeIp(v) ?? v;
}

function verdictParam(q: URLSearchParams): string | undefined {
  const v = q.get('verdict') ?? undefined;
  if (v && v !== 'blocked' && v !== 'monitored') throw badRequest(`'verdict' must be blocked or monitored`, { field: 'verdict' });
  return v;
}

function hitView(h: object): object {
  return { ...h, time: new Date((h as { time: number }).time).toISOString() };
}

function attackView(a: { first_time: number; last_time: number }): object {
  return { ...a, first_time: new Date(a.first_time).toISOString(), last_time: new Date(a.last_time).toISOString() };
}

function entryView(e: { created_at: number; expires_at: number | null }): object {
  return { ...e, created_at: new Date(e.created_at).toISOString(), expires_at: e.expires_at === null ? null : new Date(e.expires_at).toISOString() };
}

function ruleView(r: { created_at: number }): object {
  return { ...r, created_at: new Date(r.created_at).toISOString() };
}

function methodNotAllowed(): never {
  throw new NodeError(405, 'method not allowed');
}

export async function handleApi(node: FilteringNode, method: string, path: string, q: URLSearchParams, body: unknown): Promise<ApiResult> {
  const parts = path.split('/').filter(Boolean).map((p) => decodeURIComponent(p)); // ['v1', ...]
  const [, res, id, sub] = parts;
  switch (res) {
    case 'status':
      if (method !== 'GET') methodNotAllowed();
      return { status: 200, body: status(node) };
    case 'mode': {
      if (method === 'GET') return { status: 200, body: { mode: node.mode } };
      if (method !== 'PUT' && method !== 'POST') methodNotAllowed();
      const m = obj(body).mode;
      if (!isMode(m)) throw badRequest(`'mode' must be one of ${MODES.join(', ')}`, { field: 'mode' });
      node.setMode(m);
      return { status: 200, body: { mode: node.mode } };
    }
    case 'iplists':
      return ipLists(node, method, id, q, body);
    case 'rules':
      return rules(node, method, id, q, body);
    case 'hits': {
      if (id && sub === 'false-positive') {
        if (method !== 'POST') methodNotAllowed();
        const b = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
        const scope = b.scope ?? 'type';
        if (scope !== 'type' && scope !== 'stamp' && scope !== 'all') throw badRequest(`'scope' must be stamp, type or all`, { field: 'scope' });
        if (b.path !== undefined && b.path !== 'exact' && b.path !== 'any') throw badRequest(`'path' must be exact or any`, { field: 'path' });
        const r = await node.markFalsePositive(id, { scope, markOnly: b.mark_only === true, path: b.path as 'exact' | 'any' | undefined });
        if (!r) throw notFound('hit not found');
        return { status: 201, body: { hit: hitView(r.hit), rule: r.rule ? ruleView(r.rule) : null } };
      }
      if (sub) throw notFound();
      if (method !== 'GET') methodNotAllowed();
      if (id) {
        const h = await node.attackStore.getHit(id);
        if (!h) throw notFound('hit not found');
        return { status: 200, body: hitView(h) };
      }
      const f: HitFilter = {
        type: q.get('type') ?? undefined, ip: ipParam(q), from: time(q, 'from'), to: time(q, 'to'), verdict: verdictParam(q),
        host: q.get('host') ?? undefined, attack_id: q.get('attack_id') ?? undefined, request_id: q.get('request_id') ?? undefined,
        application: q.get('application') ?? undefined, include_fp: q.get('include_fp') === 'true',
      };
      const { offset, limit } = page(q);
      const p = await node.attackStore.queryHits(f, offset, limit);
      return { status: 200, body: { ...p, data: p.data.map(hitView) } };
    }
    case 'attacks': {
      if (method !== 'GET') methodNotAllowed();
      if (id) {
        const a = await node.attackStore.getAttack(id);
        if (!a) throw notFound('attack not found');
        if (sub === 'hits') {
          const { offset, limit } = page(q);
          const p = await node.attackStore.queryHits({ attack_id: id }, offset, limit);
          return { status: 200, body: { ...p, data: p.data.map(hitView) } };
        }
        if (sub) throw notFound();
        return { status: 200, body: attackView(a) };
      }
      const f: AttackFilter = {
        type: q.get('type') ?? undefined, ip: ipParam(q), from: time(q, 'from'), to: time(q, 'to'), verdict: verdictParam(q),
        status: q.get('status') ?? undefined, host: q.get('host') ?? undefined,
      };
      const { offset, limit } = page(q);
      const p = await node.attackStore.queryAttacks(f, offset, limit);
      return { status: 200, body: { ...p, data: p.data.map(attackView) } };
    }
    case 'stats': {
      if (method !== 'GET' || id !== 'timeline') throw notFound();
      const to = time(q, 'to') ?? Date.now();
      const from = time(q, 'from') ?? to - 24 * 3600_000;
      if (from >= to) throw badRequest(`'from' must be before 'to'`, { field: 'from' });
      const b = Number(q.get('buckets') ?? '24');
      if (!Number.isInteger(b) || b < 1 || b > 500) throw badRequest(`'buckets' must be between 1 and 500`, { field: 'buckets' });
      const t = await node.attackStore.timeline(from, to, b, { type: q.get('type') ?? undefined, ip: ipParam(q), verdict: verdictParam(q), host: q.get('host') ?? undefined });
      return { status: 200, body: { ...t, from: new Date(t.from).toISOString(), to: new Date(t.to).toISOString() } };
    }
  }
  throw notFound();
}

function status(node: FilteringNode): object {
  return {
    state: node.state,
    mode: node.mode,
    application: node.application,
    started_at: new Date(node.startedAt).toISOString(),
    hits_in_memory: node.attackLog.size,
    hits_sampled_out: node.attackLog.sampledOut,
    ip_lists: node.ipLists.counts(),
    rules: node.rules.size,
    auth_required: node.requireToken,
  };
}

async function ipLists(node: FilteringNode, method: string, id: string | undefined, q: URLSearchParams, body: unknown): Promise<ApiResult> {
  if (id === 'check') {
    if (method !== 'GET') methodNotAllowed();
    const ip = q.get('ip');
    if (!ip || !normalizeIp(ip)) throw badRequest(`'ip' must be an IP address`, { field: 'ip' });
    const e = node.ipLists.lookup(ip, q.get('application') ?? node.application);
    return { status: 200, body: { ip: normalizeIp(ip), list: e?.list ?? null, entry: e ? entryView(e) : null } };
  }
  if (!id) {
    if (method === 'GET') {
      const listQ = q.get('list');
      const list = listQ ? parseListName(listQ) : undefined;
      if (listQ && !list) throw badRequest(`'list' must be allow, deny or gray`, { field: 'list' });
      const data = node.ipLists.list({ list: list ?? undefined, ip: q.get('ip') ?? undefined, application: q.get('application') ?? undefined });
      return { status: 200, body: { data: data.map(entryView), total: data.length } };
    }
    if (method !== 'POST') methodNotAllowed();
    // One entry, or {entries: [...]} / a list to add several at once.
    const many = Array.isArray(body) ? body : body && typeof body === 'object' && Array.isArray((body as { entries?: unknown }).entries) ? (body as { entries: unknown[] }).entries : null;
    if (many) {
      if (many.length > 10_000) throw badRequest('at most 10000 entries per call');
      const prepared = many.map((e, i) => {
        try { return node.ipLists.prepare(obj(e) as IpListInput, 'manual'); } catch (err) {
          if (err instanceof NodeError) throw new NodeError(err.status, `entries[${i}]: ${err.message}`, err.details);
          throw err;
        }
      });
      const out = await node.ipListStore.add(prepared);
      return { status: 201, body: { data: out.map(entryView), total: out.length } };
    }
    const [e] = await node.ipListStore.add([node.ipLists.prepare(obj(body) as IpListInput, 'manual')]);
    return { status: 201, body: entryView(e!) };
  }
  switch (method) {
    case 'GET': {
      const e = node.ipLists.get(id);
      if (!e) throw notFound('IP list entry not found');
      return { status: 200, body: entryView(e) };
    }
    case 'PATCH':
    case 'PUT': {
      const e = await node.ipListStore.update(id, obj(body) as IpListInput);
      if (!e) throw notFound('IP list entry not found');
      return { status: 200, body: entryView(e) };
    }
    case 'DELETE':
      if (!(await node.ipListStore.remove(id))) throw notFound('IP list entry not found');
      return { status: 204 };
  }
  methodNotAllowed();
}

function rules(node: FilteringNode, method: string, id: string | undefined, q: URLSearchParams, body: unknown): ApiResult {
  if (!id) {
    if (method === 'GET') {
      const data = node.rules.list({ action: q.get('action') ?? undefined, source: q.get('source') ?? undefined });
      return { status: 200, body: { data: data.map(ruleView), total: data.length } };
    }
    if (method !== 'POST') methodNotAllowed();
    const b = obj(body);
    if (b.id !== undefined && node.rules.get(String(b.id))) throw new NodeError(409, `rule '${String(b.id)}' already exists`);
    const r = node.rules.add(b, 'api');
    node.saveState();
    return { status: 201, body: ruleView(r) };
  }
  switch (method) {
    case 'GET': {
      const r = node.rules.get(id);
      if (!r) throw notFound('rule not found');
      return { status: 200, body: ruleView(r) };
    }
    case 'PUT': {
      const old = node.rules.get(id);
      if (!old) throw notFound('rule not found');
      if (old.source === 'config') throw new NodeError(409, 'rules from the config file are changed in the file');
      const r = node.rules.add({ ...obj(body), id, created_at: old.created_at }, old.source);
      node.saveState();
      return { status: 200, body: ruleView(r) };
    }
    case 'DELETE': {
      const r = node.rules.get(id);
      if (!r) throw notFound('rule not found');
      if (r.source === 'config') throw new NodeError(409, 'rules from the config file are removed in the file');
      node.rules.remove(id);
      node.saveState();
      return { status: 204 };
    }
  }
  methodNotAllowed();
}
