// udp-log (kong/plugins/udp-log/handler.lua): each request's kong.log.serialize() as one JSON
// datagram to host:port. Fire and forget, as in Kong: failures are logged, never retried.
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import type { Kong, PluginEnv, PluginHandler } from '../types.js';
import { warnCustomFields } from '../shared/log-fields.js';

interface Conf {
  host: string;
  port: number;
  timeout: number;
  custom_fields_by_lua: Record<string, string> | null;
}

function resolve(host: string, timeoutMs: number): Promise<{ address: string; family: 4 | 6 }> {
  const family = net.isIP(host);
  if (family) return Promise.resolve({ address: host, family: family as 4 | 6 });
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('timeout')), timeoutMs);
    dns.lookup(host, (err, address, fam) => {
      clearTimeout(timer);
      if (err) fail(err);
      else ok({ address, family: fam === 6 ? 6 : 4 });
    });
  });
}

export function handler(env: PluginEnv): PluginHandler {
  // one socket per address family, shared by every configuration of this gateway
  const sockets: Partial<Record<4 | 6, dgram.Socket>> = {};
  const warned = new WeakSet<object>();

  function socketFor(family: 4 | 6): dgram.Socket {
    let s = sockets[family];
    if (s) return s;
    s = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
    s.on('error', (err) => env.logger.error({ plugin: 'udp-log', err: err.message }, 'socket error'));
    s.unref();
    sockets[family] = s;
    return s;
  }

  async function send(conf: Conf, payload: Buffer): Promise<void> {
    try {
      const { address, family } = await resolve(conf.host, conf.timeout);
      await new Promise<void>((ok, fail) => {
        const timer = setTimeout(() => fail(new Error('timeout')), conf.timeout);
        socketFor(family).send(payload, conf.port, address, (err) => {
          clearTimeout(timer);
          if (err) fail(err);
          else ok();
        });
      });
    } catch (err) {
      env.logger.error({ plugin: 'udp-log', host: conf.host, port: conf.port, err: (err as Error).message }, 'could not send data');
    }
  }

  return {
    log(kong: Kong, conf: Conf) {
      warnCustomFields(warned, conf, env.logger, 'udp-log');
      return send(conf, Buffer.from(JSON.stringify(kong.log.serialize())));
    },
    close() {
      for (const f of [4, 6] as const) {
        sockets[f]?.close();
        delete sockets[f];
      }
    },
  };
}
