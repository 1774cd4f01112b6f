// Rows of node_hits / node_attacks to the API's hits and attacks, the API's filters to WHERE clauses
// (parameterised; the same meaning as AttackLog.queryHits / queryAttacks), and the batched writes.
import type { AttackFilter, HitFilter } from '../attacklog.js';
import type { Attack, AttackStatus, StoredHit } from '../types.js';

export interface HitRow {
  id: string;
  node_id: string;
  attack_id: string;
  request_id: string;
  time: string;
  client_ip: string | null;
  host: string;
  method: string;
  path: string;
  point: StoredHit['point'];
  type: StoredHit['type'];
  payload: string;
  detector: string;
  source: StoredHit['source'];
  verdict: StoredHit['verdict'];
  response_status: number | null;
  application: string | null;
  false_positive: boolean;
  extra: Record<string, unknown> | null;
}

export interface AttackRow {
  id: string;
  node_id: string;
  type: Attack['type'];
  point: Attack['point'];
  host: string;
  path: string;
  application: string | null;
  first_time: string;
  last_time: string;
  hits: number;
  total: number;
  blocked: number;
  monitored: number;
  ips: string[];
}

export type ClusterHit = StoredHit & { node_id: string };
export type ClusterAttack = Attack & { node_id: string };

export function hitOf(r: HitRow): ClusterHit {
  const h: ClusterHit = {
    id: r.id, request_id: r.request_id, time: Number(r.time), client_ip: r.client_ip, host: r.host, method: r.method, path: r.path,
    point: r.point, type: r.type, payload: r.payload, detector: r.detector, source: r.source, verdict: r.verdict,
    response_status: r.response_status, application: r.application, attack_id: r.attack_id, node_id: r.node_id,
  };
  if (r.false_positive) h.false_positive = true;
  const x = r.extra ?? {};
  if (x.experimental === true) h.experimental = true;
  if (x.oob === true) h.oob = true;
  if (x.response_headers && typeof x.response_headers === 'object') h.response_headers = x.response_headers as Record<string, string>;
  if (typeof x.response_body_bytes === 'number') h.response_body_bytes = x.response_body_bytes;
  return h;
}

/** A hit as a node_hits record (the optional facts go to `extra`). */
export function hitRecord(h: StoredHit): Record<string, unknown> {
  const { experimental, oob, response_headers, response_body_bytes, ...rest } = h;
  const extra: Record<string, unknown> = {};
  if (experimental) extra.experimental = true;
  if (oob) extra.oob = true;
  if (response_headers) extra.response_headers = response_headers;
  if (response_body_bytes !== undefined) extra.response_body_bytes = response_body_bytes;
  return { ...rest, extra: Object.keys(extra).length ? extra : null };
}

function statusOf(blocked: number, monitored: number): AttackStatus {
  if (blocked > 0 && monitored === 0) return 'Blocked';
  if (blocked > 0) return 'Partially blocked';
  return 'Monitoring';
}

export function attackOf(r: AttackRow): ClusterAttack {
  return {
    id: r.id, type: r.type, point: r.point, host: r.host, path: r.path, application: r.application,
    first_time: Number(r.first_time), last_time: Number(r.last_time), hits: r.hits, total: r.total, blocked: r.blocked,
    monitored: r.monitored, ips: r.ips, status: statusOf(r.blocked, r.monitored), node_id: r.node_id,
  };
}

class Where {
  readonly parts: string[] = [];
  readonly params: unknown[] = [];
  add(cond: (p: string) => string, value: unknown): void {
    this.params.push(value);
    this.parts.push(cond(`$${this.params.length}`));
  }
  get sql(): string {
    return this.parts.length ? `WHERE ${this.parts.join(' AND ')}` : '';
  }
}

export function hitWhere(f: HitFilter): { sql: string; params: unknown[] } {
  const w = new Where();
  if (!f.include_fp) w.parts.push('NOT false_positive');
  if (f.type) w.add((p) => `type = ${p}`, f.type);
  if (f.ip) w.add((p) => `client_ip = ${p}`, f.ip);
  if (f.from !== undefined) w.add((p) => `time >= ${p}`, f.from);
  if (f.to !== undefined) w.add((p) => `time <= ${p}`, f.to);
  if (f.verdict) w.add((p) => `verdict = ${p}`, f.verdict);
  if (f.host) w.add((p) => `host = ${p}`, f.host);
  if (f.attack_id) w.add((p) => `attack_id = ${p}`, f.attack_id);
  if (f.request_id) w.add((p) => `request_id = ${p}`, f.request_id);
  if (f.application) w.add((p) => `application = ${p}`, f.application);
  return { sql: w.sql, params: w.params };
}

const STATUS_SQL = `CASE WHEN blocked > 0 AND monitored = 0 THEN 'blocked' WHEN blocked > 0 THEN 'partially_blocked' ELSE 'monitoring' END`;

export function attackWhere(f: AttackFilter): { sql: string; params: unknown[] } {
  const w = new Where();
  w.parts.push('total > 0');
  if (f.type) w.add((p) => `type = ${p}`, f.type);
  if (f.ip) w.add((p) => `ips @> ARRAY[${p}::text]`, f.ip);
  if (f.from !== undefined) w.add((p) => `last_time >= ${p}`, f.from);
  if (f.to !== undefined) w.add((p) => `first_time <= ${p}`, f.to);
  if (f.verdict === 'blocked') w.parts.push('blocked > 0');
  if (f.verdict === 'monitored') w.parts.push('monitored > 0');
  if (f.status) w.add((p) => `${STATUS_SQL} = ${p}`, f.status.toLowerCase().replace(' ', '_'));
  if (f.host) w.add((p) => `host = ${p}`, f.host);
  return { sql: w.sql, params: w.params };
}

/** Attack counters arrive as increments (jsonb records), so nodes never overwrite each other's counts. */
export const UPSERT_ATTACKS = `INSERT INTO node_attacks (id, node_id, type, point, host, path, application, first_time, last_time, hits, total, blocked, monitored, ips)
  SELECT x.id, $2, x.type, x.point, x.host, x.path, x.application, x.first_time, x.last_time, x.hits, x.total, x.blocked, x.monitored, x.ips
  FROM jsonb_to_recordset($1::jsonb) AS x(id text, type text, point jsonb, host text, path text, application text, first_time bigint,
    last_time bigint, hits int, total int, blocked int, monitored int, ips text[])
  ON CONFLICT (id) DO UPDATE SET
    first_time = least(node_attacks.first_time, EXCLUDED.first_time), last_time = greatest(node_attacks.last_time, EXCLUDED.last_time),
    hits = node_attacks.hits + EXCLUDED.hits, total = node_attacks.total + EXCLUDED.total,
    blocked = node_attacks.blocked + EXCLUDED.blocked, monitored = node_attacks.monitored + EXCLUDED.monitored,
    ips = (SELECT coalesce(array_agg(ip), '{}') FROM (SELECT DISTINCT unnest(node_attacks.ips || EXCLUDED.ips) AS ip LIMIT 20) s)`;

export const INSERT_HITS = `INSERT INTO node_hits (id, node_id, attack_id, request_id, time, client_ip, host, method, path, point, type, payload, detector,
    source, verdict, response_status, application, false_positive, extra)
  SELECT x.id, $2, x.attack_id, x.request_id, x.time, x.client_ip, x.host, x.method, x.path, x.point, x.type, x.payload, x.detector,
    x.source, x.verdict, x.response_status, x.application, coalesce(x.false_positive, false), x.extra
  FROM jsonb_to_recordset($1::jsonb) AS x(id text, attack_id text, request_id text, time bigint, client_ip text, host text, method text,
    path text, point jsonb, type text, payload text, detector text, source text, verdict text, response_status int, application text,
    false_positive boolean, extra jsonb)
  ON CONFLICT (id) DO NOTHING`;

export const UPDATE_RESPONSES = `UPDATE node_hits h SET response_status = x.status, extra = coalesce(h.extra, '{}'::jsonb) || x.extra
  FROM jsonb_to_recordset($1::jsonb) AS x(request_id text, status int, extra jsonb)
  WHERE h.request_id = x.request_id AND h.node_id = $2`;
