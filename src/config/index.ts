import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import convict from 'convict';
import { formats, isKnownEnv, parseDuration, parseSize, schema, KONG_VERSION } from './schema.js';
import { parseListen, type ListenAddress } from './listen.js';

export { KONG_VERSION, parseListen, parseSize, parseDuration };
export type { ListenAddress };

convict.addFormats(formats as any);

export interface Config {
  proxy_listen: ListenAddress[];
  admin_listen: ListenAddress[];
  status_listen: ListenAddress[];
  node_listen: ListenAddress[];
  database: 'embedded' | 'postgres' | 'off';
  declarative_config: string | null;
  declarative_config_string: string | null;
  plugins: string[];
  log_level: string;
  proxy_access_log: string;
  proxy_error_log: string;
  admin_access_log: string;
  prefix: string;
  headers: string[];
  headers_upstream: string[];
  trusted_ips: string[];
  real_ip_header: string;
  real_ip_recursive: boolean;
  error_default_type: string;
  router_flavor: string;
  allow_debug_header: boolean;
  client_max_body_size: number;
  admin_client_max_body_size: number;
  client_header_timeout_ms: number;
  client_body_timeout_ms: number;
  keepalive_timeout_ms: number;
  send_timeout_ms: number;
  lingering_timeout_ms: number;
  lingering_time_ms: number;
  large_client_header_buffers: { count: number; size: number };
  upstream_keepalive_pool_size: number;
  upstream_keepalive_max_requests: number;
  upstream_keepalive_idle_timeout: number;
  lua_max_req_headers: number;
  lua_max_uri_args: number;
  lua_max_post_args: number;
  ssl_cert: string | null;
  ssl_cert_key: string | null;
  pg: {
    host: string;
    port: number;
    user: string;
    password: string | null;
    database: string;
    schema: string | null;
    ssl: boolean;
    ssl_verify: boolean;
    timeout: number;
    pool_size: number;
  };
  db_update_frequency: number;
  db_cache_ttl: number;
  node_token: string | null;
  node_config: string | null;
  plugins_path: string | null;
  log_format: 'json' | 'pretty';
  /** Proxy worker processes (nginx_worker_processes); 1 runs everything in one process. */
  workers: number;
  journal_fsync: boolean;
  /** The raw property values, as shown in GET / (secrets masked). */
  raw: Record<string, unknown>;
  /** KONG_* variables that were accepted but have no effect here. */
  ignoredEnv: string[];
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Settings given as CLI flags (property name -> value). */
  overrides?: Record<string, unknown>;
  /** Path to a JSON or kong.conf-style file. */
  file?: string | null;
  cwd?: string;
}

/** Read `key = value` lines (kong.conf) or a JSON object. */
function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read configuration file '${file}': ${(err as Error).message}`);
  }
  if (file.endsWith('.json')) {
    try {
      const obj = JSON.parse(text);
      if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new Error('expected an object');
      return obj;
    } catch (err) {
      throw new ConfigError(`invalid configuration file '${file}': ${(err as Error).message}`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) continue;
    const eq = line.indexOf('=');
    if (eq < 0) throw new ConfigError(`invalid line in configuration file '${file}': ${raw}`);
    out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

function envNameOf(key: string): string {
  return schema[key]?.env ?? key;
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = { ...(opts.env ?? process.env) };
  const cwd = opts.cwd ?? process.cwd();
  // Kong writes NONE for unset values in env files; treat it as absent.
  for (const [k2, v] of Object.entries(env)) if (v === undefined || (k2.startsWith('KONG_') && v === 'NONE')) delete env[k2];
  const conf = convict(schema as any, { env, args: [] });

  const file = opts.file ?? env.PORTCULLIS_CONF ?? env.KONG_CONF ?? null;
  const defaultFile = path.join(cwd, 'config', 'portcullis.json');
  const fileToLoad = file ?? (fs.existsSync(defaultFile) ? defaultFile : null);
  if (fileToLoad) {
    const values = readConfigFile(fileToLoad);
    const known: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(values)) if (key in schema) known[key] = v;
    try {
      conf.load(known);
    } catch (err) {
      throw toConfigError(err);
    }
  }
  for (const [key, v] of Object.entries(opts.overrides ?? {})) {
    if (!(key in schema)) throw new ConfigError(`unknown setting '${key}'`);
    try {
      conf.set(key, (formats as any)[schema[key]!.format]?.coerce?.(v) ?? v);
    } catch (err) {
      throw toConfigError(err);
    }
  }
  try {
    conf.validate({ allowed: 'warn', output: () => {} });
  } catch (err) {
    throw toConfigError(err);
  }
  const ignoredEnv = Object.keys(env).filter((n) => n.startsWith('KONG_') && !isKnownEnv(n) && n !== 'KONG_CONF');
  return build(conf.getProperties() as Record<string, any>, ignoredEnv);
}

function toConfigError(err: unknown): ConfigError {
  const msg = (err as Error).message ?? String(err);
  // convict reports "key: message: value 'x'" per line; keep the first, add the env name.
  const first = msg.split('\n')[0]!;
  const m = /^([a-z_0-9]+): (.*)$/.exec(first);
  if (m && schema[m[1]!]) return new ConfigError(`invalid ${m[1]} (${envNameOf(m[1]!)}): ${m[2]}`);
  return new ConfigError(first);
}

function build(p: Record<string, any>, ignoredEnv: string[]): Config {
  const [countText, sizeText] = String(p.nginx_http_large_client_header_buffers).trim().split(/\s+/);
  const count = Number(countText);
  if (!Number.isInteger(count) || count < 1 || !sizeText) {
    throw new ConfigError(
      `invalid nginx_http_large_client_header_buffers (KONG_NGINX_HTTP_LARGE_CLIENT_HEADER_BUFFERS): '${p.nginx_http_large_client_header_buffers}' (expected "<number> <size>")`,
    );
  }
  const raw: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(schema)) raw[key] = def.sensitive && p[key] ? '******' : p[key];
  return {
    proxy_listen: parseListen(p.proxy_listen),
    admin_listen: parseListen(p.admin_listen),
    status_listen: parseListen(p.status_listen),
    node_listen: parseListen(p.node_listen),
    database: p.database,
    declarative_config: p.declarative_config || null,
    declarative_config_string: p.declarative_config_string || null,
    plugins: p.plugins,
    log_level: p.log_level,
    proxy_access_log: p.proxy_access_log,
    proxy_error_log: p.proxy_error_log,
    admin_access_log: p.admin_access_log,
    prefix: p.prefix,
    headers: p.headers.map((h: string) => h.toLowerCase()),
    headers_upstream: p.headers_upstream.map((h: string) => h.toLowerCase()),
    trusted_ips: p.trusted_ips,
    real_ip_header: p.real_ip_header,
    real_ip_recursive: p.real_ip_recursive,
    error_default_type: p.error_default_type,
    router_flavor: p.router_flavor,
    allow_debug_header: p.allow_debug_header,
    client_max_body_size: parseSize(p.nginx_http_client_max_body_size),
    admin_client_max_body_size: parseSize(p.nginx_admin_client_max_body_size),
    client_header_timeout_ms: parseDuration(p.nginx_http_client_header_timeout),
    client_body_timeout_ms: parseDuration(p.nginx_http_client_body_timeout),
    keepalive_timeout_ms: parseDuration(p.nginx_http_keepalive_timeout),
    send_timeout_ms: parseDuration(p.nginx_http_send_timeout),
    lingering_timeout_ms: parseDuration(p.nginx_http_lingering_timeout),
    lingering_time_ms: parseDuration(p.nginx_http_lingering_time),
    large_client_header_buffers: { count, size: parseSize(sizeText) },
    upstream_keepalive_pool_size: p.upstream_keepalive_pool_size,
    upstream_keepalive_max_requests: p.upstream_keepalive_max_requests,
    upstream_keepalive_idle_timeout: p.upstream_keepalive_idle_timeout,
    lua_max_req_headers: p.lua_max_req_headers,
    lua_max_uri_args: p.lua_max_uri_args,
    lua_max_post_args: p.lua_max_post_args,
    ssl_cert: p.ssl_cert || null,
    ssl_cert_key: p.ssl_cert_key || null,
    pg: {
      host: p.pg_host,
      port: p.pg_port,
      user: p.pg_user,
      password: p.pg_password || null,
      database: p.pg_database,
      schema: p.pg_schema || null,
      ssl: p.pg_ssl,
      ssl_verify: p.pg_ssl_verify,
      timeout: p.pg_timeout,
      pool_size: p.pg_pool_size,
    },
    db_update_frequency: p.db_update_frequency,
    db_cache_ttl: p.db_cache_ttl,
    node_token: p.node_token || null,
    node_config: p.node_config || null,
    plugins_path: p.plugins_path || null,
    log_format: p.log_format,
    workers: p.nginx_worker_processes === 'auto' ? os.availableParallelism() : Number(p.nginx_worker_processes),
    journal_fsync: p.journal_fsync,
    raw,
    ignoredEnv,
  };
}

export function configKeys(): string[] {
  return Object.keys(schema);
}
