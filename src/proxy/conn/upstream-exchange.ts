// The upstream side of an exchange: peer choice, DNS, pooled or new socket, the request head (and the body bytes
// already received) in one write, retries on connection failures, and what the upstream socket reports.
import type { UpstreamOwner, UpstreamSocket } from '../upstream-pool.js';
import type { Peer } from '../balancer.js';
import { upstreamHead } from '../headers.js';
import { ResponseWriter } from './response-writer.js';
import { S_BODY, S_CLOSED, S_PENDING, S_RESPONSE, S_TUNNEL } from './state.js';
import { CRLF, writeHeadAnd } from './wire.js';

export abstract class UpstreamExchange extends ResponseWriter implements UpstreamOwner {
  protected connectUpstream(): void {
    const core = this.core;
    const ctx = this.ctx!;
    const info = core.serviceInfo(ctx.service!);
    let peer: Peer | null;
    try {
      if (this.hashIn === undefined) {
        this.hashIn = info.balancer === null ? null : core.hashInput(ctx);
        if (this.hashIn !== null) this.hashCookie = this.hashIn.setCookie;
      }
      peer = core.pickPeer(ctx, this.tried, this.hashIn);
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
    const info = core.serviceInfo(svc);
    let key: string;
    let sni: string | undefined;
    if (secure) {
      sni = core.upstreamSni(ctx);
      key = core.poolKey(address, peer.port, true, sni, info.tls);
    } else if (peer === info.peer) {
      if (info.keyAddress !== address) {
        info.key = core.poolKey(address, peer.port, false);
        info.keyAddress = address;
      }
      key = info.key;
    } else key = core.poolKey(address, peer.port, false);
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
        tls: secure ? { servername: sni, rejectUnauthorized: info.tls!.verify, ca: info.tls!.ca, cert: info.tls!.cert, key: info.tls!.key } : undefined,
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
    this.sendError(timeout ? 504 : 502);
  }

  protected peerFailure(kind: 'timeout' | 'tcp_failure'): void {
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
          this.queueClientBytes(c);
          continue;
        }
        const end = this.scanBody(c, 0);
        if (end < 0) return; // answered (400 / 413); nothing was sent upstream
        if (end > 0) {
          pieces.push(end === c.length ? c : c.subarray(0, end));
          size += end;
        }
        if (this.trailersCut) {
          this.trailersCut = false;
          pieces.push(CRLF);
          size += 2;
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

  // ---- events of the upstream socket (UpstreamOwner) -----------------------------------

  onUpDrain(): void {
    if (this.state === S_BODY || this.state === S_TUNNEL) this.socket.resume();
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
    this.sendError(502);
  }
}
