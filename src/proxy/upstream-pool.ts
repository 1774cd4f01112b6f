// Keep-alive pools of raw upstream sockets, LIFO per address, swept for idleness by one coarse timer.
//
// Listeners are attached once, when the socket is opened, and dispatch to whoever owns the socket
// (`UpstreamSocket.owner`, a client connection while lent out, null while idle). Plain TCP sockets are read
// with `onread` into a per-socket buffer that is reused for every read: the owner must copy anything it keeps
// past the callback. A client write that did not complete synchronously keeps a reference to the bytes, so the
// dispatcher gives the socket a fresh buffer whenever the owner's client socket still has bytes queued.
import net from 'node:net';
import tls from 'node:tls';
import { ResponseHeadParser } from './http1/index.js';

/** What an owner of a lent-out upstream socket receives. */
export interface UpstreamOwner {
  /** The client socket the upstream bytes are written to (checked for queued writes after each read). */
  readonly socket: net.Socket;
  /** Bytes from the upstream; `chunk` is only valid during the call (copy what you keep). */
  onUpData(chunk: Buffer): void;
  onUpClose(): void;
  onUpError(err: Error): void;
  onUpDrain(): void;
}

/** Size of the reusable read buffer of each plain upstream socket. */
const READ_BUFFER_SIZE = 64 * 1024;
const kUp = Symbol('portcullis.upstream');

type TaggedSocket = net.Socket & { [kUp]?: UpstreamSocket };

export class UpstreamSocket {
  socket!: net.Socket;
  readonly key: string;
  requests = 0;
  idleSince = 0;
  /** Parser reused across responses on this connection. */
  readonly parser = new ResponseHeadParser();
  /** Set while the socket sits in the pool, cleared when taken. */
  pooled = false;
  dead = false;
  /** Who receives the socket's events; null while idle or connecting. */
  owner: UpstreamOwner | null = null;
  /** `onread` buffer for the next read (plain TCP only). */
  readBuf: Buffer | null = null;
  /** Connect-phase callbacks, cleared once connected. */
  connecting: { fail: (err: Error) => void } | null = null;

  constructor(key: string) {
    this.key = key;
  }
}

export interface PoolOptions {
  maxIdlePerKey: number;
  maxRequests: number;
  idleTimeoutMs: number;
}

export interface ConnectOptions {
  host: string;
  port: number;
  tls?: { servername?: string; rejectUnauthorized: boolean; ca?: string[]; cert?: string; key?: string };
  connectTimeoutMs: number;
}

export class UpstreamPool {
  private readonly idle = new Map<string, UpstreamSocket[]>();
  private readonly opts: PoolOptions;
  private sweeper: NodeJS.Timeout | null = null;
  /** Connections currently lent out, per key (least-connections balancing reads it). */
  readonly active = new Map<string, number>();

  constructor(opts: PoolOptions) {
    this.opts = opts;
  }

  static keyOf(host: string, port: number, secure: boolean, sni?: string): string {
    return (secure ? 's:' : '') + host + ':' + port + (sni ? '/' + sni : '');
  }

  /** An idle socket for this key, or null. The caller sets `owner`. */
  take(key: string): UpstreamSocket | null {
    const list = this.idle.get(key);
    if (list === undefined) return null;
    while (list.length) {
      const s = list.pop()!;
      s.pooled = false;
      if (s.dead || s.socket.destroyed) continue;
      this.active.set(key, (this.active.get(key) ?? 0) + 1);
      return s;
    }
    return null;
  }

  /** Open a new connection; resolves once connected. The caller sets `owner`. */
  connect(key: string, o: ConnectOptions): Promise<UpstreamSocket> {
    return new Promise((resolve, reject) => {
      const up = new UpstreamSocket(key);
      let socket: TaggedSocket;
      const timer = setTimeout(() => {
        up.connecting = null;
        up.dead = true;
        socket.destroy();
        const err = new Error('connect timeout') as NodeJS.ErrnoException;
        err.code = 'ETIMEDOUT';
        reject(err);
      }, o.connectTimeoutMs);
      up.connecting = {
        fail: (err) => {
          clearTimeout(timer);
          up.connecting = null;
          up.dead = true;
          socket.destroy();
          reject(err);
        },
      };
      const ready = () => {
        if (up.connecting === null) return; // timed out meanwhile
        clearTimeout(timer);
        up.connecting = null;
        socket.setNoDelay(true);
        this.active.set(key, (this.active.get(key) ?? 0) + 1);
        resolve(up);
      };
      if (o.tls) {
        socket = tls.connect({
          host: o.host,
          port: o.port,
          servername: o.tls.servername && !net.isIP(o.tls.servername) ? o.tls.servername : undefined,
          rejectUnauthorized: o.tls.rejectUnauthorized,
          ca: o.tls.ca,
          cert: o.tls.cert,
          key: o.tls.key,
          ALPNProtocols: ['http/1.1'],
        });
        socket[kUp] = up;
        socket.on('data', onUpData);
        socket.once('secureConnect', ready);
      } else {
        up.readBuf = Buffer.allocUnsafe(READ_BUFFER_SIZE);
        socket = net.connect({ host: o.host, port: o.port, noDelay: true, onread: { buffer: () => up.readBuf!, callback: onUpRead } });
        socket[kUp] = up;
        socket.once('connect', ready);
      }
      up.socket = socket;
      socket.on('close', onUpClose);
      socket.on('error', onUpError);
      socket.on('drain', onUpDrain);
    });
  }

  /** Return a socket whose exchange finished cleanly; anything else must go through discard(). */
  release(s: UpstreamSocket): void {
    s.owner = null;
    this.decActive(s.key);
    s.requests++;
    if (s.dead || s.socket.destroyed || s.requests >= this.opts.maxRequests) {
      this.destroy(s);
      return;
    }
    let list = this.idle.get(s.key);
    if (!list) this.idle.set(s.key, (list = []));
    if (list.length >= this.opts.maxIdlePerKey) {
      this.destroy(s);
      return;
    }
    s.pooled = true;
    s.idleSince = Date.now();
    s.parser.reset();
    list.push(s);
    if (this.sweeper === null) this.startSweeper();
  }

  discard(s: UpstreamSocket): void {
    s.owner = null;
    this.decActive(s.key);
    this.destroy(s);
  }

  private decActive(key: string): void {
    const n = (this.active.get(key) ?? 1) - 1;
    if (n <= 0) this.active.delete(key);
    else this.active.set(key, n);
  }

  private destroy(s: UpstreamSocket): void {
    s.dead = true;
    s.owner = null;
    s.socket.destroy();
  }

  private startSweeper(): void {
    this.sweeper = setInterval(() => this.sweep(), Math.min(1000, Math.max(50, this.opts.idleTimeoutMs / 4)));
    this.sweeper.unref();
  }

  sweep(now = Date.now()): void {
    let any = false;
    for (const [key, list] of this.idle) {
      const keep = list.filter((s) => {
        if (s.dead || s.socket.destroyed) return false;
        if (now - s.idleSince >= this.opts.idleTimeoutMs) {
          this.destroy(s);
          return false;
        }
        return true;
      });
      if (keep.length) {
        this.idle.set(key, keep);
        any = true;
      } else this.idle.delete(key);
    }
    if (!any && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }

  idleCount(key?: string): number {
    if (key) return this.idle.get(key)?.length ?? 0;
    let n = 0;
    for (const l of this.idle.values()) n += l.length;
    return n;
  }

  close(): void {
    for (const list of this.idle.values()) for (const s of list) this.destroy(s);
    this.idle.clear();
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }
}

// ---- listeners, attached once per socket ---------------------------------------------------

/** `onread` callback (plain TCP): `buf` is the socket's reusable buffer. */
function onUpRead(this: TaggedSocket, nread: number, mem: Uint8Array): boolean {
  const buf = mem as Buffer; // the Buffer handed to `onread.buffer`
  const up = this[kUp]!;
  const o = up.owner;
  if (o === null) {
    // bytes from an idle (or abandoned) upstream are a protocol violation: the socket cannot be trusted
    up.dead = true;
    this.destroy();
    return true;
  }
  o.onUpData(nread === buf.length ? buf : buf.subarray(0, nread));
  // a client write that did not complete synchronously still references the bytes: read into a new buffer
  if (o.socket.writableLength !== 0 && up.readBuf === buf) up.readBuf = Buffer.allocUnsafe(READ_BUFFER_SIZE);
  return true;
}

/** 'data' (TLS): chunks are fresh buffers. */
function onUpData(this: TaggedSocket, chunk: Buffer): void {
  const up = this[kUp]!;
  const o = up.owner;
  if (o === null) {
    up.dead = true;
    this.destroy();
    return;
  }
  o.onUpData(chunk);
}

function onUpClose(this: TaggedSocket): void {
  const up = this[kUp]!;
  up.dead = true;
  if (up.connecting !== null) {
    const err = new Error('socket closed while connecting') as NodeJS.ErrnoException;
    err.code = 'ECONNRESET';
    return up.connecting.fail(err);
  }
  const o = up.owner;
  if (o !== null) o.onUpClose();
}

function onUpError(this: TaggedSocket, err: Error): void {
  const up = this[kUp]!;
  up.dead = true;
  if (up.connecting !== null) return up.connecting.fail(err);
  const o = up.owner;
  if (o !== null) o.onUpError(err);
  else this.destroy();
}

function onUpDrain(this: TaggedSocket): void {
  const o = this[kUp]!.owner;
  if (o !== null) o.onUpDrain();
}
