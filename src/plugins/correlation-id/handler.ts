// correlation-id (kong/plugins/correlation-id/handler.lua): a per-request id in a header sent
// upstream (kept when the client sent one), optionally echoed to the client.
import crypto from 'node:crypto';
import type { Kong, PluginEnv, PluginHandler } from '../types.js';

interface Conf {
  header_name: string | null;
  generator: 'uuid' | 'uuid#counter' | 'tracker';
  echo_downstream: boolean;
}

/** Per gateway (Kong: per worker): one uuid and a counter for uuid#counter. */
export function handler(_env: PluginEnv): PluginHandler {
  const workerUuid = crypto.randomUUID();
  let counter = 0;
  // nginx $connection / $connection_requests: a TCP connection is identified by the peer's address and port
  const connections = new Map<string, { serial: number; requests: number }>();
  let connectionSerial = 0;

  const generators: Record<Conf['generator'], (kong: Kong) => string> = {
    uuid: () => crypto.randomUUID(),
    'uuid#counter': () => `${workerUuid}#${++counter}`,
    // nginx: server_addr-server_port-pid-connection-connection_requests-now
    tracker: (kong) => {
      const ctx = kong.raw;
      const key = `${ctx.remoteAddr}|${ctx.remotePort}`;
      let c = connections.get(key);
      if (!c) {
        if (connections.size >= 10_000) connections.clear();
        connections.set(key, (c = { serial: ++connectionSerial, requests: 0 }));
      }
      c.requests++;
      // the listener's own address is not known per request: loopback peers imply a loopback listener
      const peer = ctx.remoteAddr.replace(/^::ffff:/, '');
      const serverAddr = peer.startsWith('127.') ? '127.0.0.1' : peer === '::1' ? '::1' : '0.0.0.0';
      return `${serverAddr}-${ctx.localPort}-${process.pid}-${c.serial}-${c.requests}-${(Date.now() / 1000).toFixed(3)}`;
    },
  };

  return {
    access(kong: Kong, conf: Conf) {
      const name = conf.header_name ?? 'Kong-Request-ID';
      let id = kong.request.get_header(name);
      if (id === undefined || id === '') {
        id = generators[conf.generator](kong);
        kong.service.request.set_header(name, id);
      }
      kong.ctx.shared.correlation_id = id;
      if (conf.echo_downstream) kong.ctx.plugin.correlation_id = id;
    },
    header_filter(kong: Kong, conf: Conf) {
      if (!conf.echo_downstream) return;
      const id = kong.ctx.plugin.correlation_id;
      if (typeof id === 'string') kong.response.set_header(conf.header_name ?? 'Kong-Request-ID', id);
    },
  };
}
