// The admin API server (node:http: speed does not matter here, correctness does).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServerStats } from '../observability/stats.js';
import { redactTarget, type AccessEntry } from '../observability/log-files.js';
import type { AppLogger } from '../observability/logger.js';
import type { Config } from '../config/index.js';
import { KONG_VERSION } from '../config/index.js';
import type { EntityStore } from '../store/dao.js';
import { DaoError } from '../store/errors.js';
import type { PluginRegistry } from '../plugins/registry.js';
import { HttpError, methodNotAllowed, notFoundError, parseQuery, readBody, type AdminRequest, type AdminResponse } from './http.js';

export type { ServerStats };
export type Handler = (req: AdminRequest) => Promise<AdminResponse> | AdminResponse;

export interface RouteDef {
  pattern: string;
  methods: Partial<Record<string, Handler>>;
  /** Extra accepted body types (e.g. yaml for /config). */
  bodyTypes?: string[];
}

/** What the admin API needs from the gateway that owns it. */
export interface AdminContext {
  store: EntityStore;
  config: Config;
  plugins: PluginRegistry;
  nodeId: string;
  hostname: string;
  logger: AppLogger;
  version: string;
  serverStats(): ServerStats;
  /** One line per answered request (Kong's admin_access_log). */
  accessLog?(entry: AccessEntry): void;
  /** Kong's dynamic log level (/debug/node/log-level). */
  logLevel?(): string;
  setLogLevel?(level: string, timeoutS: number): void;
  /** PostgreSQL answers (GET /status database.reachable, /status/ready). */
  databaseReachable?(): boolean;
  /** Proxy processes whose router is built, and how many there should be (/status/ready). */
  routerReady?(): { ready: number; of: number };
  /** Heap in use per proxy process (the workers' when a pool runs, else this process's). */
  processMemory?(): Array<{ pid: number; heapUsed: number }>;
  /** Replace the whole configuration from a declarative document (DB-less). */
  loadDeclarative?(doc: unknown, raw: string | null, opts: { flattenErrors: boolean }): Promise<Record<string, unknown>>;
  /** Balancer view for /upstreams/{u}/health and target health endpoints. */
  upstreamHealth?(upstreamId: string): { data: unknown[] } | null;
  setTargetHealth?(upstreamId: string, targetId: string, address: string | null, healthy: boolean): boolean;
  /** Extra plain routes contributed by plugins (prometheus /metrics). */
  extraRoutes?: RouteDef[];
}

interface Compiled {
  segments: string[];
  def: RouteDef;
}

export class AdminRouter {
  private readonly routes: Compiled[] = [];

  add(def: RouteDef): void {
    const existing = this.routes.find((r) => r.def.pattern === def.pattern);
    if (existing) {
      existing.def = { ...existing.def, methods: { ...existing.def.methods, ...def.methods } };
      return;
    }
    this.routes.push({ segments: def.pattern.split('/').filter(Boolean), def });
  }

  patterns(): string[] {
    return this.routes.map((r) => r.def.pattern);
  }

  /** Literal segments win over parameters, as in Kong's lapis router. */
  match(path: string): { def: RouteDef; params: Record<string, string> } | null {
    const segs = path.split('/').filter(Boolean);
    let best: { def: RouteDef; params: Record<string, string>; score: number } | null = null;
    for (const r of this.routes) {
      if (r.segments.length !== segs.length) continue;
      const params: Record<string, string> = {};
      let score = 0;
      let ok = true;
      for (let i = 0; i < segs.length; i++) {
        const p = r.segments[i]!;
        if (p.startsWith('{')) {
          let v: string;
          try {
            v = decodeURIComponent(segs[i]!);
          } catch {
            v = segs[i]!;
          }
          params[p.slice(1, -1)] = v;
        } else if (p === segs[i]) score += 1 << (segs.length - i);
        else {
          ok = false;
          break;
        }
      }
      if (ok && (!best || score > best.score)) best = { def: r.def, params, score };
    }
    return best ? { def: best.def, params: best.params } : null;
  }
}

// admin URLs rarely carry secrets, but form-less clients sometimes put them in the query
const ADMIN_SECRET_PARAMS = new Set(['password', 'secret', 'key', 'token', 'access_token']);

export class AdminServer {
  readonly server: http.Server;
  readonly router = new AdminRouter();

  constructor(
    private readonly ctx: AdminContext,
    registrations: Array<(router: AdminRouter, ctx: AdminContext) => void>,
  ) {
    for (const reg of registrations) reg(this.router, ctx);
    for (const r of ctx.extraRoutes ?? []) this.router.add(r);
    this.server = http.createServer({ maxHeaderSize: 32 * 1024 }, (req, res) => {
      this.handle(req, res).catch((err) => {
        ctx.logger.error({ err }, 'admin API failure');
        if (!res.headersSent) this.send(req, res, { status: 500, body: { message: 'An unexpected error occurred' } }, Date.now());
        else res.destroy();
      });
    });
    this.server.keepAliveTimeout = 60_000;
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = Date.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q >= 0 ? url.slice(0, q) : url;
    const search = q >= 0 ? url.slice(q + 1) : '';
    const method = (req.method ?? 'GET').toUpperCase();
    const match = this.router.match(path);
    if (!match) {
      req.resume();
      return this.send(req, res, { status: 404, body: { message: 'Not found' } }, started);
    }
    const allowed = Object.keys(match.def.methods);
    if (allowed.includes('GET') && !allowed.includes('HEAD')) allowed.push('HEAD');
    allowed.push('OPTIONS');
    if (method === 'OPTIONS') {
      req.resume();
      const allow = [...new Set(allowed)].sort().join(', ');
      const reqHeaders = req.headers['access-control-request-headers'];
      return this.send(
        req,
        res,
        {
          status: 204,
          headers: {
            Allow: allow,
            'Access-Control-Allow-Methods': allow,
            'Access-Control-Allow-Headers': typeof reqHeaders === 'string' ? reqHeaders : 'Content-Type',
          },
        },
        started,
      );
    }
    const handler = match.def.methods[method === 'HEAD' ? 'GET' : method];
    if (!handler) {
      req.resume();
      return this.send(req, res, { status: 405, body: { message: 'Method not allowed' } }, started);
    }
    let response: AdminResponse;
    try {
      const queryPairs = parseQuery(search);
      if (queryPairs.length > 1000) throw new HttpError(400, { message: 'Too many arguments' });
      const query: Record<string, any> = {};
      for (const [k, v] of queryPairs) query[k] = v;
      let body: Awaited<ReturnType<typeof readBody>> = { body: {}, form: false, raw: '', contentType: '' };
      if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
        body = await readBody(req, this.ctx.config.admin_client_max_body_size, match.def.bodyTypes);
      } else req.resume();
      response = await handler({
        method,
        path,
        params: match.params,
        query,
        queryPairs,
        headers: req.headers,
        body: body.body,
        form: body.form,
        raw: body.raw,
        contentType: body.contentType,
      });
    } catch (err) {
      response = errorResponse(err, this.ctx);
    }
    if (method === 'HEAD') response = { ...response, body: undefined };
    this.send(req, res, response, started);
  }

  private send(req: http.IncomingMessage, res: http.ServerResponse, r: AdminResponse, started: number): void {
    const origin = req.headers.origin;
    const headers: Record<string, string> = {
      'Access-Control-Allow-Origin': typeof origin === 'string' ? origin : '*',
      'Access-Control-Allow-Credentials': 'true',
      'X-Kong-Admin-Latency': String(Date.now() - started),
      Server: `kong/${KONG_VERSION}`,
      ...(typeof origin === 'string' ? { Vary: 'Origin' } : {}),
      ...(r.headers ?? {}),
    };
    let payload: string | undefined;
    if (r.body !== undefined && r.body !== null && r.status !== 204 && r.status !== 304) {
      if (typeof r.body === 'string') {
        payload = r.body;
        headers['Content-Type'] ??= 'text/plain; charset=utf-8';
      } else {
        payload = JSON.stringify(r.body);
        headers['Content-Type'] ??= 'application/json; charset=utf-8';
      }
    }
    if (payload !== undefined) headers['Content-Length'] = String(Buffer.byteLength(payload));
    else if (r.status !== 204 && r.status !== 304) headers['Content-Length'] = '0';
    res.writeHead(r.status, headers);
    res.end(req.method === 'HEAD' ? undefined : payload);
    this.ctx.accessLog?.({
      remoteAddr: req.socket.remoteAddress ?? '-',
      time: new Date(),
      request: `${req.method} ${redactTarget(req.url ?? '/', ADMIN_SECRET_PARAMS)} HTTP/${req.httpVersion}`,
      status: r.status,
      bytesSent: req.method === 'HEAD' || payload === undefined ? 0 : Buffer.byteLength(payload),
      referer: req.headers.referer,
      userAgent: req.headers['user-agent'],
    });
  }
}

export function errorResponse(err: unknown, ctx: AdminContext): AdminResponse {
  if (err instanceof HttpError) return { status: err.status, body: err.body, headers: err.headers };
  if (err instanceof DaoError) {
    if (err.status >= 500) ctx.logger.error({ err }, 'store error');
    return { status: err.status, body: err.status >= 500 ? { message: 'An unexpected error occurred' } : err.toJSON() };
  }
  ctx.logger.error({ err }, 'unexpected admin error');
  return { status: 500, body: { message: 'An unexpected error occurred' } };
}

export { notFoundError, methodNotAllowed, HttpError };
