// Public types of the router. The router is pure and synchronous: build once per store change,
// match many times. See docs/kong-admin-api.md §4 (traditional_compatible).

import type { Route, Service } from '../store/types.js';

/** What the proxy knows about a request when it has to pick a route. */
export interface MatchRequest {
  /** Request method, as sent (matching is case-sensitive, like Kong). */
  method: string;
  /** Raw `Host` header, including any `:port`; undefined when absent. */
  host: string | undefined;
  /**
   * Raw request-target path WITHOUT the query string; may be percent-encoded.
   * Treated as a byte string (one char per byte, as a latin1 head parser yields it).
   */
  path: string;
  /**
   * Header lookup by lower-case name. Only called for routes that have `headers`.
   * May return an array when the header was sent several times (any value may match).
   */
  headers?: (name: string) => string | readonly string[] | undefined;
  /** TLS server name, for https requests. */
  sni?: string;
  /** Local listening port; used for `host:port` route entries when the Host header has no port. */
  port?: number;
  /** Protocol the client used (or the trusted X-Forwarded-Proto); default `http`. */
  protocol?: 'http' | 'https';
}

/** Kong's `uri_captures`: index 0 is the whole regex match, then the numbered groups. */
export interface UriCaptures {
  /** Positional captures; `[0]` is the full match; an unmatched optional group is `undefined`. */
  unnamed: (string | undefined)[];
  /** Named groups `(?<name>…)`; an unmatched group is absent. */
  named: Record<string, string>;
}

export interface RouteMatch {
  route: Route;
  /** The route's service, or null (the proxy answers 503 `no Service found with those values`). */
  service: Service | null;
  /** Regex captures, or null when the route matched by prefix / has no paths / the regex has no groups. */
  uriCaptures: UriCaptures | null;
  /** The prefix that matched (a route path), or the text a path regex matched; null when the route has no paths. */
  matchedPath: string | null;
  /**
   * Path to send upstream (§4.4, v0 joining of `service.path` and the normalised request path,
   * honouring `strip_path`), re-escaped for the wire. No query string: the caller appends `?args`.
   */
  upstreamPath: string;
  /** The stripped prefix (`matchedPath` when `strip_path` is on and the route has paths), for X-Forwarded-Prefix. */
  strippedPrefix: string | null;
  /** The request path after `normalizePath` (what was matched). */
  normalizedPath: string;
  /**
   * When the route allows https but not http and the request came over http: the status to answer with
   * (`route.https_redirect_status_code`: 426, 301, 302, 307 or 308). Null otherwise.
   */
  httpsRedirectStatus: number | null;
}

export interface Router {
  /** Best route for the request by Kong's priority rules, or null (the proxy answers 404). */
  match(req: MatchRequest): RouteMatch | null;
  /** Routes that made it into the index. */
  readonly routeCount: number;
  /** Routes left out while building (bad regex, ...), as Kong logs and drops them. */
  readonly errors: readonly RouterBuildError[];
}

export interface RouterBuildError {
  route: Route;
  message: string;
}

export interface BuildRouterOptions {
  /**
   * `indexed` (default): host and path-prefix index, cost independent of the route count.
   * `linear`: the reference implementation, a scan over every sub-route in priority order (tests use it).
   */
  strategy?: 'indexed' | 'linear';
  /** Max distinct Host header values whose host-index lookups are memoised (default 10000; 0 disables). */
  hostCacheSize?: number;
  /** Host buckets with at most this many entries are scanned as a list rather than a path tree (default 12). */
  flatBucketMax?: number;
}
