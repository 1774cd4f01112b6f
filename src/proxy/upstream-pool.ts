// Keep-alive pools of raw upstream sockets, LIFO per address, swept for idleness by one coarse timer.
import net from 'node:net';
import tls from 'node:tls';
import { ResponseHeadParser } from './http1/index.js';

export class UpstreamSocket {
  readonly socket: net.Socket;
  readonly key: string;
  requests = 0;
  idleSince = 0;
  /** Parser reused across responses on this connection. */
  readonly parser = new ResponseHeadParser();
  /** Set while the socket sits in the pool, cleared when taken. */
  pooled = false;
  dead = false;

  constructor(socket: net.Socket, key: string) {
    this.socket = socket;
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
  tls?: { servername?: string; rejectUnauthorized: boolean; ca?: string[] };
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

  /** An idle socket for this key, or null. */
  take(key: string): UpstreamSocket | null {
    const list = this.idle.get(key);
    while (list && list.length) {
      const s = list.pop()!;
      s.pooled = false;
      if (s.dead || s.socket.destroyed) continue;
      s.socket.removeListener('close', onIdleClose);
      s.socket.removeListener('error', onIdleError);
      s.socket.removeListener('data', onIdleData);
      this.active.set(key, (this.active.get(key) ?? 0) + 1);
      return s;
    }
    return null;
  }

  /** Open a new connection; resolves once connected. */
  connect(key: string, o: ConnectOptions): Promise<UpstreamSocket> {
    return new Promise((resolve, reject) => {
      let socket: net.Socket;
      const onError = (err: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      };
      const timer = setTimeout(() => {
        socket.destroy();
        const err = new Error('connect timeout') as NodeJS.ErrnoException;
        err.code = 'ETIMEDOUT';
        reject(err);
      }, o.connectTimeoutMs);
      const ready = () => {
        clearTimeout(timer);
        socket.removeListener('error', onError);
        socket.setNoDelay(true);
        this.active.set(key, (this.active.get(key) ?? 0) + 1);
        resolve(new UpstreamSocket(socket, key));
      };
      if (o.tls) {
        socket = tls.connect({
          host: o.host,
          port: o.port,
          servername: o.tls.servername && !net.isIP(o.tls.servername) ? o.tls.servername : undefined,
          rejectUnauthorized: o.tls.rejectUnauthorized,
          ca: o.tls.ca,
          ALPNProtocols: ['http/1.1'],
        });
        socket.once('secureConnect', ready);
      } else {
        socket = net.connect({ host: o.host, port: o.port, noDelay: true });
        socket.once('connect', ready);
      }
      socket.once('error', onError);
    });
  }

  /** Return a socket whose exchange finished cleanly; anything else must go through discard(). */
  release(s: UpstreamSocket): void {
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
    const sock = s.socket as net.Socket & { __upstream?: UpstreamSocket };
    sock.__upstream = s;
    sock.on('close', onIdleClose);
    sock.on('error', onIdleError);
    // bytes from an idle upstream are a protocol violation: the socket cannot be trusted
    sock.on('data', onIdleData);
    list.push(s);
    this.ensureSweeper();
  }

  discard(s: UpstreamSocket): void {
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
    s.socket.destroy();
  }

  private ensureSweeper(): void {
    if (this.sweeper) return;
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

function owner(sock: net.Socket): UpstreamSocket | undefined {
  return (sock as net.Socket & { __upstream?: UpstreamSocket }).__upstream;
}
function onIdleClose(this: net.Socket): void {
  const s = owner(this);
  if (s) s.dead = true;
}
function onIdleError(this: net.Socket): void {
  const s = owner(this);
  if (s) s.dead = true;
  this.destroy();
}
function onIdleData(this: net.Socket): void {
  const s = owner(this);
  if (s) s.dead = true;
  this.destroy();
}
