// The state every layer of a client connection shares (request, upstream socket, response), with the
// connection's timers and the end of a request. The layers stack on it: answers → request-reader →
// response-writer → upstream-exchange → ClientConnection, each calling down, or up through the abstract
// methods declared here.
import type net from 'node:net';
import { RequestHeadParser, type RequestHead, type ResponseHead, type ChunkedBodyParser, type ContentLengthBody } from '../http1/index.js';
import { RequestContext } from '../../pdk/context.js';
import { nextRequestId } from '../request-id.js';
import type { UpstreamSocket } from '../upstream-pool.js';
import type { HashInput, ProxyCore } from '../core.js';
import { plainPeer, type PeerFacts } from '../headers.js';
import { isTrusted } from '../settings.js';
import type { Peer } from '../balancer.js';
import { writeHeadAnd, type Dechunker } from './wire.js';

export const S_HEAD = 0;
export const S_PENDING = 1; // routing, plugins, DNS or connect in progress; client bytes are buffered
export const S_BODY = 2; // streaming the request body upstream
export const S_RESPONSE = 3; // request sent; waiting for / streaming the response
export const S_TUNNEL = 4;
export const S_CLOSED = 5;
export const S_READBODY = 6; // buffering the whole request body for a plugin

export const MAX_BUFFERED = 1024 * 1024;

export type BodyReader = ContentLengthBody | ChunkedBodyParser;
export type DeadlineKind = 'header' | 'keepalive' | 'body' | 'upstream' | 'send' | 'linger' | null;

export abstract class ConnectionState {
  readonly socket: net.Socket;
  protected readonly core: ProxyCore;
  protected readonly parser: RequestHeadParser;
  protected state = S_HEAD;
  /** Client bytes received while no layer could take them (pipelined requests, body before connect). */
  protected buffered: Buffer[] = [];
  protected bufferedBytes = 0;
  // ---- per request ----
  protected ctx: RequestContext | null = null;
  protected head: RequestHead | null = null;
  protected body: BodyReader | null = null;
  protected bodyDone = true;
  /** The request body's trailers were left out: its final CRLF is still to be sent upstream. */
  protected trailersCut = false;
  protected up: UpstreamSocket | null = null;
  protected peer: Peer | null = null;
  protected resHead: ResponseHead | null = null;
  protected resBody: BodyReader | null = null;
  protected resClose = false;
  protected resChunkWrap = false;
  protected resBuffer: Buffer[] | null = null;
  protected resStarted = false;
  protected dechunk: Dechunker | null = null;
  /** Response head produced but not written yet: it goes out with the first body bytes, in one write. */
  protected pendingHead: string | null = null;
  protected upReused = false;
  protected keepAlive = true;
  protected tried: Set<string> | null = null;
  protected attempts = 0;
  /** Set-Cookie value for a generated consistent-hashing cookie (Kong sets it on whatever answer follows). */
  protected hashCookie: string | null = null;
  /** Consistent-hashing input, computed on the first try and kept for retries; undefined until then. */
  protected hashIn: HashInput | null | undefined = undefined;
  protected bodyWaiter: { chunks: Buffer[]; size: number; resolve: (b: Buffer) => void; reject: (e: Error) => void } | null = null;
  /** Deadline bookkeeping for the proxy's coarse timer sweep. */
  deadline = 0;
  protected deadlineKind: DeadlineKind = null;
  /** End of the lingering close (nginx lingering_time). */
  private lingerUntil = 0;
  protected readonly scheme: 'http' | 'https';
  // ---- per connection, read once ----
  protected readonly remoteAddr: string;
  protected readonly remotePort: number;
  protected readonly localPort: number;
  protected readonly peerFacts: PeerFacts;

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
  }

  /** Called by the proxy's sweep when `deadline` passed. */
  abstract expire(): void;

  /** Parses client bytes as the next request head (request-reader). */
  protected abstract parseHead(buf: Buffer, offset: number): void;

  protected setDeadline(kind: DeadlineKind, ms: number): void {
    this.deadlineKind = kind;
    this.deadline = kind && ms > 0 ? Date.now() + ms : 0;
  }

  protected queueClientBytes(b: Buffer): void {
    this.buffered.push(b);
    this.bufferedBytes += b.length;
  }

  /** A context for answers given before a head was parsed (408, 400). */
  protected ensureCtx(): RequestContext {
    if (this.ctx) return this.ctx;
    return (this.ctx = new RequestContext({
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
    }));
  }

  // ---- writing to the client ----------------------------------------------------------

  /** Writes to the client, after the pending response head if any (then both in one write). */
  protected send(piece: Buffer): boolean {
    const head = this.pendingHead;
    if (head === null) return this.socket.write(piece);
    this.pendingHead = null;
    return writeHeadAnd(this.socket, head, [piece], piece.length);
  }

  protected flushHead(): void {
    const head = this.pendingHead;
    if (head === null) return;
    this.pendingHead = null;
    this.socket.write(head, 'latin1');
  }

  // ---- the upstream socket ------------------------------------------------------------

  protected detachUpstream(): void {
    const up = this.up;
    if (!up) return;
    up.owner = null;
    const s = up.socket;
    if (s.isPaused()) s.resume();
    this.up = null;
  }

  /** Drops the upstream connection: it is closed, never pooled. */
  protected discardUpstream(): void {
    const up = this.up;
    if (!up) return;
    this.detachUpstream();
    this.core.pool.discard(up);
  }

  protected failBodyWaiter(): void {
    const w = this.bodyWaiter;
    if (!w) return;
    this.bodyWaiter = null;
    w.reject(new Error('request body not received'));
  }

  // ---- request end --------------------------------------------------------------------

  protected completeRequest(): void {
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
    this.hashCookie = null;
    this.hashIn = undefined;
    if (!this.keepAlive || this.socket.destroyed) return this.closeGracefully();
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

  /**
   * The answer is out and the connection is done: our side is shut, and what the client still sends is read and
   * dropped for a while (nginx's lingering close), so it can read the answer instead of getting a reset. A client
   * that never closes its side is closed for it: no socket outlives the lingering time.
   */
  private closeGracefully(): void {
    this.state = S_CLOSED;
    this.socket.end();
    if (this.socket.destroyed) return this.core.forget(this);
    const s = this.core.settings;
    // bytes still queued for a slow reader get nginx's send_timeout before the lingering starts
    const wait = this.socket.writableLength > 0 ? s.sendTimeoutMs : s.lingerTimeoutMs;
    this.lingerUntil = Date.now() + wait + s.lingerTimeMs;
    this.setDeadline('linger', wait);
  }

  /** Client bytes during the lingering close: dropped; they keep the connection for another lingering_timeout. */
  protected linger(): void {
    if (this.deadlineKind !== 'linger') return;
    const next = Math.min(Date.now() + this.core.settings.lingerTimeoutMs, this.lingerUntil);
    if (next > this.deadline) this.deadline = next;
  }

  /** Client went away, a timer ran out or an unrecoverable error: free everything. */
  abort(): void {
    if (this.state === S_CLOSED) {
      // already answered and lingering (or gone): finish the close
      this.deadline = 0;
      this.deadlineKind = null;
      this.socket.destroy();
      return this.core.forget(this);
    }
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
    this.abort();
  }

  /** Graceful stop: close now if idle, else after the current exchange. */
  drain(): void {
    this.keepAlive = false;
    if ((this.state === S_HEAD && this.parser.buffered === 0) || this.state === S_CLOSED) this.close();
  }
}
