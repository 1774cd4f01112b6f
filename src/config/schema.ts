// One schema for the whole process. Kong's property names (snake_case) map to KONG_<NAME>;
// our own settings live under PORTCULLIS_<NAME>.
import { parseListen } from './listen.js';

export const KONG_VERSION = '3.10.0';

const LOG_LEVELS = ['debug', 'info', 'notice', 'warn', 'error', 'crit', 'alert', 'emerg'];

/** nginx size syntax: 10m, 512k, 1g, bytes when bare. 0 means unlimited. */
export function parseSize(v: string | number): number {
  if (typeof v === 'number') return v;
  const m = /^\s*(\d+)\s*([kKmMgG]?)\s*$/.exec(v);
  if (!m) throw new Error(`invalid size '${v}'`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase()]!;
  return Number(m[1]) * mult;
}

/** nginx time syntax in seconds (60, 60s, 1m, 500ms) -> milliseconds. */
export function parseDuration(v: string | number): number {
  if (typeof v === 'number') return v * 1000;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(v);
  if (!m) throw new Error(`invalid time '${v}'`);
  const mult = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's']!;
  return Math.round(Number(m[1]) * mult);
}

function list(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  const s = String(v ?? '').trim();
  if (s === '') return [];
  return s.split(',').map((x) => x.trim()).filter(Boolean);
}

export const formats = {
  listen: {
    name: 'listen',
    validate(v: unknown) {
      parseListen(String(v));
    },
    coerce: (v: unknown) => String(v),
  },
  list: {
    name: 'list',
    validate(v: unknown) {
      if (!Array.isArray(v)) throw new Error('expected a comma-separated list');
    },
    coerce: list,
  },
  size: {
    name: 'size',
    validate(v: unknown) {
      parseSize(v as string);
    },
    coerce: (v: unknown) => String(v),
  },
  duration: {
    name: 'duration',
    validate(v: unknown) {
      parseDuration(v as string);
    },
    coerce: (v: unknown) => String(v),
  },
  workers: {
    name: 'workers',
    validate(v: unknown) {
      if (!/^(auto|[1-9][0-9]{0,2})$/.test(String(v))) throw new Error("expected 'auto' or a number from 1 to 999");
    },
    coerce: (v: unknown) => String(v).trim(),
  },
  onoff: {
    name: 'onoff',
    validate(v: unknown) {
      if (typeof v !== 'boolean') throw new Error('expected on/off');
    },
    coerce(v: unknown) {
      if (typeof v === 'boolean') return v;
      const s = String(v).toLowerCase();
      if (['on', 'true', 'yes', '1'].includes(s)) return true;
      if (['off', 'false', 'no', '0'].includes(s)) return false;
      return v;
    },
  },
};

function kong(name: string) {
  return 'KONG_' + name.toUpperCase();
}
function ours(name: string) {
  return 'PORTCULLIS_' + name.toUpperCase();
}

type Def = { doc: string; format: any; default: any; env?: string; sensitive?: boolean; nullable?: boolean };

function k(name: string, def: Omit<Def, 'env'>): [string, Def] {
  return [name, { ...def, env: kong(name) }];
}
function p(name: string, def: Omit<Def, 'env'>): [string, Def] {
  return [name, { ...def, env: ours(name) }];
}

const entries: Array<[string, Def]> = [
  k('proxy_listen', { doc: 'Proxy listeners', format: 'listen', default: '0.0.0.0:8000' }),
  k('admin_listen', { doc: 'Admin API listeners', format: 'listen', default: '127.0.0.1:8001' }),
  k('status_listen', { doc: 'Status API listeners', format: 'listen', default: 'off' }),
  k('database', { doc: 'Entity store', format: ['embedded', 'postgres', 'off'], default: 'embedded' }),
  k('declarative_config', { doc: 'Declarative config file (DB-less)', format: String, default: null, nullable: true }),
  k('declarative_config_string', { doc: 'Inline declarative config', format: String, default: null, nullable: true }),
  k('plugins', { doc: 'Plugins to load', format: 'list', default: ['bundled'] }),
  k('log_level', { doc: 'Log level', format: LOG_LEVELS, default: 'notice' }),
  // Kong's log files, relative to the prefix; off, /dev/stdout or /dev/stderr also work
  k('proxy_access_log', { doc: 'Proxy access log (combined format + request id)', format: String, default: 'logs/access.log' }),
  k('proxy_error_log', { doc: 'Process log as text (besides stdout)', format: String, default: 'logs/error.log' }),
  k('admin_access_log', { doc: 'Admin API access log', format: String, default: 'logs/admin_access.log' }),
  k('prefix', { doc: 'Data folder', format: String, default: './.portcullis' }),
  k('headers', { doc: 'Response headers to add', format: 'list', default: ['server_tokens', 'latency_tokens', 'x-kong-request-id'] }),
  k('headers_upstream', { doc: 'Headers sent upstream', format: 'list', default: ['x-kong-request-id'] }),
  k('trusted_ips', { doc: 'Trusted proxy CIDRs', format: 'list', default: [] }),
  k('real_ip_header', { doc: 'Header carrying the client IP', format: String, default: 'X-Real-IP' }),
  k('real_ip_recursive', { doc: 'Recursive real IP lookup', format: 'onoff', default: false }),
  k('error_default_type', {
    doc: 'Default error body type',
    format: ['text/plain', 'application/json', 'text/html', 'application/xml'],
    default: 'text/plain',
  }),
  k('router_flavor', { doc: 'Router flavour', format: ['traditional_compatible', 'traditional', 'expressions'], default: 'traditional_compatible' }),
  k('allow_debug_header', { doc: 'Honour Kong-Debug', format: 'onoff', default: false }),
  k('nginx_http_client_max_body_size', { doc: 'Proxy request body limit (0 = none)', format: 'size', default: '0' }),
  k('nginx_admin_client_max_body_size', { doc: 'Admin request body limit', format: 'size', default: '10m' }),
  k('nginx_http_client_header_timeout', { doc: 'Client header timeout', format: 'duration', default: '60s' }),
  k('nginx_http_client_body_timeout', { doc: 'Client body timeout', format: 'duration', default: '60s' }),
  k('nginx_http_keepalive_timeout', { doc: 'Client keep-alive timeout', format: 'duration', default: '75s' }),
  k('nginx_http_send_timeout', { doc: 'Longest a client may leave a response unread', format: 'duration', default: '60s' }),
  k('nginx_http_lingering_timeout', { doc: 'Idle wait while draining a closing connection', format: 'duration', default: '5s' }),
  k('nginx_http_lingering_time', { doc: 'Longest drain of a closing connection', format: 'duration', default: '30s' }),
  k('nginx_http_large_client_header_buffers', { doc: 'Header buffers (number size)', format: String, default: '4 8k' }),
  // Kong's default is auto; ours is 1 so a dev gateway starts in one process, fast, with exact
  // in-memory counters (the local rate-limiting policy and proxy-cache are per process)
  k('nginx_worker_processes', { doc: 'Proxy worker processes: a number, or auto for one per CPU', format: 'workers', default: '1' }),
  k('upstream_keepalive_pool_size', { doc: 'Idle upstream sockets per target', format: 'nat', default: 512 }),
  k('upstream_keepalive_max_requests', { doc: 'Requests per upstream socket', format: 'nat', default: 10000 }),
  k('upstream_keepalive_idle_timeout', { doc: 'Idle upstream socket timeout (s)', format: 'nat', default: 60 }),
  k('lua_max_req_headers', { doc: 'Max request headers', format: 'nat', default: 100 }),
  k('lua_max_uri_args', { doc: 'Max query args', format: 'nat', default: 100 }),
  k('lua_max_post_args', { doc: 'Max form args', format: 'nat', default: 100 }),
  k('ssl_cert', { doc: 'Default proxy TLS certificate', format: String, default: null, nullable: true }),
  k('ssl_cert_key', { doc: 'Default proxy TLS key', format: String, default: null, nullable: true }),
  k('pg_host', { doc: 'PostgreSQL host', format: String, default: '127.0.0.1' }),
  k('pg_port', { doc: 'PostgreSQL port', format: 'port', default: 5432 }),
  k('pg_user', { doc: 'PostgreSQL user', format: String, default: 'kong' }),
  k('pg_password', { doc: 'PostgreSQL password', format: String, default: null, nullable: true, sensitive: true }),
  k('pg_database', { doc: 'PostgreSQL database', format: String, default: 'kong' }),
  k('pg_schema', { doc: 'PostgreSQL schema', format: String, default: null, nullable: true }),
  k('pg_ssl', { doc: 'PostgreSQL TLS', format: 'onoff', default: false }),
  k('pg_ssl_verify', { doc: 'Verify PostgreSQL TLS', format: 'onoff', default: false }),
  k('pg_timeout', { doc: 'PostgreSQL timeout (ms)', format: 'nat', default: 5000 }),
  k('pg_pool_size', { doc: 'PostgreSQL pool size', format: 'nat', default: 10 }),
  k('db_update_frequency', { doc: 'Change-log poll interval (s)', format: Number, default: 5 }),
  k('db_cache_ttl', { doc: 'Entity cache TTL (s)', format: 'nat', default: 0 }),
  p('node_listen', { doc: 'Filtering node listener', format: 'listen', default: '127.0.0.1:5000' }),
  p('node_config', { doc: 'Filtering node settings file (node.yaml / node.json)', format: String, default: null, nullable: true }),
  p('node_token', { doc: 'Token required by the node API off loopback', format: String, default: null, nullable: true, sensitive: true }),
  p('plugins_path', { doc: 'Folder with custom plugins', format: String, default: null, nullable: true }),
  p('log_format', { doc: 'json or pretty', format: ['json', 'pretty'], default: 'json' }),
  p('journal_fsync', { doc: 'fsync every admin write', format: 'onoff', default: true }),
];

export const schema: Record<string, Def> = Object.fromEntries(entries);

/** Env names that belong to Kong but that we accept and ignore. */
export function isKnownEnv(name: string): boolean {
  return entries.some(([, d]) => d.env === name);
}
