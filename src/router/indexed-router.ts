// The default router. Sub-routes are filed by host (exact hosts in a Map, `*.suffix` and `prefix.*`
// wildcards in Maps keyed by the part after/before the `*`, routes without hosts in one catch-all
// bucket) and, inside each host bucket, in a radix tree of path prefixes: a prefix path at its own
// node, a regex at the node of its literal prefix (`~/users/(\d+)` under `/users/`), a route without
// paths at the root. A bucket with few entries (most exact hosts) skips the tree and keeps one flat
// list. A request looks at the host buckets that apply to it (usually two), walks their trees, and
// only the lists on those walks are candidates. Each list is sorted by global rank (priority order),
// so scanning a list stops at the first full match or as soon as a rank cannot beat the best so far;
// regexes are only executed when they could still win.

import {
  HOST_EXACT,
  HOST_SUFFIX,
  type HostPattern,
  type RouteChecks,
  asciiLower,
  matchesNonPath,
  splitHostPort,
  type CompiledRoutes,
  type SubRoute,
} from './compile.js';
import { normalizePath } from './normalize.js';
import { buildMatch } from './result.js';
import type { MatchRequest, RouteMatch, Router, RouterBuildError } from './types.js';

/**
 * One way a sub-route can match inside one host bucket. It carries its own copy of the route's
 * checks (fewer objects to touch per candidate); `hosts` is null when reaching the bucket already
 * proves the host condition (an exact or wildcard entry without port).
 */
interface Entry extends RouteChecks {
  // Hot fields first: they share the object's first cache line.
  rank: number;
  /** False when methods, hosts, headers and snis are all null: nothing but the path to check. */
  checks: boolean;
  /** The prefix path this entry stands for (prefix entries), else null. */
  prefix: string | null;
  /** The regex to run (regex entries), else null. */
  re: RegExp | null;
  sub: SubRoute;
}

function entry(sub: SubRoute, checks: RouteChecks, prefix: string | null, re: RegExp | null): Entry {
  const { methods, hosts, headers, snis } = checks;
  const any = methods !== null || hosts !== null || headers !== null || snis !== null;
  return { rank: sub.rank, checks: any, prefix, re, sub, methods, hosts, headers, snis };
}

interface TrieNode {
  /** Edge label from the parent (the root's is ''). */
  label: string;
  children: Map<number, TrieNode> | null;
  /** Prefix entries whose path ends exactly here; at the root also routes without paths. */
  plain: Entry[];
  /** Regex entries whose literal prefix ends exactly here. */
  regex: Entry[];
}

/** The routes filed under one host key. Small buckets stay a flat list; large ones get a tree. */
interface Bucket {
  /** All entries, sorted by rank, when the bucket is small; else null. */
  flat: Entry[] | null;
  /** The path tree, when the bucket is large; else null. */
  root: TrieNode | null;
}

/** Default: buckets with at most this many entries are scanned as one list instead of a tree walk. */
export const DEFAULT_FLAT_BUCKET_MAX = 12;

interface HostInfo {
  /** Lower-cased host without port, or null when there is no Host header. */
  host: string | null;
  /** Port from the Host header, or -1. */
  port: number;
  /** The flat lists of the small host buckets that apply. */
  flats: Entry[][];
  /** The tree roots of the large host buckets that apply. */
  roots: TrieNode[];
}

function newNode(label: string): TrieNode {
  return { label, children: null, plain: [], regex: [] };
}

/** Radix-tree insert; returns the node that stands for exactly `key`. */
function insert(root: TrieNode, key: string): TrieNode {
  let node = root;
  let i = 0;
  while (i < key.length) {
    const c = key.charCodeAt(i);
    if (node.children === null) node.children = new Map();
    const child = node.children.get(c);
    if (child === undefined) {
      const leaf = newNode(key.slice(i));
      node.children.set(c, leaf);
      return leaf;
    }
    const label = child.label;
    let j = 1;
    while (j < label.length && i + j < key.length && label.charCodeAt(j) === key.charCodeAt(i + j)) j++;
    if (j < label.length) {
      // Split the edge at j.
      const mid = newNode(label.slice(0, j));
      child.label = label.slice(j);
      mid.children = new Map([[child.label.charCodeAt(0), child]]);
      node.children.set(c, mid);
      node = mid;
    } else {
      node = child;
    }
    i += j;
  }
  return node;
}

function byRank(a: Entry, b: Entry): number {
  return a.rank - b.rank;
}

function keyOf(e: Entry): string {
  if (e.prefix !== null) return e.prefix;
  if (e.re !== null) return e.sub.regexes!.find((r) => r.re === e.re)!.literal;
  return '';
}

function addBucket(info: HostInfo, b: Bucket): void {
  if (b.flat !== null) {
    if (b.flat.length > 0) info.flats.push(b.flat);
  } else {
    info.roots.push(b.root!);
  }
}

function finishBucket(entries: Entry[], flatMax: number): Bucket {
  if (entries.length <= flatMax) return { flat: entries.sort(byRank), root: null };
  const root = newNode('');
  for (const e of entries) {
    const node = insert(root, keyOf(e));
    if (e.re !== null) node.regex.push(e);
    else node.plain.push(e);
  }
  sortTree(root);
  return { flat: null, root };
}

function sortTree(node: TrieNode): void {
  node.plain.sort((a, b) => a.rank - b.rank);
  node.regex.sort((a, b) => a.rank - b.rank);
  if (node.children !== null) for (const c of node.children.values()) sortTree(c);
}

export class IndexedRouter implements Router {
  readonly routeCount: number;
  readonly errors: readonly RouterBuildError[];

  readonly #any: Bucket;
  readonly #exact = new Map<string, Bucket>();
  /** `*.a.test` filed under `.a.test`. */
  readonly #suffix = new Map<string, Bucket>();
  /** `a.*` filed under `a.`. */
  readonly #prefix = new Map<string, Bucket>();
  readonly #noHost: HostInfo;
  readonly #hostCache = new Map<string, HostInfo>();
  readonly #hostCacheSize: number;
  /** Tree nodes visited by the current match (reused; match is synchronous). */
  readonly #visited: TrieNode[] = [];

  constructor(compiled: CompiledRoutes, hostCacheSize = 10_000, flatMax = DEFAULT_FLAT_BUCKET_MAX) {
    this.routeCount = compiled.routeCount;
    this.errors = compiled.errors;
    this.#hostCacheSize = hostCacheSize;
    const any: Entry[] = [];
    const exact = new Map<string, Entry[]>();
    const suffix = new Map<string, Entry[]>();
    const prefix = new Map<string, Entry[]>();
    const listIn = (m: Map<string, Entry[]>, key: string): Entry[] => {
      let l = m.get(key);
      if (l === undefined) m.set(key, (l = []));
      return l;
    };
    for (const sub of compiled.subRoutes) {
      // list -> host patterns still to check there (null: the bucket key proves the host)
      const lists = new Map<Entry[], HostPattern[] | null>();
      const file = (list: Entry[], proven: boolean) => {
        if (proven || lists.get(list) === null) lists.set(list, null);
        else if (!lists.has(list)) lists.set(list, sub.cr.hosts);
      };
      const hosts = sub.cr.hosts;
      if (hosts === null) {
        lists.set(any, null);
      } else {
        for (const h of hosts) {
          const proven = h.port === -1;
          if (h.kind === HOST_EXACT) file(listIn(exact, h.value), proven);
          else if (h.kind === HOST_SUFFIX && h.value.startsWith('.')) file(listIn(suffix, h.value), proven);
          else if (h.kind !== HOST_SUFFIX && h.value.endsWith('.') && h.value.length > 1) file(listIn(prefix, h.value), proven);
          // A wildcard not on a label boundary (schema-invalid): check it on every request.
          else file(any, false);
        }
      }
      const { methods, headers, snis } = sub.cr;
      for (const [list, hosts] of lists) {
        const checks: RouteChecks = { methods, hosts, headers, snis };
        if (sub.prefixes !== null) for (const p of sub.prefixes) list.push(entry(sub, checks, p, null));
        else if (sub.regexes !== null) for (const r of sub.regexes) list.push(entry(sub, checks, null, r.re));
        else list.push(entry(sub, checks, null, null));
      }
    }
    this.#any = finishBucket(any, flatMax);
    for (const [k, l] of exact) this.#exact.set(k, finishBucket(l, flatMax));
    for (const [k, l] of suffix) this.#suffix.set(k, finishBucket(l, flatMax));
    for (const [k, l] of prefix) this.#prefix.set(k, finishBucket(l, flatMax));
    this.#noHost = { host: null, port: -1, flats: [], roots: [] };
    addBucket(this.#noHost, this.#any);
  }

  #resolveHost(raw: string | undefined): HostInfo {
    if (raw === undefined) return this.#noHost;
    const cached = this.#hostCache.get(raw);
    if (cached !== undefined) return cached;
    const hp = splitHostPort(raw);
    const host = asciiLower(hp.host);
    const info: HostInfo = { host, port: hp.port, flats: [], roots: [] };
    const exact = this.#exact.get(host);
    if (exact !== undefined) addBucket(info, exact);
    if (this.#suffix.size > 0 || this.#prefix.size > 0) {
      for (let i = host.indexOf('.'); i !== -1; i = host.indexOf('.', i + 1)) {
        const s = this.#suffix.get(host.slice(i));
        if (s !== undefined) addBucket(info, s);
        const p = this.#prefix.get(host.slice(0, i + 1));
        if (p !== undefined) addBucket(info, p);
      }
    }
    addBucket(info, this.#any);
    if (this.#hostCacheSize > 0) {
      if (this.#hostCache.size >= this.#hostCacheSize) this.#hostCache.clear();
      this.#hostCache.set(raw, info);
    }
    return info;
  }

  match(req: MatchRequest): RouteMatch | null {
    const path = normalizePath(req.path);
    const hi = this.#resolveHost(req.host);
    const host = hi.host;
    let port = hi.port;
    if (port === -1 && req.port !== undefined) port = req.port;

    let best: Entry | null = null;
    let bestRank = Number.POSITIVE_INFINITY;
    let bestExec: RegExpExecArray | null = null;

    // Small buckets: one rank-ordered list, the first full match is that list's best.
    // Large buckets: walk the tree along the path, collecting the nodes whose prefix the path starts with.
    const visited = this.#visited;
    let nv = 0;
    const flats = hi.flats;
    for (let b = 0; b < flats.length; b++) {
      const flat = flats[b]!;
      for (let j = 0; j < flat.length; j++) {
        const e = flat[j]!;
        if (e.rank >= bestRank) break;
        const p = e.prefix;
        if (p !== null && !path.startsWith(p)) continue;
        if (e.checks && !matchesNonPath(e, req, host, port)) continue;
        if (e.re !== null) {
          const m = e.re.exec(path);
          if (m === null) continue;
          bestExec = m;
        }
        best = e;
        bestRank = e.rank;
        break;
      }
    }
    const roots = hi.roots;
    const plen = path.length;
    for (let b = 0; b < roots.length; b++) {
      let node = roots[b]!;
      visited[nv++] = node;
      let i = 0;
      while (node.children !== null && i < plen) {
        const child = node.children.get(path.charCodeAt(i));
        if (child === undefined || !path.startsWith(child.label, i)) break;
        i += child.label.length;
        node = child;
        visited[nv++] = node;
      }
    }

    // Prefixes and path-less routes first (cheap), deepest node first, which tends to set a good bound.
    for (let k = nv - 1; k >= 0; k--) {
      const list = visited[k]!.plain;
      for (let j = 0; j < list.length; j++) {
        const e = list[j]!;
        if (e.rank >= bestRank) break;
        if (!e.checks || matchesNonPath(e, req, host, port)) {
          best = e;
          bestRank = e.rank;
          break;
        }
      }
    }
    // Regexes only while they could still beat the best so far.
    for (let k = nv - 1; k >= 0; k--) {
      const list = visited[k]!.regex;
      for (let j = 0; j < list.length; j++) {
        const e = list[j]!;
        if (e.rank >= bestRank) break;
        if (e.checks && !matchesNonPath(e, req, host, port)) continue;
        const m = e.re!.exec(path);
        if (m !== null) {
          best = e;
          bestRank = e.rank;
          bestExec = m;
          break;
        }
      }
    }
    if (best === null) return null;
    return buildMatch(best.sub, best.re !== null ? bestExec : best.prefix, path, req);
  }
}
