// The reference router: every sub-route, best priority first, first full match wins. Its cost grows
// with the route count; it exists to define the semantics the indexed router must reproduce.

import { matchesNonPath, splitHostPort, asciiLower, type CompiledRoutes, type SubRoute } from './compile.js';
import { normalizePath } from './normalize.js';
import { buildMatch } from './result.js';
import type { MatchRequest, RouteMatch, Router, RouterBuildError } from './types.js';

/** The path condition of one sub-route: the matched prefix, the regex result, null = no paths; false = no match. */
export function matchPath(sub: SubRoute, path: string): string | RegExpExecArray | null | false {
  if (sub.prefixes !== null) {
    for (const p of sub.prefixes) if (path.startsWith(p)) return p;
    return false;
  }
  if (sub.regexes !== null) {
    for (const r of sub.regexes) {
      const m = r.re.exec(path);
      if (m !== null) return m;
    }
    return false;
  }
  return null;
}

export class LinearRouter implements Router {
  readonly routeCount: number;
  readonly errors: readonly RouterBuildError[];
  readonly #subs: readonly SubRoute[];

  constructor(compiled: CompiledRoutes) {
    this.#subs = compiled.subRoutes;
    this.routeCount = compiled.routeCount;
    this.errors = compiled.errors;
  }

  match(req: MatchRequest): RouteMatch | null {
    const path = normalizePath(req.path);
    let host: string | null = null;
    let port = -1;
    if (req.host !== undefined) {
      const hp = splitHostPort(req.host);
      host = asciiLower(hp.host);
      port = hp.port;
    }
    if (port === -1 && req.port !== undefined) port = req.port;
    for (const sub of this.#subs) {
      if (!matchesNonPath(sub.cr, req, host, port)) continue;
      const m = matchPath(sub, path);
      if (m === false) continue;
      return buildMatch(sub, m, path, req);
    }
    return null;
  }
}
