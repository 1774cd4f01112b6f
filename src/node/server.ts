// The node's HTTP listener (node:http: the node is not the proxy hot path). Connector endpoints, the
// management API, the console, health and metrics. Every error is a JSON body from errors.ts; bad input
// is a 4xx, never a crash.
import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { encode } from '@msgpack/msgpack';
import { isConnectionError } from '../store/postgres/connection.js';
import { handleApi } from './api.js';
import { consolePage } from './console.js';
import { BLOCKED_BODY, errorBody, NodeError } from './errors.js';
import { inNetworks } from './ip.js';
import type { FilteringNode } from './node.js';
import { decodeBody, decodeMirrorItem, decodeRequest, decodeResponse, encodingOf, type Message } from './protocol.js';
import type { InspectResult } from './types.js';

export interface Ctx {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  url: URL;
  method: string;
  path: string;
}

export class NodeServer {
  private readonly servers: http.Server[] = [];

  constructor(private readonly node: FilteringNode) {}

  async listen(list: Array<{ host: string; port: number }>): Promise<AddressInfo[]> {
    const out: AddressInfo[] = [];
    try {
      for (const l of list) {
        const s = http.createServer({ requestTimeout: 60_000, headersTimeout: 20_000, keepAliveTimeout: 5_000 }, (req, res) => {
          this.handle(req, res).catch((e) => this.fail(res, e));
        });
        s.on('clientError', (_err, socket) => {
          if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
          else socket.destroy();
        });
        await new Promise<void>((resolve, reject) => {
          s.once('error', reject);
          s.listen(l.port, l.host, () => { s.off('error', reject); resolve(); });
        });
        this.servers.push(s);
        out.push(s.address() as AddressInfo);
      }
    } catch (e) {
      await this.close();
      throw e;
    }
    return out;
  }

  addresses(): AddressInfo[] {
    return this.servers.map((s) => s.address() as AddressInfo).filter(Boolean);
  }

  async close(): Promise<void> {
    const all = this.servers.splice(0);
    await Promise.all(all.map((s) => new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeIdleConnections();
      // In-flight requests get a moment, then their sockets go.
      setTimeout(() => s.closeAllConnections(), 1000).unref();
    })));
  }

  private fail(res: http.ServerResponse, e: unknown): void {
    if (e instanceof NodeError) {
      sendJson(res, e.status, errorBody(e.status, e.message, e.details));
      return;
    }
    if (isConnectionError(e)) {
      // PostgreSQL mode: lists and attacks are read from the database; requests are still enforced from memory
      this.node.metrics.errors.inc({ type: 'database' });
      sendJson(res, 503, errorBody(503, 'the database is unreachable'));
      return;
    }
    this.node.metrics.errors.inc({ type: 'internal' });
    this.node.logger.error({ err: e }, 'node request failed');
    sendJson(res, 500, errorBody(500, 'internal error'));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let url: URL;
    try { url = new URL(req.url ?? '/', 'http://node'); } catch { throw new NodeError(400, 'malformed request target'); }
    const method = req.method ?? 'GET';
    const path = url.pathname.length > 1 && url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
    const ctx: Ctx = { req, res, url, method, path };

    switch (path) {
      case '/live':
        return sendJson(res, 200, { status: 'live' });
      case '/ready': {
        const ok = this.node.state === 'running';
        return sendJson(res, ok ? 200 : 503, { status: ok ? 'ready' : this.node.state, mode: this.node.mode });
      }
      case '/v1/inspect':
      case '/v1/response':
      case '/v1/mirror':
      case '/v1/health':
        return this.connector(ctx);
      case '/console':
      case '/':
        if (method !== 'GET' && method !== 'HEAD') throw new NodeError(405, 'method not allowed');
        if (path === '/') { res.writeHead(302, { location: '/console' }); res.end(); return; }
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:",
          'x-frame-options': 'DENY',
        });
        res.end(method === 'HEAD' ? undefined : consolePage());
        return;
    }
    this.requireAuth(req);
    if (path === '/metrics') {
      if (method !== 'GET') throw new NodeError(405, 'method not allowed');
      const m = this.node.metrics;
      const counts = this.node.ipLists.counts();
      for (const [list, n] of Object.entries(counts)) m.ipListEntries.set({ list }, n);
      const text = await m.registry.metrics();
      res.writeHead(200, { 'content-type': m.registry.contentType });
      res.end(text);
      return;
    }
    if (path.startsWith('/v1/')) {
      const body = method === 'POST' || method === 'PUT' || method === 'PATCH' ? await this.readJson(req) : undefined;
      const out = await handleApi(this.node, method, path, url.searchParams, body);
      if (out.status === 204) { res.writeHead(204); res.end(); return; }
      return sendJson(res, out.status, out.body);
    }
    throw new NodeError(404, 'not found');
  }

  private requireAuth(req: http.IncomingMessage): void {
    if (!this.node.requireToken) return;
    const h = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    const want = Buffer.from(this.node.token ?? '');
    const got = Buffer.from(m?.[1] ?? '');
    if (!m || want.length === 0 || got.length !== want.length || !timingSafeEqual(got, want)) {
      throw new NodeError(401, 'a valid bearer token is required (Authorization: Bearer <token>)');
    }
  }

  private async readBody(req: http.IncomingMessage, type: string): Promise<Buffer> {
    const limit = this.node.bodyLimit;
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      this.node.metrics.errors.inc({ type: 'body_too_large' });
      this.node.metrics.messages.inc({ type, result: 'rejected' });
      req.resume();
      throw new NodeError(413, `message body larger than ${limit} bytes`);
    }
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let done = false;
      req.on('data', (c: Buffer) => {
        if (done) return;
        size += c.length;
        if (size > limit) {
          done = true;
          this.node.metrics.errors.inc({ type: 'body_too_large' });
          this.node.metrics.messages.inc({ type, result: 'rejected' });
          reject(new NodeError(413, `message body larger than ${limit} bytes`));
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => { if (!done) { done = true; resolve(Buffer.concat(chunks, size)); } });
      req.on('error', (e) => {
        if (done) return;
        done = true;
        this.node.metrics.errors.inc({ type: 'body_read' });
        reject(new NodeError(400, `cannot read body: ${e.message}`));
      });
    });
  }

  private async readJson(req: http.IncomingMessage): Promise<unknown> {
    const buf = await this.readBody(req, 'api');
    if (buf.length === 0) return {};
    const enc = encodingOf(req.headers['content-type'] ?? 'application/json', buf);
    return decodeBody(enc, buf);
  }

  /** Connector endpoints: gated by allowed_networks; request hosts by allowed_hosts (415). */
  private async connector(ctx: Ctx): Promise<void> {
    const { req, res, method, path } = ctx;
    const node = this.node;
    const type = path === '/v1/inspect' ? 'request' : path === '/v1/response' ? 'response' : path === '/v1/mirror' ? 'mirror' : 'health';
    if (node.allowedNetworks.length > 0 && !inNetworks(node.allowedNetworks, req.socket.remoteAddress ?? null)) {
      node.metrics.messages.inc({ type, result: 'rejected' });
      req.resume();
      throw new NodeError(403, 'client address not allowed');
    }
    if (type === 'health' && (method === 'GET' || method === 'HEAD')) {
      node.metrics.messages.inc({ type: 'health', result: 'processed' });
      return sendJson(res, 200, this.health());
    }
    if (method !== 'POST') { req.resume(); throw new NodeError(405, `use POST for ${path}`); }
    const buf = await this.readBody(req, type);
    let msg: unknown;
    let enc;
    try {
      enc = encodingOf(req.headers['content-type'], buf);
      msg = type === 'health' && buf.length === 0 ? {} : decodeBody(enc, buf);
    } catch (e) {
      node.metrics.messages.inc({ type, result: 'rejected' });
      node.metrics.errors.inc({ type: 'decode' });
      throw e;
    }
    const wantsMsgpack = /application\/(x-|vnd\.)?msgpack/.test(req.headers.accept ?? '');
    switch (type) {
      case 'request': {
        let m;
        try { m = decodeRequest(msg, enc); } catch (e) { node.metrics.messages.inc({ type, result: 'rejected' }); node.metrics.errors.inc({ type: 'decode' }); throw e; }
        this.checkHost(m.host ?? headerValue(m.headers, 'host'));
        const v = node.inspect(m);
        const body = verdictBody(v);
        res.setHeader('x-request-id', v.requestId);
        return send(res, v.blocked ? 403 : 200, v.blocked ? { ...BLOCKED_BODY, ...body } : body, wantsMsgpack);
      }
      case 'response': {
        let m;
        try { m = decodeResponse(msg, enc); } catch (e) { node.metrics.messages.inc({ type, result: 'rejected' }); node.metrics.errors.inc({ type: 'decode' }); throw e; }
        const matched = node.handleResponseMessage(m);
        return send(res, 200, { request_id: m.requestId, recorded: matched }, wantsMsgpack);
      }
      case 'mirror': {
        const items = Array.isArray(msg) ? msg : [msg];
        const good: Message[] = [];
        let rejected = 0;
        const errors: string[] = [];
        for (const it of items) {
          try {
            const m = decodeMirrorItem(it, enc);
            if (m.type === 'request' && !this.hostAllowed(m.host ?? headerValue(m.headers, 'host'))) { rejected++; continue; }
            good.push(m);
          } catch (e) {
            rejected++;
            if (errors.length < 5) errors.push((e as Error).message);
          }
        }
        if (rejected) {
          node.metrics.messages.inc({ type: 'mirror', result: 'rejected' }, rejected);
          node.metrics.errors.inc({ type: 'decode' }, rejected);
        }
        if (good.length === 0 && rejected > 0) throw new NodeError(400, `no valid message in the mirror batch: ${errors[0] ?? 'host not allowed'}`);
        const r = node.ingest(good);
        return send(res, 202, { accepted: r.accepted, dropped: r.dropped, rejected, ...(errors.length ? { errors } : {}) }, wantsMsgpack);
      }
      default:
        node.metrics.messages.inc({ type: 'health', result: 'processed' });
        return send(res, 200, this.health(), wantsMsgpack);
    }
  }

  private health(): Record<string, unknown> {
    return { status: this.node.state === 'running' ? 'ok' : this.node.state, mode: this.node.mode, application: this.node.application };
  }

  private hostAllowed(host: string | undefined): boolean {
    const pats = this.node.allowedHosts;
    if (pats.length === 0) return true;
    const h = (host ?? '').replace(/:\d+$/, '');
    return pats.some((re) => re.test(h));
  }

  private checkHost(host: string | undefined): void {
    if (!this.hostAllowed(host)) {
      this.node.metrics.messages.inc({ type: 'request', result: 'rejected' });
      throw new NodeError(415, `host '${host ?? ''}' is not allowed on this node`);
    }
  }
}

function headerValue(headers: Array<[string, string]>, name: string): string | undefined {
  for (const [k, v] of headers) if (k.toLowerCase() === name) return v;
  return undefined;
}

export function verdictBody(v: InspectResult): Record<string, unknown> {
  return {
    verdict: v.verdict,
    blocked: v.blocked,
    reason: v.reason,
    mode: v.mode,
    request_id: v.requestId,
    client_ip: v.clientIp,
    hits: v.hits.map((h) => ({ type: h.type, point: h.point, payload: h.payload, detector: h.detector, source: h.source, blocking: h.blocking })),
  };
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  send(res, status, body, false);
}

function send(res: http.ServerResponse, status: number, body: unknown, msgpack: boolean): void {
  if (res.headersSent) { res.end(); return; }
  const data = msgpack ? Buffer.from(encode(body)) : Buffer.from(JSON.stringify(body));
  const headers: Record<string, string | number> = {
    'content-type': msgpack ? 'application/msgpack' : 'application/json; charset=utf-8',
    'content-length': data.length,
    'cache-control': 'no-store',
  };
  if (status === 413) headers.connection = 'close';
  res.writeHead(status, headers);
  res.end(data);
}
