// One client connection on the proxy port: strict head parsing, routing, plugins, forwarding
// to a pooled upstream socket with bodies streamed through, Kong's headers and error answers.
import type net from 'node:net';
import {
  ChunkedBodyParser,
  ContentLengthBody,
  HttpParseError,
  RequestHeadParser,
  buildResponseHead,
  type RequestHead,
  type ResponseHead,
} from './http1/index.js';
import { HeaderList, RequestContext } from '../pdk/context.js';
import type { MatchRequest, RouteMatch } from '../router/index.js';
import { nextRequestId } from './request-id.js';
import { negotiate, renderError, statusMessage, type ErrorType } from '../pdk/kong-errors.js';
import type { UpstreamOwner, UpstreamSocket } from './upstream-pool.js';
import type { ProxyCore } from './core.js';
import { clientHead, clientIpOf, plainPeer, responseHeaders, upstreamHead, type PeerFacts } from './headers.js';
import { isTrusted } from './settings.js';
import type { Peer } from './balancer.js';

const S_HEAD = 0;
const S_PENDING = 1; // routing, plugins, DNS or connect in progress; client bytes are buffered
const S_BODY = 2; // streaming the request body upstream
const S_RESPONSE = 3; // request sent; waiting for / streaming the response
const S_TUNNEL = 4;
const S_CLOSED = 5;
const S_READBODY = 6; // buffering the whole request body for a plugin

const MAX_BUFFERED = 1024 * 1024;
const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');

type BodyReader = ContentLengthBody | ChunkedBodyParser;

// Client socket listeners are shared functions: no closures or bound methods per connection.
const kConn = Symbol('portcullis.connection');
type ClientSocket = net.Socket & { [kConn]?: ClientConnection };
function onClientData(this: ClientSocket, chunk: Buffer): void {
  this[kConn]!.onData(chunk);
}
function onClientDrain(this: ClientSocket): void {
  this[kConn]!.onDrain();
}
function onClientGone(this: ClientSocket): void {
  this[kConn]!.abort();
}
function onClientEnd(this: ClientSocket): void {
  this[kConn]!.onEnd();
}

// Route matching input, reused (the router is synchronous and keeps nothing of it).
let routeCtx: RequestContext | null = null;
function routeHeaders(name: string): string | string[] | undefined {
  const all = routeCtx!.headers.getAll(name);
  return all.length === 0 ? undefined : all.length === 1 ? all[0] : all;
}
const routeQuery: MatchRequest = { method: '', host: undefined, path: '', headers: routeHeaders, sni: undefined, port: 0, protocol: 'http' };

export class ClientConnection implements UpstreamOwner {
  readonly socket: net.Socket;
  private readonly core: ProxyCore;
  private readonly parser: RequestHeadParser;
  private state = S_HEAD;
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  /** Per-request state */
  private ctx: RequestContext | null = null;
  private head: RequestHead | null = null;
  private body: BodyReader | null = null;
  private bodyDone = true;
  private up: UpstreamSocket | null = null;
  private peer: Peer | null = null;
  private resHead: ResponseHead | null = null;
  private resBody: BodyReader | null = null;
  private resClose = false;
  private resChunkWrap = false;
  private resBuffer: Buffer[] | null = null;
  private resStarted = false;
  /** Response head produced but not written yet: it goes out with the first body bytes, in one write. */
  private pendingHead: string | null = null;
  private upReused = false;
  private keepAlive = true;
  private tried: Set<string> | null = null;
  private attempts = 0;
  /** Deadline bookkeeping for the proxy's coarse timer sweep. */
  deadline = 0;
  private deadlineKind: 'header' | 'keepalive' | 'body' | 'upstream' | null = null;
  private readonly scheme: 'http' | 'https';
  /** Per-connection facts, read once. */
  private readonly remoteAddr: string;
  private readonly remotePort: number;
  private readonly localPort: number;
  private readonly peerFacts: PeerFacts;

  constructor(socket: net.Socket, core: ProxyCore, scheme: 'http' | 'https') {
    this.socket = socket;
    this.core = core;
    this.scheme = scheme;
    const settings = core.settings;
    this.parser = new RequestHeadParser(settings.headLimits);
    this.remoteAddr = socket.remoteAddress ?? '';
    this.remotePort = socket.remotePort ?? 0;
    this.localPort = socket.localPort ?? 0;
    const peer = plainPeer(this.remoteAddr);
    this.peerFacts = { peer, trusted: settings.trusted !== null && isTrusted(settings.trusted, peer), localPort: String(this.localPort) };
    (socket as ClientSocket)[kConn] = this;
    socket.on('data', onClientData);
    socket.on('drain', onClientDrain);
    socket.on('error', onClientGone);
    socket.on('close', onClientGone);
    socket.on('end', onClientEnd);
    this.setDeadline('keepalive', settings.keepaliveTimeoutMs);
  }

  /** Half-closed client: finish the current exchange, then close. */
  onEnd(): void {
    this.keepAlive = false;
    if (this.state === S_HEAD && this.parser.buffered === 0) this.close();
  }

  // ---- timers ---------------------------------------------------------------------------

  private setDeadline(kind: ClientConnection['deadlineKind'], ms: number): void {
    this.deadlineKind = kind;
    this.deadline = kind && ms > 0 ? Date.now() + ms : 0;
  }

  /** Called by the proxy's sweep when `deadline` passed. */
  expire(): void {
    const kind = this.deadlineKind;
    this.deadline = 0;
    if (kind === 'keepalive') return this.close();
    if (kind === 'header') {
      this.keepAlive = false;
      return this.sendError(408, this.core.settings.errorType);
    }
    if (kind === 'body') {
      this.failBodyWaiter();
      this.discardUpstream();
      this.keepAlive = false;
      return this.sendError(408, this.core.settings.errorType);
    }
    if (kind === 'upstream') {
      if (this.resStarted) return this.close();
      this.peerFailure('timeout');
      this.discardUpstream();
      this.keepAlive = this.bodyDone && this.keepAlive;
      return this.sendError(504, this.core.settings.errorType);
    }
  }

  // ---- client input -------------------------------------------------------------------

  onData(chunk: Buffer): void {
    if (this.ctx) this.ctx.bytesIn += chunk.length;
    switch (this.state) {
      case S_HEAD:
        this.parseHead(chunk, 0);
        return;
      case S_BODY:
        this.forwardBody(chunk, 0);
        return;
      case S_TUNNEL:
        if (this.up && !this.up.socket.write(chunk)) this.socket.pause();
        return;
      case S_CLOSED:
        return;
      case S_READBODY:
        this.collectBody(chunk);
        return;
      default:
        this.buffered.push(chunk);
        this.bufferedBytes += chunk.length;
        if (this.bufferedBytes > MAX_BUFFERED) this.socket.pause();
    }
  }

  private parseHead(buf: Buffer, offset: number): void {
    let head: RequestHead | null;
    try {
      head = this.parser.execute(buf, offset);
    } catch (err) {
      return this.protocolError(err);
    }
    if (!head) {
      if (this.deadlineKind !== 'header') this.setDeadline('header', this.core.settings.headerTimeoutMs);
      return;
    }
    this.beginRequest(head, buf, head.end);
  }

  private protocolError(err: unknown): void {
    this.keepAlive = false;
    let status = err instanceof HttpParseError ? err.status : 400;
    let message = err instanceof HttpParseError ? err.message : 'Bad request';
    // nginx says 501 to an unknown Transfer-Encoding; a smuggling attempt gets Kong's 400 here
    if (status === 501) {
      status = 400;
      message = 'Bad request';
    }
    if (!(err instanceof HttpParseError)) this.core.logger.error({ err }, 'request parsing failed');
    this.state = S_PENDING;
    this.ensureCtx();
    this.ctx!.error = err;
    this.sendKongError(status, message, this.core.settings.errorType);
  }

  /** A context for answers given before a head was parsed (408, 400). */
  private ensureCtx(): void {
    if (this.ctx) return;
    this.ctx = new RequestContext({
      requestId: nextRequestId(),
      startNs: process.hrtime.bigint(),
      method: '-',
      target: '-',
      headers: [],
      httpVersion: '1.1',
      scheme: this.scheme,
      remoteAddr: this.remoteAddr,
      remotePort: this.remotePort,
      localPort: this.localPort,
    });
  }

  private beginRequest(head: RequestHead, buf: Buffer, bodyStart: number): void {
    const core = this.core;
    const settings = core.settings;
    this.state = S_PENDING;
    this.head = head;
    this.setDeadline(null, 0);
    const ctx = new RequestContext({
      requestId: nextRequestId(),
      startNs: process.hrtime.bigint(),
      method: head.method,
      target: head.target,
      headers: head.headers,
      httpVersion: head.versionMinor === 1 ? '1.1' : '1.0',
      scheme: this.scheme,
      remoteAddr: this.remoteAddr,
      remotePort: this.remotePort,
      localPort: this.localPort,
      sni: this.scheme === 'https' ? (this.socket as net.Socket & { servername?: string }).servername || undefined : undefined,
    });
    this.ctx = ctx;
    ctx.bytesIn = head.headSize;
    core.stats.total_requests++;
    if (!head.keepAlive) this.keepAlive = false;
    // absolute-form target: the authority replaces Host, the path is what follows it
    if (head.target.charCodeAt(0) !== 47 && head.target !== '*') absoluteForm(ctx, head);
    const pf = this.peerFacts;
    ctx.clientIp = pf.trusted ? clientIpOf(ctx, settings, pf.peer, true) : pf.peer;

    if (head.bodyKind === 'length') {
      if (settings.maxBodySize > 0 && head.contentLength! > settings.maxBodySize) {
        this.keepAlive = false;
        return this.sendKongError(413, 'Payload too large', settings.errorType);
      }
      this.body = new ContentLengthBody(head.contentLength!);
      this.bodyDone = false;
    } else if (head.bodyKind === 'chunked') {
      this.body = new ChunkedBodyParser('request');
      this.bodyDone = false;
    } else {
      this.body = null;
      this.bodyDone = true;
    }
    if (bodyStart < buf.length) {
      const rest = buf.subarray(bodyStart);
      this.buffered.push(rest);
      this.bufferedBytes += rest.length;
    }

    if (!this.bodyDone) ctx.bodyReader = this.bodyReaderFn ??= () => this.readWholeBody();
    const q = routeQuery;
    q.method = head.method;
    q.host = head.host ?? undefined;
    q.path = ctx.path;
    q.port = this.localPort;
    q.protocol = this.scheme;
    q.sni = ctx.sni;
    routeCtx = ctx;
    let match: RouteMatch | null;
    try {
      match = core.router.match(q);
    } finally {
      routeCtx = null;
    }
    if (!match) {
      // global plugins still see this 404 in their log phase (the pipeline collects them then)
      return this.sendKongError(404, 'no Route matched with those values', 'json');
    }
    ctx.match = match;
    ctx.route = match.route;
    ctx.service = match.service;
    ctx.upstreamPath = match.upstreamPath;
    if (match.httpsRedirectStatus !== null) return this.httpsRedirect(match.httpsRedirectStatus);

    const phases = core.phases;
    if (phases && phases.active) {
      let r: void | Promise<void>;
      try {
        r = phases.access(ctx);
      } catch (err) {
        return this.pluginFailure(err);
      }
      if (r && typeof (r as Promise<void>).then === 'function') {
        (r as Promise<void>).then(
          () => this.afterAccess(),
          (err) => this.pluginFailure(err),
        );
        return;
      }
    }
    this.afterAccess();
  }

  private pluginFailure(err: unknown): void {
    if (this.state === S_CLOSED) return;
    const ctx = this.ctx!;
    ctx.error = err;
    this.core.logger.error({ err, request_id: ctx.requestId }, 'plugin failed');
    this.sendKongError(500, 'An unexpected error occurred', 'json');
  }

  private bodyReaderFn: (() => Promise<Buffer>) | null = null;
  private bodyWaiter: { chunks: Buffer[]; size: number; resolve: (b: Buffer) => void; reject: (e: Error) => void } | null = null;

  /** Buffer the whole request body for a plugin; forwarding then sends it with a Content-Length. */
  private readWholeBody(): Promise<Buffer> {
    if (this.bodyDone || !this.body) return Promise.resolve(Buffer.alloc(0));
    return new Promise<Buffer>((resolve, reject) => {
      this.bodyWaiter = { chunks: [], size: 0, resolve, reject };
      const pending = this.buffered;
      this.buffered = [];
      this.bufferedBytes = 0;
      this.state = S_READBODY;
      for (const c of pending) {
        if (this.state !== S_READBODY) {
          this.buffered.push(c);
          this.bufferedBytes += c.length;
        } else this.collectBody(c);
      }
      if (this.state === S_READBODY) {
        this.setDeadline('body', this.core.settings.bodyTimeoutMs);
        if (this.socket.isPaused()) this.socket.resume();
      }
    });
  }

  private failBodyWaiter(): void {
    const w = this.bodyWaiter;
    if (!w) return;
    this.bodyWaiter = null;
    w.reject(new Error('request body not received'));
  }

  private collectBody(chunk: Buffer): void {
    const w = this.bodyWaiter!;
    let end: number;
    try {
      end = this.body!.execute(chunk, 0);
    } catch (err) {
      this.state = S_PENDING;
      this.bodyWaiter = null;
      this.keepAlive = false;
      w.reject(new Error('invalid request body'));
      return this.sendKongError(400, 'Bad request', this.core.settings.errorType);
    }
    const last = end === -1 ? chunk.length : end;
    w.chunks.push(last === chunk.length ? chunk : chunk.subarray(0, last));
    w.size += last;
    const max = this.core.settings.maxBodySize || 64 * 1024 * 1024;
    if (w.size > max + 64) {
      this.state = S_PENDING;
      this.bodyWaiter = null;
      this.keepAlive = false;
      w.reject(new Error('request body too large'));
      return this.sendKongError(413, 'Payload too large', this.core.settings.errorType);
    }
    if (end === -1) return;
    if (end < chunk.length) {
      const rest = chunk.subarray(end);
      this.buffered.push(rest);
      this.bufferedBytes += rest.length;
    }
    this.state = S_PENDING;
    this.bodyWaiter = null;
    this.bodyDone = true;
    this.setDeadline(null, 0);
    const raw = Buffer.concat(w.chunks);
    const decoded = this.body instanceof ChunkedBodyParser ? new Dechunker().push(raw) : raw;
    this.body = null;
    this.ctx!.body = decoded;
    w.resolve(decoded);
  }

  private afterAccess(): void {
    if (this.state === S_CLOSED) return;
    const ctx = this.ctx!;
    if (ctx.exit) return this.sendExit();
    if (!ctx.service) return this.sendKongError(503, 'no Service found with those values', 'json');
    // one clock read: Kong's proxy latency ends where the upstream latency starts
    const now = process.hrtime.bigint();
    ctx.upstreamStartNs = now;
    ctx.proxyLatencyMs = Math.round(Number(now - ctx.startNs) / 1e6);
    this.attempts = 0;
    this.tried = null;
    this.connectUpstream();
  }

  // ---- upstream -----------------------------------------------------------------------

  private connectUpstream(): void {
    const core = this.core;
    const ctx = this.ctx!;
    const info = core.serviceInfo(ctx.service!);
    let peer: Peer | null;
    try {
      peer = core.pickPeer(ctx, this.tried);
    } catch (err) {
      return this.balancerError(err);
    }
    if (!peer) {
      if (this.attempts > 0) return; // already answered by the failing attempt
      return this.sendKongError(503, 'failure to get a peer from the ring-balancer', 'json');
    }
    this.peer = peer;
    this.attempts++;
    ctx.balancerTries = this.attempts;
    const secure = info.secure;
    ctx.upstreamScheme = secure ? 'https' : 'http';
    const address = info.ip && peer === info.peer ? peer.host : core.resolver.cached(peer.host);
    if (address === null) {
      core.resolver.resolve(peer.host).then(
        (addr) => this.openSocket(addr, peer!, secure),
        (err) => this.dnsFailure(err, peer!.host),
      );
      return;
    }
    this.openSocket(address, peer, secure);
  }

  private openSocket(address: string, peer: Peer, secure: boolean): void {
    if (this.state === S_CLOSED) return;
    const core = this.core;
    const ctx = this.ctx!;
    ctx.upstreamAddr = address;
    ctx.upstreamPort = peer.port;
    ctx.upstreamTarget = peer.target;
    const svc = ctx.service!;
    const sni = secure ? peer.host : undefined;
    const info = core.serviceInfo(svc);
    let key: string;
    if (peer === info.peer) {
      if (info.keyAddress !== address) {
        info.key = core.poolKey(address, peer.port, secure, sni);
        info.keyAddress = address;
      }
      key = info.key;
    } else key = core.poolKey(address, peer.port, secure, sni);
    const idle = core.pool.take(key);
    if (idle) {
      this.upReused = true;
      return this.sendRequest(idle);
    }
    this.upReused = false;
    core.pool
      .connect(key, {
        host: address,
        port: peer.port,
        connectTimeoutMs: svc.connect_timeout,
        tls: secure ? { servername: sni, rejectUnauthorized: svc.tls_verify === true } : undefined,
      })
      .then(
        (sock) => {
          if (this.state === S_CLOSED) {
            core.pool.discard(sock);
            return;
          }
          this.sendRequest(sock);
        },
        (err: NodeJS.ErrnoException) => this.connectFailed(err),
      );
  }

  private connectFailed(err: NodeJS.ErrnoException): void {
    if (this.state === S_CLOSED) return;
    const timeout = err.code === 'ETIMEDOUT';
    this.peerFailure(timeout ? 'timeout' : 'tcp_failure');
    this.core.logger.debug({ err: err.message, request_id: this.ctx!.requestId, target: this.peer?.target }, 'upstream connect failed');
    if (this.attempts <= (this.ctx!.service!.retries ?? 0)) {
      if (this.peer && this.core.isBalanced(this.ctx!)) (this.tried ??= new Set()).add(this.peer.target);
      return this.connectUpstream();
    }
    this.sendError(timeout ? 504 : 502, this.core.settings.errorType);
  }

  private peerFailure(kind: 'timeout' | 'tcp_failure'): void {
    if (this.peer) this.core.reportHealth(this.peer, kind);
  }

  private dnsFailure(err: NodeJS.ErrnoException, host: string): void {
    if (this.state === S_CLOSED) return;
    if (err.code === 'ENOTFOUND' || err.code === 'ENODATA') return this.sendKongError(503, 'name resolution failed', 'json');
    this.sendKongError(500, `failed the initial dns/balancer resolve for '${host}' with: ${err.message}`, 'json');
  }

  private balancerError(err: unknown): void {
    this.core.logger.error({ err }, 'balancer failure');
    this.sendKongError(500, 'An unexpected error occurred', 'json');
  }

  private sendRequest(up: UpstreamSocket): void {
    const ctx = this.ctx!;
    const head = this.head!;
    const core = this.core;
    this.up = up;
    up.owner = this;
    this.resHead = null;
    this.resBody = null;
    this.resStarted = false;
    if (up.dead || up.socket.destroyed) return this.upstreamBroken();
    const s = up.socket;

    const target = ctx.upstreamPath + (ctx.upstreamQuery !== null ? (ctx.upstreamQuery ? '?' + ctx.upstreamQuery : '') : ctx.query ? '?' + ctx.query : '');
    let chunked = false;
    let contentLength: number | null;
    let first: Buffer | null = null;
    if (ctx.body !== null) {
      // the body was read (or replaced) by a plugin: it goes with an exact length
      contentLength = ctx.body.length;
      first = ctx.body;
      this.bodyDone = true;
      this.body = null;
    } else if (head.bodyKind === 'chunked') {
      chunked = true;
      contentLength = null;
    } else if (head.bodyKind === 'length') contentLength = head.contentLength;
    else contentLength = head.contentLength === 0 ? 0 : null;
    const text = upstreamHead(ctx, head, core.settings, this.peerFacts, ctx.upstreamMethod ?? head.method, target, core.hostHeaderFor(ctx), {
      chunked,
      contentLength,
      upgrade: head.upgrade ? head.upgradeProtocol ?? '' : null,
    });
    if (head.expectContinue && !this.bodyDone && this.buffered.length === 0) {
      // nginx answers 100-continue itself once it wants the body
      this.socket.write('HTTP/1.1 100 Continue\r\n\r\n');
    }
    this.state = this.bodyDone ? S_RESPONSE : S_BODY;
    this.setDeadline('upstream', ctx.service!.read_timeout);
    if (first !== null) {
      writeHeadAnd(s, text, [first], first.length);
    } else if (this.state === S_BODY && this.buffered.length) {
      // the body bytes already received: framing validated first, then head and body in one write
      const chunks = this.buffered;
      this.buffered = [];
      this.bufferedBytes = 0;
      const pieces: Buffer[] = [];
      let size = 0;
      for (let i = 0; i < chunks.length; i++) {
        const c = chunks[i]!;
        if (this.bodyDone) {
          this.buffered.push(c);
          this.bufferedBytes += c.length;
          continue;
        }
        const end = this.scanBody(c, 0);
        if (end < 0) return; // answered (400 / 413); nothing was sent upstream
        if (end > 0) {
          pieces.push(end === c.length ? c : c.subarray(0, end));
          size += end;
        }
      }
      const ok = writeHeadAnd(s, text, pieces, size);
      if (this.bodyDone) this.state = S_RESPONSE;
      else if (!ok) this.socket.pause();
    } else {
      s.write(text, 'latin1');
    }
    if (this.state === S_BODY) {
      if (this.socket.isPaused() && s.writableLength === 0) this.socket.resume();
      this.setDeadline('body', core.settings.bodyTimeoutMs);
    }
  }

  /**
   * Validates the framing of client body bytes chunk[offset..]: returns the end of this request's body in `chunk`
   * (chunk.length while the body continues) and sets bodyDone at its end, queueing what follows; or -1 after
   * answering a framing error.
   */
  private scanBody(chunk: Buffer, offset: number): number {
    const body = this.body!;
    let end: number;
    try {
      end = body.execute(chunk, offset);
    } catch (err) {
      this.discardUpstream();
      this.keepAlive = false;
      this.sendKongError(err instanceof HttpParseError ? err.status : 400, 'Bad request', this.core.settings.errorType);
      return -1;
    }
    const max = this.core.settings.maxBodySize;
    if (max > 0 && body instanceof ChunkedBodyParser && body.dataBytes > max) {
      this.discardUpstream();
      this.keepAlive = false;
      this.sendKongError(413, 'Payload too large', this.core.settings.errorType);
      return -1;
    }
    if (end === -1) return chunk.length;
    this.bodyDone = true;
    this.body = null;
    if (end < chunk.length) {
      const rest = chunk.subarray(end);
      this.buffered.push(rest);
      this.bufferedBytes += rest.length;
    }
    return end;
  }

  private forwardBody(chunk: Buffer, offset: number): void {
    const end = this.scanBody(chunk, offset);
    if (end < 0) return;
    const up = this.up!.socket;
    const ok = end > offset ? up.write(offset === 0 && end === chunk.length ? chunk : chunk.subarray(offset, end)) : true;
    if (!this.bodyDone) {
      if (!ok) this.socket.pause();
      this.setDeadline('body', this.core.settings.bodyTimeoutMs);
      return;
    }
    this.state = S_RESPONSE;
    this.setDeadline('upstream', this.ctx!.service!.read_timeout);
  }

  onUpDrain(): void {
    if (this.state === S_BODY || this.state === S_TUNNEL) this.socket.resume();
  }

  onDrain(): void {
    if (this.up && (this.state === S_RESPONSE || this.state === S_TUNNEL)) this.up.socket.resume();
  }

  /** Upstream bytes; `chunk` may be the socket's reused read buffer: nothing may keep it past this call. */
  onUpData(chunk: Buffer): void {
    if (this.state === S_TUNNEL) {
      if (!this.socket.write(chunk)) this.up!.socket.pause();
      return;
    }
    if (this.state === S_CLOSED || this.up === null) return;
    if (this.resHead === null) return this.parseResponseHead(chunk, 0);
    this.forwardResponse(chunk, 0);
  }

  private parseResponseHead(chunk: Buffer, offset: number): void {
    const up = this.up!;
    const head = this.head!;
    let rh: ResponseHead | null;
    try {
      rh = up.parser.execute(chunk, offset, head.method === 'HEAD');
    } catch (err) {
      this.core.logger.debug({ err, request_id: this.ctx!.requestId }, 'invalid upstream response');
      this.discardUpstream();
      this.keepAlive = this.keepAlive && this.bodyDone;
      return this.sendError(502, this.core.settings.errorType);
    }
    if (!rh) return;
    if (rh.interim) {
      // 1xx interim answers are consumed here; nginx does not forward them either
      if (rh.end < chunk.length) this.parseResponseHead(chunk, rh.end);
      return;
    }
    this.resHead = rh;
    const ctx = this.ctx!;
    ctx.upstreamLatencyMs = Math.round(Number(process.hrtime.bigint() - ctx.upstreamStartNs) / 1e6);
    ctx.status = rh.status;
    if (this.peer !== null && this.peer.upstreamId !== null) this.core.reportStatus(this.peer, rh.status);
    if (rh.upgrade && head.upgrade) return this.startTunnel(rh, chunk.subarray(rh.end));

    const phases = this.core.phases;
    const buffering = phases !== null && phases.active && phases.wantsResponseBody(ctx);
    if (rh.bodyKind === 'length') this.resBody = new ContentLengthBody(rh.contentLength!);
    else if (rh.bodyKind === 'chunked') this.resBody = new ChunkedBodyParser('response');
    else this.resBody = null;
    this.resClose = rh.bodyKind === 'close';
    if (buffering) {
      this.resBuffer = [];
    } else {
      this.resBuffer = null;
      this.writeResponseHead(rh, null); // kept in pendingHead: it goes out with the body bytes of this chunk
    }
    if (rh.end < chunk.length) this.forwardResponse(chunk, rh.end);
    else if (this.resBody === null && !this.resClose) this.responseComplete();
    if (this.pendingHead !== null && this.state !== S_CLOSED) this.flushHead();
  }

  /** Produces the client's response head into `pendingHead` (written by the next send / flushHead). */
  /** Upstream headers as the client gets them, then the header_filter phase over them. */
  private filterHeaders(rh: ResponseHead): void {
    const ctx = this.ctx!;
    ctx.responseHeaders = responseHeaders(ctx, rh.headers, rh.connectionTokens, this.core.settings);
    try {
      this.core.phases!.headerFilter(ctx);
    } catch (err) {
      this.core.logger.error({ err, request_id: ctx.requestId }, 'header_filter failed');
    }
  }

  private writeResponseHead(rh: ResponseHead, bodyLength: number | null, filtered = false): void {
    const ctx = this.ctx!;
    const settings = this.core.settings;
    const phases = this.core.phases;
    const general = phases !== null && phases.active;
    if (general && !filtered) this.filterHeaders(rh);
    const client11 = ctx.httpVersion === '1.1';
    let chunked = false;
    let length: number | null = null;
    if (bodyLength !== null) length = bodyLength;
    else if (rh.bodyKind === 'chunked') {
      chunked = client11;
      if (!client11) this.keepAlive = false;
    } else if (rh.bodyKind === 'length') length = rh.contentLength;
    else if (rh.bodyKind === 'close') {
      this.resChunkWrap = client11;
      chunked = client11;
      if (!client11) this.keepAlive = false;
    } else if (rh.contentLength !== null) length = rh.contentLength; // HEAD / 304 keep the announced length
    else if (rh.status !== 204 && rh.status !== 304 && !(rh.status >= 100 && rh.status < 200)) length = 0;
    const keepAlive = this.keepAlive && this.bodyDone;
    if (!keepAlive) this.keepAlive = false;
    const text = general
      ? buildResponseHead(ctx.status, ctx.status === rh.status ? rh.reason || null : null, ctx.responseHeaders!.list, { chunked, contentLength: length, connection: keepAlive ? 'keep-alive' : 'close' })
      : clientHead(ctx, rh, settings, { chunked, contentLength: length, keepAlive });
    this.resStarted = true;
    ctx.bytesOut += text.length;
    this.pendingHead = text;
    if (!client11 && rh.bodyKind === 'chunked') this.dechunk = new Dechunker();
  }

  private dechunk: Dechunker | null = null;

  /** Writes to the client, after the pending response head if any (then both in one write). */
  private send(piece: Buffer): boolean {
    const head = this.pendingHead;
    if (head === null) return this.socket.write(piece);
    this.pendingHead = null;
    return writeHeadAnd(this.socket, head, [piece], piece.length);
  }

  private flushHead(): void {
    const head = this.pendingHead;
    if (head === null) return;
    this.pendingHead = null;
    this.socket.write(head, 'latin1');
  }

  private forwardResponse(chunk: Buffer, offset: number): void {
    const ctx = this.ctx!;
    this.setDeadline('upstream', ctx.service!.read_timeout);
    const body = this.resBody;
    let end = -1;
    if (body) {
      try {
        end = body.execute(chunk, offset);
      } catch (err) {
        this.core.logger.debug({ err, request_id: ctx.requestId }, 'invalid upstream body framing');
        this.discardUpstream();
        if (this.pendingHead !== null) {
          // nothing reached the client yet: a clean 502 instead of a cut-off answer
          this.pendingHead = null;
          this.resStarted = false;
          ctx.bytesOut = 0;
          this.keepAlive = this.keepAlive && this.bodyDone;
          return this.sendError(502, this.core.settings.errorType);
        }
        if (!this.resStarted) return this.sendError(502, this.core.settings.errorType);
        return this.close();
      }
    }
    const last = end === -1 ? chunk.length : end;
    if (last > offset) {
      const piece = offset === 0 && last === chunk.length ? chunk : chunk.subarray(offset, last);
      if (this.resBuffer) this.resBuffer.push(Buffer.from(piece)); // copied: `chunk` may be a reused read buffer
      else this.writeBody(piece);
    }
    if (end === -1 && body) return;
    if (!body && this.resClose) return; // close-delimited: the end is the upstream closing
    if (end !== -1 && end < chunk.length) {
      // bytes after the response: the upstream cannot be trusted for reuse
      this.up!.dead = true;
    }
    this.responseComplete();
  }

  private writeBody(piece: Buffer): void {
    const ctx = this.ctx!;
    let ok: boolean;
    if (this.resChunkWrap) {
      // chunk-size line, data and CRLF in one buffer (one write)
      const size = piece.length.toString(16);
      const n = size.length + 2;
      const b = Buffer.allocUnsafe(n + piece.length + 2);
      b.write(size + '\r\n', 0, n, 'latin1');
      piece.copy(b, n);
      b[b.length - 2] = 13;
      b[b.length - 1] = 10;
      ok = this.send(b);
    } else if (this.dechunk) {
      const plain = this.dechunk.push(piece);
      ok = plain.length ? this.send(plain) : true;
    } else ok = this.send(piece);
    ctx.bytesOut += piece.length;
    if (!ok) this.up?.socket.pause();
  }

  private responseComplete(): void {
    const ctx = this.ctx!;
    if (this.resBuffer) {
      let bodyBuf: Buffer = Buffer.concat(this.resBuffer);
      if (this.resHead!.bodyKind === 'chunked') bodyBuf = new Dechunker().push(bodyBuf);
      ctx.responseBody = bodyBuf;
      this.resBuffer = null;
      // Kong's order: header_filter, then body_filter (which may read the headers), then the head goes out
      this.filterHeaders(this.resHead!);
      try {
        this.core.phases?.bodyFilter(ctx);
      } catch (err) {
        this.core.logger.error({ err, request_id: ctx.requestId }, 'body_filter failed');
      }
      const out = ctx.responseBody ?? Buffer.alloc(0);
      this.writeResponseHead(this.resHead!, out.length, true);
      if (out.length) this.send(out);
      ctx.bytesOut += out.length;
    } else if (this.resChunkWrap) {
      this.send(LAST_CHUNK);
    }
    this.flushHead();
    this.resChunkWrap = false;
    this.dechunk = null;
    if (this.bodyDone) return this.finishExchange();
    // The upstream answered before the request body ended (the client was told Connection: close): the upstream
    // saw an incomplete request and cannot be reused; the rest of the client's body is not read.
    this.discardUpstream();
    this.keepAlive = false;
    this.completeRequest();
  }

  private finishExchange(): void {
    const up = this.up;
    const rh = this.resHead;
    this.detachUpstream();
    if (up) {
      if (rh && rh.keepAlive && !up.dead && !this.resClose) this.core.pool.release(up);
      else this.core.pool.discard(up);
    }
    this.completeRequest();
  }

  onUpClose(): void {
    if (this.state === S_CLOSED || !this.up) return;
    if (this.state === S_TUNNEL) return this.close();
    if (this.resHead && this.resClose) {
      // close-delimited body ends here
      this.resClose = false;
      this.up.dead = true;
      const up = this.up;
      this.responseComplete();
      if (this.up === up) {
        this.detachUpstream();
        this.core.pool.discard(up);
      }
      return;
    }
    this.upstreamBroken();
  }

  onUpError(err: Error): void {
    this.core.logger.debug({ err: err.message, request_id: this.ctx?.requestId }, 'upstream socket error');
    if (this.state === S_CLOSED || !this.up) return;
    this.upstreamBroken();
  }

  private upstreamBroken(): void {
    const reused = this.upReused;
    this.discardUpstream();
    if (this.resStarted) return this.close(); // too late to answer: cut the client off
    // a pooled connection the upstream closed meanwhile: retry once on a fresh one if nothing was lost
    if (reused && !this.resHead && this.head!.bodyKind === 'none' && this.ctx!.body === null) {
      this.state = S_PENDING;
      this.attempts--;
      return this.connectUpstream();
    }
    this.peerFailure('tcp_failure');
    this.keepAlive = this.keepAlive && this.bodyDone;
    this.sendError(502, this.core.settings.errorType);
  }

  private detachUpstream(): void {
    const up = this.up;
    if (!up) return;
    up.owner = null;
    const s = up.socket;
    if (s.isPaused()) s.resume();
    this.up = null;
  }

  private discardUpstream(): void {
    const up = this.up;
    if (!up) return;
    this.detachUpstream();
    this.core.pool.discard(up);
  }

  private startTunnel(rh: ResponseHead, rest: Buffer): void {
    const ctx = this.ctx!;
    const headers = responseHeaders(ctx, rh.headers, rh.connectionTokens, this.core.settings);
    const text = buildResponseHead(101, rh.reason || null, headers.list, { chunked: false, contentLength: null, connection: 'upgrade', upgrade: rh.upgradeProtocol });
    this.pendingHead = text;
    if (rest.length) this.send(rest);
    else this.flushHead();
    this.state = S_TUNNEL;
    this.setDeadline(null, 0);
    this.keepAlive = false;
    if (this.buffered.length) {
      for (const c of this.buffered) this.up!.socket.write(c);
      this.buffered = [];
      this.bufferedBytes = 0;
    }
    if (this.socket.isPaused()) this.socket.resume();
    this.core.logRequest(ctx);
  }

  // ---- answers produced by Kong -------------------------------------------------------

  private httpsRedirect(status: number): void {
    const ctx = this.ctx!;
    if (status === 426) {
      return this.sendKong(426, renderError(negotiate(ctx.headers.get('accept'), undefined, 'json'), 'Please use HTTPS protocol', ctx.requestId), [], 'TLS/1.2, HTTP/1.1');
    }
    const host = (this.head!.host ?? '').replace(/:\d+$/, '');
    this.sendKong(status, { body: '', contentType: null }, ['Location', `https://${host}${ctx.target}`]);
  }

  /** nginx-level errors: text by default, JSON when the client accepts it. */
  private sendError(status: number, fallback: ErrorType): void {
    this.sendKongError(status, statusMessage(status), fallback);
  }

  private sendKongError(status: number, message: string, fallback: ErrorType): void {
    this.ensureCtx();
    const ctx = this.ctx!;
    ctx.source = 'error';
    const type = negotiate(ctx.headers.get('accept'), undefined, fallback);
    this.sendKong(status, renderError(type, message, ctx.requestId), []);
  }

  private sendExit(): void {
    const ctx = this.ctx!;
    const exit = ctx.exit!;
    ctx.source = 'exit';
    const body = exit.body === null ? '' : exit.body;
    this.sendKong(exit.status, { body, contentType: null }, exit.headers);
  }

  private sendKong(status: number, r: { body: string | Buffer; contentType: string | null }, extra: string[], upgrade?: string): void {
    if (this.state === S_CLOSED) return;
    const ctx = this.ctx!;
    const settings = this.core.settings;
    if (this.up) this.discardUpstream();
    if (this.resStarted) return this.close();
    ctx.status = status;
    const list: string[] = [];
    if (r.contentType) list.push('Content-Type', r.contentType);
    for (let i = 0; i < extra.length; i += 2) list.push(extra[i]!, extra[i + 1]!);
    ctx.responseLatencyMs = Math.round(ctx.elapsedMs());
    const headers = new HeaderList(list);
    ctx.responseHeaders = headers;
    const phases = this.core.phases;
    if (phases?.active && ctx.route) {
      try {
        phases.headerFilter(ctx);
      } catch (err) {
        this.core.logger.error({ err, request_id: ctx.requestId }, 'header_filter failed');
      }
    }
    const h = ctx.responseHeaders!.list;
    if (settings.responseLatency) h.push('X-Kong-Response-Latency', String(ctx.responseLatencyMs));
    if (settings.serverHeader && !ctx.responseHeaders!.has('server')) h.push('Server', `kong/${settings.kongVersion}`);
    if (settings.requestIdDownstream) h.push('X-Kong-Request-Id', ctx.requestId);
    const bodyBuf = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
    // a request body we did not read makes the connection unusable for the next request
    if (!this.bodyDone) this.keepAlive = false;
    const noBody = this.head?.method === 'HEAD' || status === 204 || status === 304;
    const text = buildResponseHead(status, null, h, {
      chunked: false,
      contentLength: status === 204 || status === 304 ? null : bodyBuf.length,
      connection: upgrade ? 'upgrade' : this.keepAlive ? 'keep-alive' : 'close',
      upgrade,
    });
    this.resStarted = true;
    writeHeadAnd(this.socket, text, noBody ? [] : [bodyBuf], noBody ? 0 : bodyBuf.length);
    ctx.bytesOut += text.length + (noBody ? 0 : bodyBuf.length);
    this.completeRequest();
  }

  // ---- request end ----------------------------------------------------------------------

  private completeRequest(): void {
    const ctx = this.ctx!;
    ctx.endMs = Date.now();
    this.core.logRequest(ctx);
    this.ctx = null;
    this.head = null;
    this.body = null;
    this.bodyDone = true;
    this.resHead = null;
    this.resBody = null;
    this.resBuffer = null;
    this.resStarted = false;
    this.peer = null;
    if (!this.keepAlive || this.socket.destroyed) {
      this.state = S_CLOSED;
      this.socket.end();
      return this.core.forget(this);
    }
    this.state = S_HEAD;
    this.setDeadline('keepalive', this.core.settings.keepaliveTimeoutMs);
    if (this.socket.isPaused()) this.socket.resume();
    if (this.buffered.length) {
      // pipelined requests that arrived while this one was in flight
      const chunks = this.buffered;
      this.buffered = [];
      this.bufferedBytes = 0;
      const joined = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      this.parseHead(joined, 0);
    }
  }

  /** Client went away or an unrecoverable error: free everything. */
  abort(): void {
    if (this.state === S_CLOSED) return;
    this.state = S_CLOSED;
    this.pendingHead = null;
    this.failBodyWaiter();
    this.discardUpstream();
    if (this.ctx && this.ctx.status === 0) this.ctx.status = 499;
    if (this.ctx) {
      this.ctx.endMs = Date.now();
      this.core.logRequest(this.ctx);
      this.ctx = null;
    }
    this.socket.destroy();
    this.core.forget(this);
  }

  close(): void {
    if (this.state === S_CLOSED) return;
    this.abort();
  }

  /** Graceful stop: close now if idle, else after the current exchange. */
  drain(): void {
    this.keepAlive = false;
    if (this.state === S_HEAD && this.parser.buffered === 0) this.close();
  }
}

function absoluteForm(ctx: RequestContext, head: RequestHead): void {
  const m = /^[A-Za-z]+:\/\/([^/?#]*)([^#]*)$/.exec(head.target);
  if (!m) return;
  const authority = m[1]!.replace(/^[^@]*@/, '');
  head.host = authority;
  ctx.headers.set('Host', authority);
  const rest = m[2] || '/';
  const q = rest.indexOf('?');
  ctx.path = q >= 0 ? rest.slice(0, q) : rest;
  ctx.query = q >= 0 ? rest.slice(q + 1) : '';
  if (!ctx.path.startsWith('/')) ctx.path = '/' + ctx.path;
}

/** Decodes chunked framing (HTTP/1.0 clients and buffered bodies); input was validated already. */
export class Dechunker {
  private size = -1;
  private line = '';
  private skipCRLF = 0;
  private done = false;

  push(buf: Buffer): Buffer {
    const out: Buffer[] = [];
    let i = 0;
    while (i < buf.length && !this.done) {
      if (this.skipCRLF > 0) {
        i++;
        this.skipCRLF--;
        continue;
      }
      if (this.size === -1) {
        const nl = buf.indexOf(10, i);
        if (nl === -1) {
          this.line += buf.toString('latin1', i);
          break;
        }
        this.line += buf.toString('latin1', i, nl);
        i = nl + 1;
        const n = parseInt(this.line.split(';')[0]!.trim(), 16);
        this.line = '';
        if (!n) {
          this.done = true;
          break;
        }
        this.size = n;
        continue;
      }
      const take = Math.min(this.size, buf.length - i);
      out.push(buf.subarray(i, i + take));
      i += take;
      this.size -= take;
      if (this.size === 0) {
        this.size = -1;
        this.skipCRLF = 2;
      }
    }
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }
}

// Scratch memory for coalesced writes (head + body in one write). A write that completes synchronously (the
// usual case) leaves nothing referencing it; when one stays queued the scratch is replaced, never reused.
const SCRATCH_SIZE = 64 * 1024;
let scratch = Buffer.allocUnsafeSlow(SCRATCH_SIZE);
type Latin1Writable = Buffer & { latin1Write(s: string, offset: number, length: number): number };

/** Writes a latin1 head and body pieces in one write: copied together when they fit the scratch, else a corked writev. */
function writeHeadAnd(s: net.Socket, head: string, pieces: Buffer[], size: number): boolean {
  if (size === 0) return s.write(head, 'latin1');
  const n = head.length;
  const total = n + size;
  if (total <= SCRATCH_SIZE) {
    const b = scratch;
    (b as Latin1Writable).latin1Write(head, 0, n);
    let o = n;
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i]!;
      b.set(p, o);
      o += p.length;
    }
    const ok = s.write(b.subarray(0, total));
    if (s.writableLength !== 0) scratch = Buffer.allocUnsafeSlow(SCRATCH_SIZE);
    return ok;
  }
  s.cork();
  s.write(head, 'latin1');
  let ok = true;
  for (let i = 0; i < pieces.length; i++) ok = s.write(pieces[i]!);
  s.uncork();
  return ok;
}
