// bot-detection (kong/plugins/bot-detection/handler.lua): the User-Agent is checked against the
// allow list, the deny list, then Kong's bot rules; deny and bot matches get 403.
import type { Kong, PluginHandler } from '../types.js';
import { compilePcre } from '../shared/regex.js';
import { BOT_RULES } from './rules.js';

interface Conf {
  allow: string[] | null;
  deny: string[] | null;
}

const MATCH_EMPTY = 0;
const MATCH_ALLOW = 1;
const MATCH_DENY = 2;
const MATCH_BOT = 3;
const UA_CACHE_SIZE = 10_000;

const BOTS: RegExp[] = BOT_RULES.map((r) => compilePcre(r)).filter((r): r is RegExp => r !== null);

interface Compiled {
  allow: RegExp[];
  deny: RegExp[];
  /** user agent -> match result (per config, as Kong's per-conf lrucache) */
  cache: Map<string, number>;
}

const compiled = new WeakMap<Conf, Compiled>();

function compile(conf: Conf): Compiled {
  let c = compiled.get(conf);
  if (!c) {
    const list = (l: string[] | null) => (l ?? []).map((r) => compilePcre(r)).filter((r): r is RegExp => r !== null);
    c = { allow: list(conf.allow), deny: list(conf.deny), cache: new Map() };
    compiled.set(conf, c);
  }
  return c;
}

export function examineAgent(userAgent: string, allow: RegExp[], deny: RegExp[]): number {
  const ua = userAgent.trim();
  if (allow.some((r) => r.test(ua))) return MATCH_ALLOW;
  if (deny.some((r) => r.test(ua))) return MATCH_DENY;
  if (BOTS.some((r) => r.test(ua))) return MATCH_BOT;
  return MATCH_EMPTY;
}

export function isBot(userAgent: string): boolean {
  return examineAgent(userAgent, [], []) === MATCH_BOT;
}

export const handler: PluginHandler = {
  access(kong: Kong, conf: Conf) {
    const agents = kong.raw.headers.getAll('user-agent');
    if (agents.length > 1) return kong.response.error(400, 'Only one User-Agent header allowed');
    const ua = agents[0];
    if (ua === undefined) return;
    const c = compile(conf);
    let match = c.cache.get(ua);
    if (match === undefined) {
      match = examineAgent(ua, c.allow, c.deny);
      if (c.cache.size >= UA_CACHE_SIZE) c.cache.clear();
      c.cache.set(ua, match);
    }
    if (match > MATCH_ALLOW) return kong.response.error(403, 'Forbidden');
  },
};
