// Kong's router (traditional_compatible flavour), pure and synchronous.
//
//   const router = buildRouter(routes, services);   // on every store change; swap the reference atomically
//   const m = router.match({ method, host, path, headers, sni, port, protocol });
//
// See docs/kong-admin-api.md §4 and the README comment in indexed-router.ts for the index design.

import type { Route, Service } from '../store/types.js';
import { compileRoutes } from './compile.js';
import { IndexedRouter } from './indexed-router.js';
import { LinearRouter } from './linear-router.js';
import type { BuildRouterOptions, Router } from './types.js';

export type { BuildRouterOptions, MatchRequest, RouteMatch, Router, RouterBuildError, UriCaptures } from './types.js';
export { normalizePath, escapeUpstreamPath } from './normalize.js';
export { joinUpstreamPath, joinUpstreamPathV1 } from './upstream-path.js';
export { computePriority, splitPathGroups, type PathGroup } from './priority.js';

/**
 * Build an immutable route index. Routes of disabled services, stream-only routes and routes with a
 * regex JavaScript cannot compile are left out (the latter listed in `router.errors`).
 */
export function buildRouter(
  routes: readonly Route[],
  services: Map<string, Service> | readonly Service[],
  opts: BuildRouterOptions = {},
): Router {
  const compiled = compileRoutes(routes, services);
  return opts.strategy === 'linear' ? new LinearRouter(compiled) : new IndexedRouter(compiled, opts.hostCacheSize, opts.flatBucketMax);
}
