import http from 'node:http';
import net from 'node:net';
import crypto from 'node:crypto';

export interface Upstream {
  port: number;
  url: string;
  requests: number;
  close(): Promise<void>;
}

/**
 * An echo upstream on loopback. Paths with special meaning:
 * /status/N answers N; /slow streams 3 pieces 150 ms apart; /hang never answers; /big/N sends N bytes;
 * anything else echoes method, url, headers and body as JSON.
 */
export async function echoServer(name = 'echo'): Promise<Upstream> {
  const sockets = new Set<net.Socket>();
  const state = { requests: 0 };
  const server = http.createServer((req, res) => {
    state.requests++;
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      const status = /\/status\/(\d{3})/.exec(url);
      if (url.includes('/hang')) return;
      if (url.includes('/slow')) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        let n = 0;
        const tick = () => {
          res.write(`piece-${n}\n`);
          if (++n < 3) setTimeout(tick, 150);
          else res.end();
        };
        return tick();
      }
      const big = /\/big\/(\d+)/.exec(url);
      if (big) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': big[1] });
        return res.end(Buffer.alloc(Number(big[1]), 97));
      }
      const body = JSON.stringify({ server: name, method: req.method, url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status ? Number(status[1]) : 200, { 'content-type': 'application/json', 'x-upstream': name });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req, socket) => {
    // a minimal WebSocket echo: handshake, then echo text frames back unmasked
    const key = req.headers['sec-websocket-key'] as string;
    const accept = crypto.createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    socket.on('data', (buf: Buffer) => {
      const msg = decodeFrame(buf);
      if (msg !== null) socket.write(encodeFrame('echo: ' + msg, false));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    set requests(v: number) {
      state.requests = v;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A raw TCP upstream whose replies are scripted per connection. */
export async function rawServer(onData: (socket: net.Socket, data: Buffer) => void): Promise<Upstream> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.on('data', (d) => onData(s, d));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export function encodeFrame(text: string, mask: boolean): Buffer {
  const payload = Buffer.from(text);
  const header = [0x81, (mask ? 0x80 : 0) | payload.length];
  if (!mask) return Buffer.concat([Buffer.from(header), payload]);
  const key = crypto.randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ key[i % 4]!));
  return Buffer.concat([Buffer.from(header), key, masked]);
}

export function decodeFrame(buf: Buffer): string | null {
  if (buf.length < 2) return null;
  const masked = (buf[1]! & 0x80) !== 0;
  const len = buf[1]! & 0x7f;
  let off = 2;
  let key: Buffer | null = null;
  if (masked) {
    key = buf.subarray(2, 6);
    off = 6;
  }
  const data = Buffer.from(buf.subarray(off, off + len));
  if (key) for (let i = 0; i < data.length; i++) data[i] = data[i]! ^ key[i % 4]!;
  return data.toString();
}

/** Send raw bytes to a port and collect everything until the server closes or `ms` pass. */
export function rawRequest(port: number, data: string | Buffer, ms = 1000): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const out: Buffer[] = [];
    const done = () => {
      clearTimeout(t);
      s.destroy();
      resolve(Buffer.concat(out).toString('latin1'));
    };
    const t = setTimeout(done, ms);
    s.on('data', (d) => out.push(d));
    s.on('close', done);
    s.on('error', done);
    s.write(data);
  });
}

/** A request through node:http, which (unlike fetch) sends any Host or Connection header we give it. */
export function nodeRequest(
  port: number,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string; json: any }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: any;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

export interface TrackedUpstream extends Upstream {
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Connections still open. */
  readonly open: number;
  /** Connections that ended (closed by either side). */
  readonly closed: number;
  /** Resolves true once `n` connections in total have closed, false after `ms`. */
  waitClosed(n: number, ms?: number): Promise<boolean>;
}

/**
 * A raw TCP upstream like rawServer that also counts its connections; `onData` gets the connection's ordinal
 * (1-based) so scripts can answer differently per connection.
 */
export async function trackedServer(onData: (socket: net.Socket, data: Buffer, connection: number) => void): Promise<TrackedUpstream> {
  const sockets = new Set<net.Socket>();
  const st = { accepted: 0, closed: 0 };
  const waiters = new Set<() => void>();
  const server = net.createServer((s) => {
    const n = ++st.accepted;
    sockets.add(s);
    s.on('close', () => {
      sockets.delete(s);
      st.closed++;
      for (const w of waiters) w();
    });
    s.on('error', () => {});
    s.on('data', (d) => onData(s, d, n));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests: 0,
    get accepted() {
      return st.accepted;
    },
    get open() {
      return sockets.size;
    },
    get closed() {
      return st.closed;
    },
    waitClosed(n: number, ms = 2000): Promise<boolean> {
      return new Promise((resolve) => {
        const check = () => {
          if (st.closed < n) return;
          clearTimeout(t);
          waiters.delete(check);
          resolve(true);
        };
        const t = setTimeout(() => {
          waiters.delete(check);
          resolve(false);
        }, ms);
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
