// The plugin development kit: Kong's PDK names (kong.request.get_header, kong.response.exit, ...)
// over one RequestContext. Plugins receive a `kong` object per call; nothing here is global.
import net from 'node:net';
import { HeaderList, RequestContext, type Consumer, type Credential } from './context.js';
import type { ServerStats } from '../observability/stats.js';
import type { Config } from '../config/index.js';
import { negotiate, renderError } from './kong-errors.js';

export { HeaderList, RequestContext };
export type { Consumer, Credential };

/** Read-only access to the entity store for plugins (credential lookups). */
export interface PdkStore {
  get(entity: string, id: string): Record<string, any> | undefined;
  /** By id or endpoint key. */
  select(entity: string, idOrKey: string): Record<string, any> | undefined;
  /** Every row whose `field` equals `value` (foreign fields compare by id). */
  find(entity: string, field: string, value: unknown): Record<string, any>[];
}

export interface PdkLogger {
  debug(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  notice?(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

/** What the gateway provides to every plugin (per gateway, not per process). */
export interface PluginEnv {
  store: PdkStore;
  logger: PdkLogger;
  nodeId: string;
  /** Kong's version string for headers and log objects. */
  kongVersion: string;
  /** The gateway's store kind and PostgreSQL settings (rate-limiting's cluster policy). */
  database?: { kind: string; pg?: Config['pg'] | null };
  /** The in-process filtering node, when the gateway runs one (wallarm-plugin without a node address). */
  waf?: WafInspector;
  /** nginx-like connection counters of the proxy (prometheus). */
  serverStats?: () => ServerStats;
  /** Balancer health of an upstream's targets, as /upstreams/{u}/health shows it (prometheus). */
  upstreamHealth?: (upstreamId: string) => { data: Array<{ target: string; health: string; data?: { addresses?: Array<{ ip: string; port: number; health: string }> } }> } | null;
}

/** What the wallarm-plugin needs from a filtering node running in the same process. */
export interface WafInspector {
  inspect(req: {
    method: string;
    url: string;
    headers: Array<[string, string]>;
    body?: Uint8Array | null;
    clientIp?: string;
    protocol?: 'http' | 'https';
    host?: string;
    requestId?: string;
    application?: string;
    modeOverride?: 'off' | 'monitoring' | 'safe_blocking' | 'block';
  }): { blocked: boolean; requestId: string; hits: unknown[]; reason: string };
  reportResponse(requestId: string, status: number, extra?: { headers?: Record<string, string>; bodyBytes?: number }): boolean;
  recordFailOpen(reason?: string): void;
}

export class ExitSignal {
  constructor(readonly status: number) {}
}

function jsonOrText(body: unknown): { text: string | Buffer | null; json: boolean } {
  if (body === undefined || body === null) return { text: null, json: false };
  if (Buffer.isBuffer(body)) return { text: body, json: false };
  if (typeof body === 'string') return { text: body, json: false };
  return { text: JSON.stringify(body), json: true };
}

/** Kong's kong.response.error body (kong/tools/http.lua) for the negotiated type (JSON by default). */
export function errorBody(accept: string | undefined, message: string, requestId: string): { body: string; contentType: string } {
  return renderError(negotiate(accept, undefined, 'json'), message, requestId);
}

const DEFAULT_ERRORS: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  429: 'API rate limit exceeded',
  500: 'An unexpected error occurred',
  502: 'Bad Gateway',
  503: 'Service unavailable',
};

function headersToList(headers: Record<string, string | string[] | number> | undefined): string[] {
  const out: string[] = [];
  if (!headers) return out;
  for (const [k, v] of Object.entries(headers)) {
    if (Array.isArray(v)) for (const x of v) out.push(k, String(x));
    else out.push(k, String(v));
  }
  return out;
}

function parseQuery(q: string): Record<string, string | string[] | true> {
  const out: Record<string, string | string[] | true> = {};
  if (!q) return out;
  for (const part of q.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = safeDecode(eq < 0 ? part : part.slice(0, eq));
    const v: string | true = eq < 0 ? true : safeDecode(part.slice(eq + 1));
    const prev = out[k];
    if (prev === undefined) out[k] = v;
    else if (Array.isArray(prev)) prev.push(String(v));
    else out[k] = [String(prev), String(v)];
  }
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

function encodeQuery(args: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(args)) {
    const vals = Array.isArray(v) ? v : [v];
    for (const x of vals) parts.push(x === true ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(String(x))}`);
  }
  return parts.join('&');
}

/** Build the `kong` object a plugin sees for one call. */
export function createKong(ctx: RequestContext, plugin: string, env: PluginEnv) {
  const log = (level: 'debug' | 'info' | 'warn' | 'error') => (...args: unknown[]) =>
    env.logger[level]({ plugin, request_id: ctx.requestId }, args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));

  const request = {
    get_scheme: () => ctx.scheme,
    get_host: () => (ctx.headers.get('host') ?? '').replace(/:\d+$/, '').toLowerCase(),
    get_port: () => ctx.localPort,
    get_forwarded_scheme: () => ctx.scheme,
    get_forwarded_host: () => (ctx.headers.get('host') ?? '').replace(/:\d+$/, ''),
    get_forwarded_port: () => ctx.localPort,
    get_http_version: () => Number(ctx.httpVersion),
    get_method: () => ctx.method,
    get_path: () => ctx.match?.normalizedPath ?? ctx.path,
    get_raw_path: () => ctx.path,
    get_path_with_query: () => ctx.path + (ctx.query ? '?' + ctx.query : ''),
    get_raw_query: () => ctx.query,
    get_query: () => parseQuery(ctx.query),
    get_query_arg: (name: string) => parseQuery(ctx.query)[name],
    get_header: (name: string) => ctx.headers.get(name),
    get_headers: () => ctx.headers.toObject(),
    /** The whole request body (buffers it once). */
    get_raw_body: async (): Promise<Buffer> => {
      if (ctx.body) return ctx.body;
      ctx.body = ctx.bodyReader ? await ctx.bodyReader() : Buffer.alloc(0);
      return ctx.body;
    },
    /** Parsed body by content type: JSON, form-urlencoded or multipart (fields only). */
    get_body: async (): Promise<{ body: unknown; mime: string } | { error: string }> => {
      const raw = await request.get_raw_body();
      const ct = (ctx.headers.get('content-type') ?? '').toLowerCase();
      const mime = ct.split(';')[0]!.trim();
      try {
        if (mime.includes('json')) return { body: raw.length ? JSON.parse(raw.toString('utf8')) : {}, mime };
        if (mime === 'application/x-www-form-urlencoded') return { body: parseQuery(raw.toString('utf8')), mime };
        if (mime === 'multipart/form-data') {
          const fd = await new Response(raw, { headers: { 'content-type': ct } }).formData();
          const out: Record<string, string> = {};
          for (const [k, v] of fd) out[k] = typeof v === 'string' ? v : await v.text();
          return { body: out, mime };
        }
      } catch (err) {
        return { error: `unable to parse body: ${(err as Error).message}` };
      }
      return { error: 'unsupported content type' };
    },
  };

  const client = {
    get_ip: () => ctx.remoteAddr.replace(/^::ffff:/, ''),
    get_forwarded_ip: () => ctx.clientIp,
    get_port: () => ctx.remotePort,
    get_forwarded_port: () => ctx.remotePort,
    get_consumer: () => ctx.consumer,
    get_credential: () => ctx.credential,
    authenticate: (consumer: Consumer | null, credential: Credential | null) => {
      ctx.consumer = consumer;
      ctx.credential = credential;
    },
    load_consumer: (idOrName: string, byUsername = false) => {
      let c = env.store.get('consumers', idOrName);
      if (!c && byUsername) c = env.store.find('consumers', 'username', idOrName)[0];
      return (c as Consumer | undefined) ?? null;
    },
    get_protocol: () => ctx.scheme,
  };

  const response = {
    get_status: () => ctx.status,
    get_source: () => (ctx.source === 'upstream' ? 'service' : ctx.source),
    get_header: (name: string) => ctx.responseHeaders?.get(name),
    get_headers: () => ctx.responseHeaders?.toObject() ?? {},
    set_status: (status: number) => {
      ctx.status = status;
    },
    set_header: (name: string, value: string | number) => ctx.responseHeaders?.set(name, String(value)),
    add_header: (name: string, value: string | number) => ctx.responseHeaders?.add(name, String(value)),
    clear_header: (name: string) => ctx.responseHeaders?.remove(name),
    set_headers: (h: Record<string, string | string[]>) => {
      for (const [k, v] of Object.entries(h)) ctx.responseHeaders?.set(k, v);
    },
    get_raw_body: () => ctx.responseBody,
    set_raw_body: (body: string | Buffer) => {
      ctx.responseBody = Buffer.isBuffer(body) ? body : Buffer.from(body);
    },
    /** Answer now; the upstream is not called. Returns an ExitSignal to `return` from the handler. */
    exit: (status: number, body?: unknown, headers?: Record<string, string | string[] | number>) => {
      const { text, json } = jsonOrText(body);
      const list = headersToList(headers);
      const hl = new HeaderList(list);
      if (json && !hl.has('content-type')) list.unshift('Content-Type', 'application/json; charset=utf-8');
      ctx.exit = { status, body: text, headers: list };
      return new ExitSignal(status);
    },
    /** kong.response.error: Kong's error body with request_id, negotiated by Accept (JSON by default). */
    error: (status: number, message?: string, headers?: Record<string, string | string[] | number>) => {
      const msg = message ?? DEFAULT_ERRORS[status] ?? 'An unexpected error occurred';
      const { body, contentType } = errorBody(ctx.headers.get('accept'), msg, ctx.requestId);
      const list = headersToList(headers);
      ctx.exit = { status, body, headers: ['Content-Type', contentType, ...list] };
      return new ExitSignal(status);
    },
  };

  const serviceRequest = {
    set_header: (name: string, value: string | number) => {
      if (name.toLowerCase() === 'host') ctx.upstreamHostOverride = String(value);
      else ctx.headers.set(name, String(value));
    },
    add_header: (name: string, value: string | number) => ctx.headers.add(name, String(value)),
    clear_header: (name: string) => ctx.headers.remove(name),
    set_headers: (h: Record<string, string | string[]>) => {
      for (const [k, v] of Object.entries(h)) ctx.headers.set(k, v);
    },
    set_path: (p: string) => {
      ctx.upstreamPath = p;
    },
    set_raw_query: (q: string) => {
      ctx.upstreamQuery = q;
    },
    set_query: (args: Record<string, unknown>) => {
      ctx.upstreamQuery = encodeQuery(args);
    },
    set_method: (m: string) => {
      ctx.upstreamMethod = m.toUpperCase();
    },
    set_scheme: (s: 'http' | 'https') => {
      ctx.upstreamScheme = s;
    },
    set_raw_body: (body: string | Buffer) => {
      ctx.body = Buffer.isBuffer(body) ? body : Buffer.from(body);
      ctx.bodyReplaced = true;
    },
    set_body: (obj: unknown, mime?: string) => {
      const ct = (mime ?? ctx.headers.get('content-type') ?? 'application/json').toLowerCase();
      const text = ct.includes('x-www-form-urlencoded') ? encodeQuery(obj as Record<string, unknown>) : JSON.stringify(obj);
      ctx.body = Buffer.from(text);
      ctx.bodyReplaced = true;
      if (mime) ctx.headers.set('Content-Type', mime);
    },
  };

  const serviceResponse = {
    get_status: () => ctx.status,
    get_header: (name: string) => ctx.responseHeaders?.get(name),
    get_headers: () => ctx.responseHeaders?.toObject() ?? {},
    get_raw_body: () => ctx.responseBody,
  };

  return {
    version: env.kongVersion,
    node: { get_id: () => env.nodeId },
    request,
    client,
    response,
    service: {
      request: serviceRequest,
      response: serviceResponse,
      set_target: (host: string, port: number) => {
        ctx.upstreamTarget = `${host}:${port}`;
      },
    },
    router: { get_route: () => ctx.route, get_service: () => ctx.service },
    ctx: { shared: ctx.shared, plugin: ctx.pluginState(plugin) },
    log: { debug: log('debug'), info: log('info'), notice: log('info'), warn: log('warn'), err: log('error'), crit: log('error'), serialize: () => serialize(ctx, env) },
    db: env.store,
    ip: { is_trusted: (ip: string) => net.isIP(ip) !== 0 && ip === ctx.remoteAddr },
    /** Direct access for plugins that need more than the PDK offers. */
    raw: ctx,
  };
}

export type Kong = ReturnType<typeof createKong>;

/** Kong's basic log serializer (kong/pdk/log.lua serialize). */
export function serialize(ctx: RequestContext, env: PluginEnv): Record<string, unknown> {
  const reqHeaders = ctx.headers.toObject();
  for (const k of ['authorization', 'proxy-authorization']) if (reqHeaders[k]) reqHeaders[k] = 'REDACTED';
  return {
    request: {
      uri: ctx.path + (ctx.query ? '?' + ctx.query : ''),
      url: `${ctx.scheme}://${ctx.headers.get('host') ?? ''}${ctx.path}${ctx.query ? '?' + ctx.query : ''}`,
      querystring: parseQuery(ctx.query),
      method: ctx.method,
      headers: reqHeaders,
      size: ctx.bytesIn,
      id: ctx.requestId,
    },
    upstream_uri: ctx.upstreamPath + (ctx.query ? '?' + ctx.query : ''),
    upstream_status: ctx.source === 'upstream' && ctx.status ? ctx.status : undefined,
    response: { status: ctx.status, headers: ctx.responseHeaders?.toObject() ?? {}, size: ctx.bytesOut },
    tries: ctx.upstreamAddr ? [{ ip: ctx.upstreamAddr, port: ctx.upstreamPort, balancer_latency: 0 }] : [],
    latencies: {
      kong: Math.max(0, ctx.proxyLatencyMs >= 0 ? ctx.proxyLatencyMs : ctx.responseLatencyMs),
      proxy: ctx.upstreamLatencyMs,
      request: Math.max(0, (ctx.endMs || Date.now()) - ctx.startMs),
      receive: 0,
    },
    authenticated_entity: ctx.credential ? { id: ctx.credential.id } : undefined,
    route: ctx.route ?? undefined,
    service: ctx.service ?? undefined,
    consumer: ctx.consumer ?? undefined,
    client_ip: ctx.clientIp,
    started_at: ctx.startMs,
    source: ctx.source === 'upstream' ? 'upstream' : ctx.source === 'exit' ? 'kong' : 'kong',
    workspace: '00000000-0000-0000-0000-000000000000',
    workspace_name: 'default',
    request_id: ctx.requestId,
    node_id: env.nodeId,
  };
}
