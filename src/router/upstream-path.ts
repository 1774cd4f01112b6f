// Joining service.path with the request path (§4.4). Kong's `get_upstream_uri_v0` and the
// `sanitize_uri_postfix` step of `atc.lua select`; v1 is the pre-3.0 traditional router's.

const SLASH = 47;

// A leading `./` or `../` (or a whole `.`/`..`) left after stripping is dropped.
function sanitizePostfix(p: string): string {
  if (p === '') return p;
  if (p === '.' || p === '..') return '';
  if (p.startsWith('./')) return p.slice(2);
  if (p.startsWith('../')) return p.slice(3);
  return p;
}

function postfixOf(requestPath: string, stripPath: boolean, matchedPath: string | null | undefined): string {
  // Kong: `req_uri:sub(#matched_path + 1)` when stripping with a matched path, else `req_uri:sub(2)`.
  const p = stripPath && matchedPath != null ? requestPath.slice(matchedPath.length) : requestPath.slice(1);
  return sanitizePostfix(p);
}

/**
 * Upstream path with Kong's v0 algorithm (the only one under traditional_compatible; the route's
 * `path_handling` is ignored). `requestPath` is the normalised path; `matchedPath` the route prefix
 * or regex match text (null when the route has no paths: then nothing is stripped). Not escaped.
 */
export function joinUpstreamPath(
  servicePath: string | null | undefined,
  requestPath: string,
  stripPath: boolean,
  matchedPath?: string | null,
): string {
  const base = servicePath || '/';
  const postfix = postfixOf(requestPath, stripPath, matchedPath);
  if (base.charCodeAt(base.length - 1) === SLASH) {
    if (!stripPath) return base + requestPath.slice(1);
    if (postfix === '') {
      if (base === '/') return '/';
      return requestPath.charCodeAt(requestPath.length - 1) === SLASH ? base : base.slice(0, -1);
    }
    // Avoid a double slash.
    if (postfix.charCodeAt(0) === SLASH) return base.slice(0, -1) + postfix;
    return base + postfix;
  }
  if (!stripPath) return requestPath === '/' ? base : base + requestPath;
  if (postfix === '') {
    return requestPath.length > 1 && requestPath.charCodeAt(requestPath.length - 1) === SLASH ? base + '/' : base;
  }
  if (postfix.charCodeAt(0) === SLASH) return base + postfix;
  return base + '/' + postfix;
}

/**
 * The deprecated v1 joining (router_flavor=traditional only). Not used by the router; kept, and
 * tested against Kong's documented v1 rows, for completeness.
 */
export function joinUpstreamPathV1(
  servicePath: string | null | undefined,
  requestPath: string,
  stripPath: boolean,
  matchedPath?: string | null,
): string {
  const base = servicePath || '/';
  if (!stripPath) return base + requestPath.slice(1);
  const postfix = postfixOf(requestPath, stripPath, matchedPath);
  if (base.charCodeAt(base.length - 1) === SLASH && postfix.charCodeAt(0) === SLASH) {
    return base.slice(0, -1) + postfix;
  }
  return base + postfix;
}
