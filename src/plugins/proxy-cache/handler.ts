// proxy-cache (kong/plugins/proxy-cache/handler.lua, cache_key.lua) with the memory strategy: one
// cache per gateway. X-Cache-Status Miss/Hit/Bypass/Refresh, X-Cache-Key, Age.
import crypto from 'node:crypto';
import type { Kong, PluginEnv, PluginHandler } from '../types.js';
import { MemoryStore, type CachedResponse } from './memory.js';

interface Conf {
  response_code: number[];
  request_method: string[];
  content_type: string[];
  cache_ttl: number;
  strategy: 'memory';
  cache_control: boolean;
  ignore_uri_case: boolean;
  storage_ttl: number | null;
  memory: { dictionary_name: string };
  vary_query_params: string[] | null;
  vary_headers: string[] | null;
  response_headers: { age: boolean; 'X-Cache-Status': boolean; 'X-Cache-Key': boolean };
}

interface State {
  key?: string;
  status?: 'Miss' | 'Hit' | 'Bypass' | 'Refresh';
  /** set while the response may be stored */
  store?: boolean;
  headers?: Record<string, string | string[]>;
  ttl?: number;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailers', 'transfer-encoding', 'upgrade', 'content-length']);

/** Headers replayed from cache (Kong's overwritable_header), minus per-response Kong and cache headers. */
function storable(name: string): boolean {
  const n = name.toLowerCase();
  if (HOP_BY_HOP.has(n) || n.includes('ratelimit-remaining')) return false;
  return !(n.startsWith('x-kong-') || n === 'via' || n === 'age' || n === 'x-cache-status' || n === 'x-cache-key');
}

type Directives = Record<string, number | string | true>;

function parseDirectives(h: string | string[] | undefined): Directives {
  const out: Directives = {};
  if (!h) return out;
  for (const part of (Array.isArray(h) ? h.join(', ') : h).split(',')) {
    const m = /^\s*([^=]+?)\s*(?:=(.+))?$/.exec(part);
    if (!m || !m[1]) continue;
    const v = m[2]?.trim().replace(/^"|"$/g, '');
    out[m[1].toLowerCase()] = v === undefined ? true : Number.isFinite(Number(v)) && v !== '' ? Number(v) : v;
  }
  return out;
}

function parseMime(ct: string): { type: string; subtype: string; params: Record<string, string> } | null {
  const [main, ...rest] = ct.split(';');
  const m = /^\s*([^/\s]+)\/([^\s]+)\s*$/.exec(main!);
  if (!m) return null;
  const params: Record<string, string> = {};
  for (const p of rest) {
    const i = p.indexOf('=');
    if (i < 0) continue;
    params[p.slice(0, i).trim().toLowerCase()] = p.slice(i + 1).trim().replace(/^"|"$/g, '').toLowerCase();
  }
  return { type: m[1]!.toLowerCase(), subtype: m[2]!.toLowerCase(), params };
}

function contentTypeMatches(conf: Conf, ct: string): boolean {
  const got = parseMime(ct);
  if (!got) return false;
  for (const expected of conf.content_type) {
    const e = parseMime(expected);
    if (!e) continue;
    if ((e.type === '*' || e.type === got.type) && (e.subtype === '*' || e.subtype === got.subtype)) {
      const ek = Object.keys(e.params);
      if (ek.length === Object.keys(got.params).length && ek.every((k) => e.params[k] === got.params[k])) return true;
    }
  }
  return false;
}

/** Seconds a response may live by its own Cache-Control / Expires (resource_ttl). */
function resourceTtl(cc: Directives, expires: string | string[] | undefined): number {
  let maxAge = (cc['s-maxage'] ?? cc['max-age']) as number | undefined;
  if (typeof maxAge !== 'number') {
    const e = Array.isArray(expires) ? expires[expires.length - 1] : expires;
    const t = e ? Date.parse(e) : NaN;
    maxAge = Number.isFinite(t) ? Math.floor((t - Date.now()) / 1000) : undefined;
  }
  return maxAge !== undefined ? Math.max(maxAge, 0) : 0;
}

/** cache_key.lua: consumer, route, method, uri, selected query params and headers, hashed with SHA-256. */
function cacheKey(kong: Kong, conf: Conf): string {
  const consumer = kong.client.get_consumer()?.id ?? 'default';
  const route = kong.router.get_route()?.id ?? 'default';
  let uri = kong.request.get_path();
  if (conf.ignore_uri_case) uri = uri.toLowerCase();
  const query = kong.request.get_query();
  const qnames = conf.vary_query_params?.length ? [...conf.vary_query_params] : Object.keys(query);
  const params = qnames
    .sort()
    .filter((k) => query[k] !== undefined)
    .map((k) => `${k}=${Array.isArray(query[k]) ? (query[k] as string[]).slice().sort().join(',') : String(query[k])}`)
    .join(':');
  const headers = (conf.vary_headers ?? [])
    .map((h) => h.toLowerCase())
    .sort()
    .map((h) => {
      const v = kong.request.get_header(h);
      return v === undefined ? null : `${h}=${v}`;
    })
    .filter((x) => x !== null)
    .join(':');
  return crypto.createHash('sha256').update(`${consumer}|${route}|${kong.request.get_method()}|${uri}|${params}|${headers}`).digest('hex');
}

export function handler(env: PluginEnv): PluginHandler & { stores: Map<string, MemoryStore> } {
  const stores = new Map<string, MemoryStore>();
  const storeFor = (conf: Conf) => {
    let s = stores.get(conf.memory.dictionary_name);
    if (!s) stores.set(conf.memory.dictionary_name, (s = new MemoryStore()));
    return s;
  };
  void env;

  return {
    stores,

    access(kong: Kong, conf: Conf) {
      const st = kong.ctx.plugin as State;
      const cc = parseDirectives(kong.request.get_header('cache-control'));
      const method = kong.request.get_method();
      if (!conf.request_method.includes(method) || (conf.cache_control && (cc['no-store'] || cc['no-cache'] || kong.request.get_header('authorization') !== undefined))) {
        st.status = 'Bypass';
        return undefined;
      }
      const key = cacheKey(kong, conf);
      st.key = key;
      const store = storeFor(conf);
      const res = store.fetch(key);
      const now = Date.now() / 1000;
      const miss = (status: State['status']) => {
        st.status = status;
        st.store = true;
        return undefined;
      };
      if (!res) return miss('Miss');
      const age = now - res.timestamp;
      if (conf.cache_control) {
        if (typeof cc['max-age'] === 'number' && age > cc['max-age']) return miss('Refresh');
        if (typeof cc['max-stale'] === 'number' && age - res.ttl > cc['max-stale']) return miss('Refresh');
        if (typeof cc['min-fresh'] === 'number' && res.ttl - age < cc['min-fresh']) return miss('Refresh');
      } else if (age > conf.cache_ttl) {
        store.purge(key);
        return miss('Refresh');
      }
      kong.ctx.shared.proxy_cache_hit = { res };
      const headers: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(res.headers)) if (storable(k)) headers[k] = v;
      if (conf.response_headers.age) headers['Age'] = String(Math.floor(age));
      if (conf.response_headers['X-Cache-Status']) headers['X-Cache-Status'] = 'Hit';
      if (conf.response_headers['X-Cache-Key']) headers['X-Cache-Key'] = key;
      st.status = 'Hit';
      return kong.response.exit(res.status, res.body, headers);
    },

    header_filter(kong: Kong, conf: Conf) {
      const st = kong.ctx.plugin as State;
      if (!st.status || st.status === 'Hit') return;
      if (st.store) {
        const status = kong.response.get_status();
        const ct = kong.response.get_header('content-type');
        const cc = parseDirectives(kong.response.get_headers()['cache-control']);
        let ok = conf.response_code.includes(status) && ct !== undefined && contentTypeMatches(conf, ct);
        if (ok && conf.cache_control) {
          if (cc['private'] || cc['no-store'] || cc['no-cache']) ok = false;
          else if (resourceTtl(cc, kong.response.get_headers()['expires']) <= 0) ok = false;
        }
        if (ok && kong.raw.source === 'upstream') {
          const headers: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(kong.response.get_headers())) if (storable(k)) headers[k] = v;
          st.headers = headers;
          st.ttl = conf.cache_control ? resourceTtl(cc, kong.response.get_headers()['expires']) : conf.cache_ttl;
        } else {
          st.status = 'Bypass';
          st.store = false;
        }
      }
      if (conf.response_headers['X-Cache-Status']) kong.response.set_header('X-Cache-Status', st.status);
      if (st.key && conf.response_headers['X-Cache-Key']) kong.response.set_header('X-Cache-Key', st.key);
    },

    // present so the proxy buffers the body; it is stored once the response is complete (log)
    body_filter() {},

    log(kong: Kong, conf: Conf) {
      const st = kong.ctx.plugin as State;
      if (!st.store || !st.headers || !st.key) return;
      const body = kong.response.get_raw_body();
      if (!body) return;
      const ttl = conf.storage_ttl ?? (conf.cache_control ? st.ttl! : conf.cache_ttl);
      const res: CachedResponse = { status: kong.response.get_status(), headers: st.headers, body: Buffer.from(body), timestamp: Date.now() / 1000, ttl: st.ttl ?? conf.cache_ttl };
      storeFor(conf).store(st.key, res, ttl);
    },

    close() {
      for (const s of stores.values()) s.clear();
      stores.clear();
    },
  };
}
