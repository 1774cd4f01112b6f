// tcp-log (kong/plugins/tcp-log/handler.lua): each request's kong.log.serialize() as one JSON line on a
// TCP (or TLS) connection, kept open for `keepalive` ms between logs.
import net from 'node:net';
import tls from 'node:tls';
import type { Kong, PluginEnv, PluginHandler } from '../types.js';
import { warnCustomFields } from '../shared/log-fields.js';

interface Conf {
  host: string;
  port: number;
  timeout: number;
  keepalive: number;
  tls: boolean;
  tls_sni: string | null;
  custom_fields_by_lua: Record<string, string> | null;
}

/** Bytes waiting on a socket before new lines are dropped (bounded memory when the collector stalls). */
const MAX_PENDING = 8 * 1024 * 1024;

class Connection {
  socket: net.Socket | null = null;
  private idle: NodeJS.Timeout | null = null;
  constructor(private readonly env: PluginEnv) {}

  send(conf: Conf, line: string): void {
    let s = this.socket;
    if (!s || s.destroyed) s = this.open(conf);
    if (s.writableLength > MAX_PENDING) {
      this.env.logger.error({ plugin: 'tcp-log', host: conf.host, port: conf.port }, 'collector is not reading; dropping log entry');
      return;
    }
    s.write(line);
    this.armIdle(conf);
  }

  private open(conf: Conf): net.Socket {
    const s = conf.tls
      ? tls.connect({ host: conf.host, port: conf.port, servername: conf.tls_sni ?? (net.isIP(conf.host) ? undefined : conf.host), rejectUnauthorized: false })
      : net.connect({ host: conf.host, port: conf.port });
    s.setTimeout(conf.timeout);
    s.on('timeout', () => s.destroy(new Error('timeout')));
    s.on('error', (err) => this.env.logger.error({ plugin: 'tcp-log', host: conf.host, port: conf.port, err: err.message }, 'failed to send log'));
    s.on('close', () => {
      if (this.socket === s) this.socket = null;
    });
    s.unref();
    this.socket = s;
    return s;
  }

  private armIdle(conf: Conf): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => this.socket?.end(), Math.max(1, conf.keepalive));
    this.idle.unref();
  }

  close(): Promise<void> {
    if (this.idle) clearTimeout(this.idle);
    const s = this.socket;
    this.socket = null;
    if (!s || s.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        s.destroy();
        resolve();
      }, 1000);
      s.end(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

export function handler(env: PluginEnv): PluginHandler {
  const conns = new Map<string, Connection>();
  const warned = new WeakSet<object>();
  return {
    log(kong: Kong, conf: Conf) {
      warnCustomFields(warned, conf, env.logger, 'tcp-log');
      const line = JSON.stringify(kong.log.serialize()) + '\n';
      const key = `${conf.host}:${conf.port}:${conf.tls}:${conf.tls_sni ?? ''}`;
      let c = conns.get(key);
      if (!c) conns.set(key, (c = new Connection(env)));
      c.send(conf, line);
    },
    async close() {
      await Promise.all([...conns.values()].map((c) => c.close()));
      conns.clear();
    },
  };
}
