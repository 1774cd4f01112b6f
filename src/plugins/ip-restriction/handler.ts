// ip-restriction (kong/plugins/ip-restriction/handler.lua): deny list first, then the allow list,
// against the client address after real-IP processing (nginx $remote_addr).
import type { Kong, PluginHandler } from '../types.js';
import { ipMatcher } from '../shared/ip.js';

interface Conf {
  allow: string[] | null;
  deny: string[] | null;
  status: number | null;
  message: string | null;
}

interface Compiled {
  allow: ((ip: string) => boolean) | null;
  deny: ((ip: string) => boolean) | null;
}

// configs are immutable rows: compile each list once per config object
const compiled = new WeakMap<Conf, Compiled>();

function compile(conf: Conf): Compiled {
  let c = compiled.get(conf);
  if (!c) {
    c = {
      allow: conf.allow && conf.allow.length ? ipMatcher(conf.allow) : null,
      deny: conf.deny && conf.deny.length ? ipMatcher(conf.deny) : null,
    };
    compiled.set(conf, c);
  }
  return c;
}

export const handler: PluginHandler = {
  access(kong: Kong, conf: Conf) {
    const ip = kong.client.get_forwarded_ip().replace(/^::ffff:(?=\d+\.)/, '');
    const { allow, deny } = compile(conf);
    const blocked = (deny !== null && deny(ip)) || (allow !== null && !allow(ip));
    if (!blocked) return;
    return kong.response.error(conf.status ?? 403, conf.message ?? `IP address not allowed: ${ip}`);
  },
};
