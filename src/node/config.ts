// The node's config file (node.yaml or JSON): validated once here, so the rest trusts typed values.
import fs from 'node:fs';
import YAML from 'yaml';
import { parseSize } from '../config/index.js';
import type { AutoGraylistOptions } from './autograylist.js';
import { parseNetworks, type Cidr } from './ip.js';
import { isMode, MODES, type Mode } from './types.js';

export interface NodeFileConfig {
  mode?: Mode;
  application?: string;
  token?: string;
  proxy_headers?: unknown[];
  allowed_networks?: Cidr[];
  allowed_hosts?: string[];
  ip_lists?: unknown[];
  rules?: unknown[];
  auto_graylist?: AutoGraylistOptions;
  sampling?: { enabled?: boolean; keep?: number; window?: number };
  body_limit?: number;
  /** Hits kept: in memory and per journal (embedded), or in the cluster's table (PostgreSQL). */
  attack_log?: { max_bytes?: number; max_files?: number; max_hits?: number; redact_keys?: string[] };
  /** Whether overlimit_res hits block (docs/waf.md §9 overlimit reaction; default false = bypass). */
  overlimit_block?: boolean;
  /** Pending mirror requests before new ones are dropped (default 10000). */
  mirror_queue?: number;
}

const KEYS = new Set([
  'mode', 'application', 'token', 'proxy_headers', 'allowed_networks', 'allowed_hosts', 'ip_lists', 'rules', 'auto_graylist',
  'sampling', 'body_limit', 'attack_log', 'overlimit_block', 'mirror_queue',
]);

function fail(file: string, msg: string): never {
  throw new Error(`node config ${file}: ${msg}`);
}

export function loadNodeConfig(file: string): NodeFileConfig {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch (e) { fail(file, `cannot read: ${(e as Error).message}`); }
  let raw: unknown;
  try { raw = YAML.parse(text); } catch (e) { fail(file, `not valid YAML/JSON: ${(e as Error).message}`); }
  return validateNodeConfig(raw ?? {}, file);
}

function posInt(v: unknown, file: string, field: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(file, `${field} must be a non-negative integer`);
  return v;
}

export function validateNodeConfig(raw: unknown, file = '<inline>'): NodeFileConfig {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail(file, 'must be a mapping');
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!KEYS.has(k)) fail(file, `unknown key '${k}' (known: ${[...KEYS].join(', ')})`);
  const out: NodeFileConfig = {};
  if (r.mode !== undefined) {
    if (!isMode(r.mode)) fail(file, `mode must be one of ${MODES.join(', ')}`);
    out.mode = r.mode;
  }
  for (const k of ['application', 'token'] as const) {
    if (r[k] !== undefined) {
      if (typeof r[k] !== 'string') fail(file, `${k} must be a string`);
      out[k] = r[k] as string;
    }
  }
  if (r.proxy_headers !== undefined) {
    if (!Array.isArray(r.proxy_headers)) fail(file, 'proxy_headers must be a list');
    out.proxy_headers = r.proxy_headers;
  }
  try {
    if (r.allowed_networks !== undefined) out.allowed_networks = parseNetworks(r.allowed_networks, 'allowed_networks');
  } catch (e) { fail(file, (e as Error).message); }
  if (r.allowed_hosts !== undefined) {
    if (!Array.isArray(r.allowed_hosts) || r.allowed_hosts.some((h) => typeof h !== 'string')) fail(file, 'allowed_hosts must be a list of host patterns');
    out.allowed_hosts = r.allowed_hosts as string[];
  }
  for (const k of ['ip_lists', 'rules'] as const) {
    if (r[k] !== undefined) {
      if (!Array.isArray(r[k])) fail(file, `${k} must be a list`);
      out[k] = r[k] as unknown[];
    }
  }
  if (r.auto_graylist !== undefined) {
    const a = r.auto_graylist as Record<string, unknown>;
    if (!a || typeof a !== 'object') fail(file, 'auto_graylist must be a mapping');
    const o: AutoGraylistOptions = {};
    if (a.enabled !== undefined) { if (typeof a.enabled !== 'boolean') fail(file, 'auto_graylist.enabled must be true or false'); o.enabled = a.enabled; }
    const th = posInt(a.threshold, file, 'auto_graylist.threshold'); if (th !== undefined) o.threshold = th;
    const pe = posInt(a.period, file, 'auto_graylist.period'); if (pe !== undefined) o.period = pe;
    const tt = posInt(a.ttl, file, 'auto_graylist.ttl'); if (tt !== undefined) o.ttl = tt;
    if (a.ignore_types !== undefined) {
      if (!Array.isArray(a.ignore_types)) fail(file, 'auto_graylist.ignore_types must be a list');
      o.ignore_types = a.ignore_types.map(String);
    }
    out.auto_graylist = o;
  }
  if (r.sampling !== undefined) {
    const s = r.sampling as Record<string, unknown>;
    if (!s || typeof s !== 'object') fail(file, 'sampling must be a mapping');
    out.sampling = {};
    if (s.enabled !== undefined) out.sampling.enabled = s.enabled === true;
    const keep = posInt(s.keep, file, 'sampling.keep'); if (keep !== undefined) out.sampling.keep = keep;
    const w = posInt(s.window, file, 'sampling.window'); if (w !== undefined) out.sampling.window = w;
  }
  if (r.body_limit !== undefined) {
    try { out.body_limit = parseSize(r.body_limit as string | number); } catch { fail(file, `body_limit must be a size like 8m`); }
  }
  if (r.attack_log !== undefined) {
    const a = r.attack_log as Record<string, unknown>;
    if (!a || typeof a !== 'object') fail(file, 'attack_log must be a mapping');
    out.attack_log = {};
    if (a.max_bytes !== undefined) {
      try { out.attack_log.max_bytes = parseSize(a.max_bytes as string | number); } catch { fail(file, 'attack_log.max_bytes must be a size'); }
    }
    const mf = posInt(a.max_files, file, 'attack_log.max_files'); if (mf !== undefined) out.attack_log.max_files = mf;
    const mh = posInt(a.max_hits, file, 'attack_log.max_hits'); if (mh !== undefined) out.attack_log.max_hits = mh;
    if (a.redact_keys !== undefined) {
      if (!Array.isArray(a.redact_keys) || a.redact_keys.some((k) => typeof k !== 'string' || k === '')) fail(file, 'attack_log.redact_keys must be a list of names');
      out.attack_log.redact_keys = a.redact_keys as string[];
    }
  }
  if (r.overlimit_block !== undefined) out.overlimit_block = r.overlimit_block === true;
  const mq = posInt(r.mirror_queue, file, 'mirror_queue'); if (mq !== undefined) out.mirror_queue = mq;
  return out;
}
