// Which Access-Control-Allow-Origin a cors config gives a request Origin (kong/plugins/cors/handler.lua
// configure_origin). Pure: compiled once per config, then one call per request.
import { compilePcre } from '../shared/regex.js';

interface Entry {
  regex?: RegExp;
  domain?: string;
  /** Entries without ':' are compared with the origin's host only. */
  byHost: boolean;
  star?: boolean;
}

export interface CompiledOrigins {
  /** No origins, or exactly ["*"]: ACAO is always '*'. */
  allowAll: boolean;
  /** A single entry that is not a regex: sent as is. */
  literal: string | null;
  entries: Entry[];
}

export interface OriginDecision {
  /** The ACAO value, or null for none. */
  acao: string | null;
  /** ACAO is the '*' wildcard (credentials then echo the request origin instead). */
  allowAll: boolean;
  /** Add `Vary: Origin` (the answer depends on the request Origin). */
  vary: boolean;
}

const LITERAL_RE = /^[A-Za-z0-9.:/-]+$/;
const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443' };

/** scheme://host[:port] with default ports dropped; a value that is not a URL is kept as its own host. */
export function normalizeOrigin(origin: string): { domain: string; host: string } {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(\[[^\]]*\]|[^/:?#]*)(?::(\d*))?/.exec(origin);
  if (!m || !m[2]) return { domain: origin, host: origin };
  const scheme = m[1]!;
  const host = m[2]!;
  let port = m[3] || undefined;
  if (port !== undefined && DEFAULT_PORTS[scheme.toLowerCase()] === port) port = undefined;
  return { domain: `${scheme}://${host}${port ? ':' + port : ''}`, host };
}

export function compileOrigins(origins: string[] | null | undefined): CompiledOrigins {
  const list = origins ?? [];
  if (list.length === 0 || (list.length === 1 && list[0] === '*')) return { allowAll: true, literal: null, entries: [] };
  if (list.length === 1 && LITERAL_RE.test(list[0]!)) return { allowAll: false, literal: list[0]!, entries: [] };
  const entries: Entry[] = list.map((raw) => {
    const byHost = !raw.includes(':');
    if (raw === '*') return { star: true, byHost };
    if (!LITERAL_RE.test(raw)) {
      // Kong 0.x did not anchor regexes: anchor at the end, drop a user's leading '^' (the match is anchored at the start)
      let src = raw.endsWith('$') ? raw : raw + '$';
      if (src.startsWith('^')) src = src.slice(1);
      const regex = compilePcre('^(?:' + src + ')') ?? undefined;
      return { regex, byHost };
    }
    return { domain: normalizeOrigin(raw).domain, byHost };
  });
  return { allowAll: false, literal: null, entries };
}

export function resolveOrigin(c: CompiledOrigins, requestOrigin: string | undefined): OriginDecision {
  if (c.allowAll) return { acao: '*', allowAll: true, vary: false };
  if (c.literal !== null) return { acao: c.literal, allowAll: false, vary: true };
  if (requestOrigin !== undefined) {
    const req = normalizeOrigin(requestOrigin);
    for (const e of c.entries) {
      if (e.star) return { acao: '*', allowAll: true, vary: true };
      const found = e.regex ? e.regex.test(e.byHost ? req.host : req.domain) : e.domain !== undefined && e.domain === req.domain;
      if (found) return { acao: req.domain, allowAll: false, vary: true };
    }
  }
  return { acao: null, allowAll: false, vary: true };
}
