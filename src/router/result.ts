// Building the RouteMatch for the winning sub-route (shared by both router strategies).

import type { SubRoute } from './compile.js';
import { escapeUpstreamPath } from './normalize.js';
import type { MatchRequest, RouteMatch, UriCaptures } from './types.js';
import { joinUpstreamPath } from './upstream-path.js';

function captures(m: RegExpExecArray): UriCaptures | null {
  // Kong: `uri_captures = captures[1] and captures or nil`.
  if (m.length < 2) return null;
  const named: Record<string, string> = {};
  const groups = m.groups;
  if (groups !== undefined) {
    for (const k of Object.keys(groups)) {
      const v = groups[k];
      if (v !== undefined) named[k] = v;
    }
  }
  return { unnamed: Array.from(m), named };
}

/**
 * `matched` is the prefix that matched, or the regex result (for a route with several regexes the
 * first one in the route's order that matches is re-found, as atc evaluates `a || b` left to right),
 * or null when the route has no paths.
 */
export function buildMatch(
  sub: SubRoute,
  matched: string | RegExpExecArray | null,
  normalizedPath: string,
  req: MatchRequest,
): RouteMatch {
  let matchedPath: string | null = null;
  let uriCaptures: UriCaptures | null = null;
  if (typeof matched === 'string') {
    matchedPath = matched;
  } else if (matched !== null) {
    let m: RegExpExecArray = matched;
    const regexes = sub.regexes;
    if (regexes !== null && regexes.length > 1) {
      for (const r of regexes) {
        const first = r.re.exec(normalizedPath);
        if (first !== null) {
          m = first;
          break;
        }
      }
    }
    matchedPath = m[0];
    uriCaptures = captures(m);
  }
  const strip = sub.stripPath;
  const joined = joinUpstreamPath(sub.servicePath, normalizedPath, strip, matchedPath);
  return {
    route: sub.route,
    service: sub.service,
    uriCaptures,
    matchedPath,
    upstreamPath: escapeUpstreamPath(joined),
    strippedPrefix: strip && matchedPath !== null ? matchedPath : null,
    normalizedPath,
    httpsRedirectStatus: sub.redirectStatus !== null && req.protocol !== 'https' ? sub.redirectStatus : null,
  };
}
