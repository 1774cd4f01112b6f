// cors (kong/plugins/cors/handler.lua): preflights (OPTIONS + Origin + Access-Control-Request-Method)
// are answered in access with 200; other responses get ACAO, credentials and exposed headers.
import type { Kong, PluginHandler } from '../types.js';
import { compileOrigins, resolveOrigin, type CompiledOrigins } from './origin.js';

interface Conf {
  origins: string[] | null;
  headers: string[] | null;
  exposed_headers: string[] | null;
  methods: string[] | null;
  max_age: number | null;
  credentials: boolean;
  private_network: boolean;
  preflight_continue: boolean;
  allow_origin_absent: boolean;
}

const ALL_METHODS = 'GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS,TRACE,CONNECT';
const compiled = new WeakMap<Conf, CompiledOrigins>();

function origins(conf: Conf): CompiledOrigins {
  let c = compiled.get(conf);
  if (!c) compiled.set(conf, (c = compileOrigins(conf.origins)));
  return c;
}

/** ACAO, Vary and credentials headers for this request, as an ordered header map. */
function originHeaders(kong: Kong, conf: Conf): Map<string, string> {
  const out = new Map<string, string>();
  const reqOrigin = kong.request.get_header('origin');
  const d = resolveOrigin(origins(conf), reqOrigin);
  if (d.acao !== null) out.set('Access-Control-Allow-Origin', d.acao);
  if (d.vary) out.set('Vary', 'Origin');
  if (conf.credentials) {
    if (!d.allowAll) out.set('Access-Control-Allow-Credentials', 'true');
    else if (reqOrigin !== undefined) {
      // ACAC cannot be 'true' with ACAO '*': echo the request origin instead
      out.set('Access-Control-Allow-Origin', reqOrigin);
      out.set('Access-Control-Allow-Credentials', 'true');
      out.set('Vary', 'Origin');
    }
  }
  return out;
}

/** Add Origin to an upstream Vary header instead of replacing it. */
function mergeVary(existing: string | undefined): string | null {
  if (!existing) return 'Origin';
  const tokens = existing.split(',').map((t) => t.trim().toLowerCase());
  if (tokens.includes('*') || tokens.includes('origin')) return null;
  return existing + ', Origin';
}

export const handler: PluginHandler = {
  access(kong: Kong, conf: Conf) {
    if (kong.request.get_method() !== 'OPTIONS' || kong.request.get_header('origin') === undefined || kong.request.get_header('access-control-request-method') === undefined) {
      return;
    }
    // the preflight is answered here (or by the upstream with preflight_continue): no headers in header_filter
    kong.ctx.plugin.skip_response_headers = true;
    if (conf.preflight_continue) return;

    const headers = originHeaders(kong, conf);
    if (conf.headers && conf.headers.length > 0) headers.set('Access-Control-Allow-Headers', conf.headers.join(','));
    else {
      const acrh = kong.request.get_header('access-control-request-headers');
      if (acrh !== undefined) headers.set('Access-Control-Allow-Headers', acrh);
    }
    headers.set('Access-Control-Allow-Methods', conf.methods ? conf.methods.join(',') : ALL_METHODS);
    if (conf.max_age !== null && conf.max_age !== undefined) headers.set('Access-Control-Max-Age', String(conf.max_age));
    if (conf.private_network && kong.request.get_header('access-control-request-private-network') === 'true') {
      headers.set('Access-Control-Allow-Private-Network', 'true');
    }
    return kong.response.exit(200, undefined, Object.fromEntries(headers));
  },

  header_filter(kong: Kong, conf: Conf) {
    if (kong.ctx.plugin.skip_response_headers) return;
    if (!conf.allow_origin_absent && kong.request.get_header('origin') === undefined) return;
    const headers = originHeaders(kong, conf);
    if (!headers.has('Access-Control-Allow-Origin')) kong.response.clear_header('Access-Control-Allow-Origin');
    for (const [k, v] of headers) {
      if (k === 'Vary') {
        const merged = mergeVary(kong.response.get_header('vary'));
        if (merged !== null) kong.response.set_header('Vary', merged);
      } else kong.response.set_header(k, v);
    }
    if (conf.exposed_headers && conf.exposed_headers.length > 0) kong.response.set_header('Access-Control-Expose-Headers', conf.exposed_headers.join(','));
  },
};
