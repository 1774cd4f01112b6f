// The per-request state shared by the proxy and plugins. Built lazily: header maps, query
// objects and bodies exist only when something asks for them.
import type { RouteMatch } from '../router/index.js';
import type { Route, Service } from '../store/types.js';

/** Flat header list helpers: [name, value, name, value, ...], names case-insensitive. */
export class HeaderList {
  constructor(public list: string[]) {}

  get(name: string): string | undefined {
    const l = this.list;
    const lower = name.toLowerCase();
    for (let i = 0; i < l.length; i += 2) if (l[i]!.length === lower.length && l[i]!.toLowerCase() === lower) return l[i + 1];
    return undefined;
  }

  getAll(name: string): string[] {
    const out: string[] = [];
    const l = this.list;
    const lower = name.toLowerCase();
    for (let i = 0; i < l.length; i += 2) if (l[i]!.toLowerCase() === lower) out.push(l[i + 1]!);
    return out;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  set(name: string, value: string | string[]): void {
    this.remove(name);
    this.add(name, value);
  }

  add(name: string, value: string | string[]): void {
    if (Array.isArray(value)) for (const v of value) this.list.push(name, v);
    else this.list.push(name, value);
  }

  remove(name: string): void {
    const lower = name.toLowerCase();
    const l = this.list;
    let w = 0;
    for (let i = 0; i < l.length; i += 2) {
      if (l[i]!.toLowerCase() === lower) continue;
      l[w++] = l[i]!;
      l[w++] = l[i + 1]!;
    }
    l.length = w;
  }

  /** Lower-cased names mapped to a value or a list of values (Kong's get_headers shape). */
  toObject(): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    const l = this.list;
    for (let i = 0; i < l.length; i += 2) {
      const k = l[i]!.toLowerCase();
      const prev = out[k];
      if (prev === undefined) out[k] = l[i + 1]!;
      else if (Array.isArray(prev)) prev.push(l[i + 1]!);
      else out[k] = [prev, l[i + 1]!];
    }
    return out;
  }
}

export interface Consumer {
  id: string;
  username: string | null;
  custom_id: string | null;
  [k: string]: unknown;
}

export interface Credential {
  id: string;
  consumer?: { id: string };
  [k: string]: unknown;
}

/** An answer produced by Kong itself (plugin exit, error) instead of the upstream. */
export interface ExitResponse {
  status: number;
  body: string | Buffer | null;
  headers: string[];
}

export class RequestContext {
  // ---- request -------------------------------------------------------------------------
  readonly requestId: string;
  /** process.hrtime.bigint() at the first byte of the head, in ns. */
  readonly startNs: bigint;
  /** Wall-clock ms at start. */
  readonly startMs: number;
  method: string;
  /** Raw request target as received (path + query). */
  target: string;
  /** Raw path (no query), percent-encoded as received. */
  path: string;
  /** Raw query string without '?', or '' */
  query: string;
  httpVersion: '1.0' | '1.1';
  scheme: 'http' | 'https';
  readonly headers: HeaderList;
  /** Connecting peer. */
  remoteAddr: string;
  remotePort: number;
  /** Client address after trusted real-IP processing (nginx $remote_addr). */
  clientIp: string;
  localPort: number;
  sni: string | undefined;
  /** Buffered request body when a plugin read or replaced it; null while streaming. */
  body: Buffer | null = null;
  /** True once the body was replaced by a plugin: it is sent with a new Content-Length. */
  bodyReplaced = false;
  /** Set by the proxy: reads the whole request body (decoded from chunked), once. */
  bodyReader: (() => Promise<Buffer>) | null = null;

  // ---- routing ----------------------------------------------------------------------
  match: RouteMatch | null = null;
  route: Route | null = null;
  service: Service | null = null;
  /** Path (and query) sent upstream; plugins may change them. */
  upstreamPath = '/';
  upstreamQuery: string | null = null;
  upstreamMethod: string | null = null;
  /** Upstream Host header override (plugins: kong.service.request.set_header('host')). */
  upstreamHostOverride: string | null = null;
  /** Target chosen by the balancer. */
  upstreamAddr: string | null = null;
  upstreamPort = 0;
  upstreamTarget: string | null = null;
  upstreamScheme: 'http' | 'https' = 'http';
  /** Extra headers set for the upstream request by plugins (on top of the client's). */
  balancerTries = 0;

  // ---- auth -------------------------------------------------------------------------
  consumer: Consumer | null = null;
  credential: Credential | null = null;
  authenticatedGroups: string[] | null = null;

  // ---- response ---------------------------------------------------------------------
  status = 0;
  responseHeaders: HeaderList | null = null;
  /** Set when Kong answers itself (exit, error); the upstream is not called. */
  exit: ExitResponse | null = null;
  /** Buffered response body when a plugin asked for it (body_filter). */
  responseBody: Buffer | null = null;
  /** Where the response came from, for logs: 'upstream' | 'exit' | 'error'. */
  source: 'upstream' | 'exit' | 'error' = 'upstream';
  /** Bytes sent to the client and received from it. */
  bytesIn = 0;
  bytesOut = 0;

  // ---- timings (ms) -----------------------------------------------------------------
  proxyLatencyMs = -1;
  upstreamLatencyMs = -1;
  responseLatencyMs = -1;
  upstreamStartNs = 0n;
  endMs = 0;

  // ---- plugin state -----------------------------------------------------------------
  /** kong.ctx.shared */
  readonly shared: Record<string, unknown> = {};
  /** kong.ctx.plugin, per plugin name */
  pluginCtx: Map<string, Record<string, unknown>> | null = null;
  /** Error raised while handling the request (for logs). */
  error: unknown = null;

  constructor(init: {
    requestId: string;
    startNs: bigint;
    method: string;
    target: string;
    headers: string[];
    httpVersion: '1.0' | '1.1';
    scheme: 'http' | 'https';
    remoteAddr: string;
    remotePort: number;
    localPort: number;
    sni?: string;
  }) {
    this.requestId = init.requestId;
    this.startNs = init.startNs;
    this.startMs = Date.now();
    this.method = init.method;
    this.target = init.target;
    const q = init.target.indexOf('?');
    this.path = q >= 0 ? init.target.slice(0, q) : init.target;
    this.query = q >= 0 ? init.target.slice(q + 1) : '';
    this.headers = new HeaderList(init.headers);
    this.httpVersion = init.httpVersion;
    this.scheme = init.scheme;
    this.remoteAddr = init.remoteAddr;
    this.remotePort = init.remotePort;
    this.clientIp = init.remoteAddr;
    this.localPort = init.localPort;
    this.sni = init.sni;
  }

  pluginState(name: string): Record<string, unknown> {
    if (!this.pluginCtx) this.pluginCtx = new Map();
    let s = this.pluginCtx.get(name);
    if (!s) this.pluginCtx.set(name, (s = {}));
    return s;
  }

  /** ms since the request started. */
  elapsedMs(): number {
    return Number(process.hrtime.bigint() - this.startNs) / 1e6;
  }
}
