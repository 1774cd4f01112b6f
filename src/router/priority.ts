// Route priority (§4.2; Kong `kong/router/transform.lua get_priority`) and the split of a route's
// paths into groups that each get one priority (`split_routes_and_services_by_path`).

import type { Route } from '../store/types.js';

/** One group of a route's paths: all its regexes, or all its prefixes of one length, or none. */
export type PathGroup =
  | { kind: 'none' }
  | { kind: 'regex'; paths: string[] }
  | { kind: 'prefix'; length: number; paths: string[] };

export function isRegexPath(p: string): boolean {
  return p.charCodeAt(0) === 126; // '~'
}

function nonEmpty(v: unknown): boolean {
  if (v == null) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return false;
}

/**
 * Kong splits a route whose paths mix regexes and prefixes, or prefixes of different lengths, into
 * one internal route per group; groups come out regexes first, then prefixes by decreasing length.
 */
export function splitPathGroups(paths: readonly string[] | null | undefined): PathGroup[] {
  if (!paths || paths.length === 0) return [{ kind: 'none' }];
  const regexes: string[] = [];
  const byLength = new Map<number, string[]>();
  for (const p of paths) {
    if (isRegexPath(p)) {
      regexes.push(p);
    } else {
      const list = byLength.get(p.length);
      if (list) list.push(p);
      else byLength.set(p.length, [p]);
    }
  }
  const groups: PathGroup[] = [];
  if (regexes.length > 0) groups.push({ kind: 'regex', paths: regexes });
  for (const len of [...byLength.keys()].sort((a, b) => b - a)) {
    groups.push({ kind: 'prefix', length: len, paths: byLength.get(len)! });
  }
  return groups;
}

const MAX_HEADER_COUNT = 255;
const U32 = 0xffffffffn;
const REGEX_PRIORITY_BIAS = 0x80000000n;

/**
 * The 64-bit priority of a route (or of one of its path groups); higher wins.
 *
 *   bits 61-63  number of non-empty {sources, destinations, methods, hosts, headers, snis, paths}
 *   bit  60     hosts is an array with no `*` entry
 *   bits 52-59  number of header names (max 255)
 *   bit  51     the paths are regexes
 *   bits 19-50  regex_priority (regex paths only)
 *   bits 0-18   prefix length (prefix paths only)
 *
 * [decision] regex_priority is stored biased by 2^31 (and clamped to 32 bits) so that negative
 * values sort below 0 among regex routes; Kong's uint64 shift of a negative number is undefined
 * territory. The bias cannot affect any other comparison: bits 19-50 are only ever non-zero for
 * regex groups, which bit 51 already separates from prefix groups.
 */
export function computePriority(route: Route, group: PathGroup): bigint {
  let weight = 0;
  if (nonEmpty(route.sources)) weight++;
  if (nonEmpty(route.destinations)) weight++;
  if (nonEmpty(route.methods)) weight++;
  if (nonEmpty(route.hosts)) weight++;
  let headerCount = route.headers ? Object.keys(route.headers).length : 0;
  if (headerCount > 0) weight++;
  if (headerCount > MAX_HEADER_COUNT) headerCount = MAX_HEADER_COUNT;
  if (nonEmpty(route.snis)) weight++;
  if (group.kind !== 'none') weight++;

  // Kong tests `type(hosts) == "table"`: an empty array counts as "plain hosts only" too.
  const plainHostOnly = Array.isArray(route.hosts) && !route.hosts.some((h) => h.includes('*'));

  let p = BigInt(weight) << 61n;
  if (plainHostOnly) p |= 1n << 60n;
  p |= BigInt(headerCount) << 52n;
  if (group.kind === 'regex') {
    p |= 1n << 51n;
    let rp = BigInt(Math.trunc(route.regex_priority || 0)) + REGEX_PRIORITY_BIAS;
    if (rp < 0n) rp = 0n;
    if (rp > U32) rp = U32;
    p |= rp << 19n;
  } else if (group.kind === 'prefix') {
    p |= BigInt(group.length & 0x7ffff);
  }
  return p;
}

/** Kong's tie-break: matchers live in a BTreeMap keyed by (priority, uuid), walked in reverse. */
export function compareSubRoutePriority(
  a: { priority: bigint; id: string },
  b: { priority: bigint; id: string },
): number {
  if (a.priority !== b.priority) return a.priority > b.priority ? -1 : 1;
  if (a.id === b.id) return 0;
  return a.id > b.id ? -1 : 1;
}
