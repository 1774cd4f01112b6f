// The client side of a request: head parsing, routing and the access phase, and the request body's framing
// (validated as it streams upstream, or buffered whole for a plugin).
import type net from 'node:net';
import { ChunkedBodyParser, ContentLengthBody, HttpParseError, type RequestHead } from '../http1/index.js';
import { RequestContext } from '../../pdk/context.js';
import type { MatchRequest, RouteMatch } from '../../router/index.js';
import { nextRequestId } from '../request-id.js';
import { clientIpOf } from '../headers.js';
import { KongAnswers } from './answers.js';
import { MAX_BUFFERED, S_BODY, S_CLOSED, S_HEAD, S_PENDING, S_READBODY, S_RESPONSE, S_TUNNEL } from './state.js';
import { CRLF, Dechunker } from './wire.js';

// Route matching input, reused (the router is synchronous and keeps nothing of it).
let routeCtx: RequestContext | null = null;
function routeHeaders(name: string): string | string[] | undefined {
  const all = routeCtx!.headers.getAll(name);
  return all.length === 0 ? undefined : all.length === 1 ? all[0] : all;
}
const routeQuery: MatchRequest = { method: '', host: undefined, path: '', headers: routeHeaders, sni: undefined, port: 0, protocol: 'http' };

export abstract class RequestReader extends KongAnswers {
  private bodyReaderFn: (() => Promise<Buffer>) | null = null;

  /** Picks a peer and sends the request (upstream-exchange). */
  protected abstract connectUpstream(): void;

  /**
   * The client closed its side. nginx takes that for a client that went away, even with a request in flight
   * ("client prematurely closed connection, so upstream connection is closed too": 499), and so does the proxy.
   */
  onEnd(): void {
    if (this.state !== S_HEAD && this.state !== S_CLOSED) return this.abort();
    // nothing in flight: what was answered is flushed before our side closes too ('close' then frees the rest)
    this.state = S_CLOSED;
    this.socket.end();
  }


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
        this.linger();
        return;
      case S_READBODY:
        this.collectBody(chunk);
        return;
      default:
        this.queueClientBytes(chunk);
        if (this.bufferedBytes > MAX_BUFFERED) this.socket.pause();
    }
  }

  protected parseHead(buf: Buffer, offset: number): void {
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
    this.ensureCtx().error = err;
    this.sendKongError(status, message, this.core.settings.errorType);
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
    if (bodyStart < buf.length) this.queueClientBytes(buf.subarray(bodyStart));

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

  // ---- the whole body, for a plugin ---------------------------------------------------

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
        if (this.state !== S_READBODY) this.queueClientBytes(c);
        else this.collectBody(c);
      }
      if (this.state === S_READBODY) {
        this.setDeadline('body', this.core.settings.bodyTimeoutMs);
        if (this.socket.isPaused()) this.socket.resume();
      }
    });
  }

  private collectBody(chunk: Buffer): void {
    const w = this.bodyWaiter!;
    let end: number;
    try {
      end = this.body!.execute(chunk, 0);
    } catch {
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
    if (end < chunk.length) this.queueClientBytes(chunk.subarray(end));
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

  // ---- the streamed body ----------------------------------------------------------------

  /**
   * Validates the framing of client body bytes chunk[offset..]: returns where the bytes to forward end in `chunk`
   * (chunk.length while the body continues) and sets bodyDone at the body's end, queueing what follows; or -1
   * after answering a framing error.
   */
  protected scanBody(chunk: Buffer, offset: number): number {
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
    let fwd = end === -1 ? chunk.length : end;
    // nginx never passes request trailers on (it re-frames the body): the body goes up to its last chunk and
    // ends with an empty trailer section
    if (body.trailers !== 0) fwd = body.trailerStart >= offset ? body.trailerStart : offset;
    if (end === -1) return fwd;
    this.bodyDone = true;
    this.trailersCut = body.trailers !== 0;
    this.body = null;
    if (end < chunk.length) this.queueClientBytes(chunk.subarray(end));
    return fwd;
  }

  private forwardBody(chunk: Buffer, offset: number): void {
    const end = this.scanBody(chunk, offset);
    if (end < 0) return;
    const up = this.up!.socket;
    let ok = end > offset ? up.write(offset === 0 && end === chunk.length ? chunk : chunk.subarray(offset, end)) : true;
    if (this.trailersCut) {
      this.trailersCut = false;
      ok = up.write(CRLF);
    }
    if (!this.bodyDone) {
      if (!ok) this.socket.pause();
      this.setDeadline('body', this.core.settings.bodyTimeoutMs);
      return;
    }
    this.state = S_RESPONSE;
    this.setDeadline('upstream', this.ctx!.service!.read_timeout);
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
