// What consistent hashing hashes on for one request (Kong: kong/runloop/balancer/init.lua get_value_to_hash).
import crypto from 'node:crypto';
import type { RequestContext } from '../pdk/context.js';
import type { Upstream } from '../store/types.js';

/** The consistent-hashing input of one request, and the cookie Kong sets when it generated the value. */
export interface HashInput {
  value: string | null;
  /** Set-Cookie field value, or null. */
  setCookie: string | null;
}

/** Input for consistent hashing, with Kong's fallback when the primary is absent (balancer/init.lua get_value_to_hash). */
export function hashInput(u: Upstream, ctx: RequestContext): HashInput {
  const out: HashInput = { value: null, setCookie: null };
  out.value = hashOn(u.hash_on, u.hash_on_header, u.hash_on_query_arg, u.hash_on_uri_capture, u, ctx, out);
  if (out.value === null && u.hash_fallback && u.hash_fallback !== 'none') {
    out.value = hashOn(u.hash_fallback, u.hash_fallback_header, u.hash_fallback_query_arg, u.hash_fallback_uri_capture, u, ctx, out);
  }
  return out;
}

function hashOn(kind: string, header: string | null, queryArg: string | null, capture: string | null, u: Upstream, ctx: RequestContext, out: HashInput): string | null {
  switch (kind) {
    case 'consumer':
      return ctx.consumer?.id ?? ctx.credential?.id ?? null;
    case 'ip':
      return ctx.clientIp;
    case 'header':
      return header ? (ctx.headers.getAll(header).join(',') || null) : null;
    case 'cookie': {
      const name = u.hash_on_cookie;
      if (!name) return null;
      const found = cookieValue(ctx.headers.getAll('cookie'), name);
      if (found !== null) return found;
      // Kong generates a value, hashes on it and sets it on the response so the client sticks to the same target
      const value = crypto.randomUUID();
      out.setCookie = `${name}=${value}; Path=${u.hash_on_cookie_path || '/'}; Same-Site=Lax; HttpOnly`;
      return value;
    }
    case 'path':
      return ctx.match?.normalizedPath ?? ctx.path;
    case 'query_arg':
      return queryArg ? new URLSearchParams(ctx.query).getAll(queryArg).join(',') || null : null;
    case 'uri_capture': {
      if (!capture || !ctx.match?.uriCaptures) return null;
      const c = ctx.match.uriCaptures;
      return c.named[capture] ?? (/^\d+$/.test(capture) ? c.unnamed[Number(capture)] ?? null : null);
    }
    default:
      return null;
  }
}

/** nginx $cookie_NAME: the first cookie of that name across the Cookie fields (names compared case-insensitively, as nginx does). */
function cookieValue(fields: string[], name: string): string | null {
  for (const field of fields) {
    for (const part of field.split(';')) {
      const eq = part.indexOf('=');
      if (eq === -1) continue;
      const k = part.slice(0, eq).trim();
      if (k.length === name.length && k.toLowerCase() === name.toLowerCase()) return part.slice(eq + 1).trim();
    }
  }
  return null;
}
