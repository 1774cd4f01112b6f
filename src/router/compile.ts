// Turning Route entities into what the matchers evaluate: pre-lowered hosts, headers and snis,
// compiled regexes, one SubRoute per path group with its priority, and the per-attribute checks
// shared by the indexed and the linear router.

import type { Route, Service } from '../store/types.js';
import { compileRegex, literalPrefix } from './regex.js';
import { compareSubRoutePriority, computePriority, splitPathGroups } from './priority.js';
import type { MatchRequest, RouterBuildError } from './types.js';

export const HOST_EXACT = 0;
export const HOST_SUFFIX = 1; // `*.a.test`: value `.a.test`, the host must end with it
export const HOST_PREFIX = 2; // `a.*`: value `a.`, the host must start with it

export interface HostPattern {
  kind: 0 | 1 | 2;
  /** Lower-cased, without `*` and without port. */
  value: string;
  /** Required destination port, or -1. */
  port: number;
}

export interface HeaderCondition {
  /** Lower-case name with `-` (how the proxy stores it). */
  name: string;
  /** The same name with `_`, tried when `name` is absent (Kong treats `-` and `_` alike); null if identical. */
  altName: string | null;
  /** ASCII-lower-cased literal values. */
  values: string[];
  /** `~*re` values, compiled case-insensitive and unanchored (atc `~`). */
  regexes: RegExp[];
}

export interface PathRegex {
  re: RegExp;
  /** Literal text every match starts with (index key); '' when unknown. */
  literal: string;
}

/** The non-path conditions of a route (null = attribute not set). */
export interface RouteChecks {
  methods: string[] | null;
  hosts: HostPattern[] | null;
  headers: HeaderCondition[] | null;
  snis: HostPattern[] | null;
}

export interface CompiledRoute extends RouteChecks {
  route: Route;
  service: Service | null;
  /** https in protocols and http not: the request must come over https or be redirected. */
  httpsOnly: boolean;
}

export interface SubRoute {
  // What building the RouteMatch needs, copied here so the winner costs one object to read.
  route: Route;
  service: Service | null;
  stripPath: boolean;
  /** service.path (null: joined onto `/`). */
  servicePath: string | null;
  /** https_redirect_status_code when the route is https-only, else null. */
  redirectStatus: number | null;
  cr: CompiledRoute;
  priority: bigint;
  id: string;
  /** Position in the global priority order: lower is better; unique. */
  rank: number;
  /** Prefix paths of this group (same length), or null. */
  prefixes: string[] | null;
  /** Regex paths of this group (in route order), or null. */
  regexes: PathRegex[] | null;
}

const HTTP_PROTOCOLS = new Set(['http', 'https', 'grpc', 'grpcs']);

/** ASCII-only lower-casing, as Lua's string.lower. */
export function asciiLower(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}

/** `a` equals the already-lower-cased `lowerB` ignoring ASCII case; allocation-free. */
export function equalsAsciiLower(a: string, lowerB: string): boolean {
  const n = a.length;
  if (n !== lowerB.length) return false;
  for (let i = 0; i < n; i++) {
    let c = a.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lowerB.charCodeAt(i)) return false;
  }
  return true;
}

/** Split `host[:port]` like Kong's split_host_port (a non-numeric port keeps the whole string); handles `[v6]:port`. */
export function splitHostPort(raw: string): { host: string; port: number } {
  let colon: number;
  if (raw.charCodeAt(0) === 91 /* [ */) {
    const close = raw.indexOf(']');
    colon = close === -1 ? -1 : raw.indexOf(':', close);
    if (colon !== -1 && colon !== close + 1) colon = -1;
  } else {
    colon = raw.indexOf(':');
  }
  if (colon === -1) return { host: raw, port: -1 };
  const portText = raw.slice(colon + 1);
  if (!/^[0-9]{1,5}$/.test(portText)) return { host: raw, port: -1 };
  return { host: raw.slice(0, colon), port: Number(portText) };
}

function compileHostPattern(entry: string, stripTrailingDot: boolean): HostPattern {
  const { host, port } = splitHostPort(entry);
  let h = asciiLower(host);
  if (stripTrailingDot && h.length > 1 && h.endsWith('.')) h = h.slice(0, -1);
  if (h.startsWith('*')) return { kind: HOST_SUFFIX, value: h.slice(1), port };
  if (h.endsWith('*')) return { kind: HOST_PREFIX, value: h.slice(0, -1), port };
  return { kind: HOST_EXACT, value: h, port };
}

export function hostPatternMatches(p: HostPattern, host: string, port: number): boolean {
  if (p.port !== -1 && p.port !== port) return false;
  switch (p.kind) {
    case HOST_EXACT:
      return host === p.value;
    case HOST_SUFFIX:
      return host.endsWith(p.value);
    default:
      return host.startsWith(p.value);
  }
}

function compileHeaders(headers: Record<string, string[]>): HeaderCondition[] | null {
  const out: HeaderCondition[] = [];
  for (const key of Object.keys(headers)) {
    const values = headers[key];
    const lower = asciiLower(key);
    const name = lower.replace(/_/g, '-');
    const under = lower.replace(/-/g, '_');
    const cond: HeaderCondition = { name, altName: under === name ? null : under, values: [], regexes: [] };
    for (const v of values ?? []) {
      if (v.startsWith('~*')) cond.regexes.push(compileRegex(v.slice(2), 'i'));
      else cond.values.push(asciiLower(v));
    }
    out.push(cond);
  }
  return out.length > 0 ? out : null;
}

function headerValueMatches(c: HeaderCondition, v: string): boolean {
  for (let i = 0; i < c.values.length; i++) if (equalsAsciiLower(v, c.values[i]!)) return true;
  for (let i = 0; i < c.regexes.length; i++) if (c.regexes[i]!.test(v)) return true;
  return false;
}

/**
 * Every attribute except paths (methods, hosts, snis, headers). `host` is the lower-cased Host
 * without port (null when absent); `port` the destination port for `host:port` entries, or -1.
 */
export function matchesNonPath(cr: RouteChecks, req: MatchRequest, host: string | null, port: number): boolean {
  const methods = cr.methods;
  if (methods !== null && !methods.includes(req.method)) return false;
  const hosts = cr.hosts;
  if (hosts !== null) {
    if (host === null) return false;
    let ok = false;
    for (let i = 0; i < hosts.length; i++) {
      if (hostPatternMatches(hosts[i]!, host, port)) {
        ok = true;
        break;
      }
    }
    if (!ok) return false;
  }
  // `net.protocol != "https" || tls.sni == …`: snis only constrain https requests.
  const snis = cr.snis;
  if (snis !== null && req.protocol === 'https') {
    const raw = req.sni;
    if (raw === undefined || raw === '') return false;
    let sni = asciiLower(raw);
    if (sni.length > 1 && sni.endsWith('.')) sni = sni.slice(0, -1);
    let ok = false;
    for (let i = 0; i < snis.length; i++) {
      if (hostPatternMatches(snis[i]!, sni, -1)) {
        ok = true;
        break;
      }
    }
    if (!ok) return false;
  }
  const headers = cr.headers;
  if (headers !== null) {
    const get = req.headers;
    if (get === undefined) return false;
    for (let i = 0; i < headers.length; i++) {
      const c = headers[i]!;
      let v = get(c.name);
      if (v === undefined && c.altName !== null) v = get(c.altName);
      if (v === undefined) return false;
      if (typeof v === 'string') {
        if (!headerValueMatches(c, v)) return false;
      } else {
        let ok = false;
        for (let j = 0; j < v.length; j++) {
          if (headerValueMatches(c, v[j]!)) {
            ok = true;
            break;
          }
        }
        if (!ok) return false;
      }
    }
  }
  return true;
}

function asArray<T>(v: T[] | null | undefined): T[] | null {
  return Array.isArray(v) && v.length > 0 ? v : null;
}

export interface CompiledRoutes {
  /** All sub-routes, sorted by priority (best first); `rank` is the index. */
  subRoutes: SubRoute[];
  routeCount: number;
  errors: RouterBuildError[];
}

/**
 * Compile the routes the http router serves. Left out, like Kong: stream-only routes, routes whose
 * service is disabled, and routes with a regex that does not compile (reported in `errors`).
 * A route whose service id is unknown keeps `service: null` (the proxy answers 503).
 */
export function compileRoutes(routes: readonly Route[], services: Map<string, Service> | readonly Service[]): CompiledRoutes {
  const serviceById = services instanceof Map ? services : new Map(services.map((s) => [s.id, s]));
  const subRoutes: SubRoute[] = [];
  const errors: RouterBuildError[] = [];
  let routeCount = 0;
  for (const route of routes) {
    const protocols = route.protocols ?? ['http', 'https'];
    if (!protocols.some((p) => HTTP_PROTOCOLS.has(p))) continue;
    const service = route.service ? (serviceById.get(route.service.id) ?? null) : null;
    if (service !== null && service.enabled === false) continue;
    let cr: CompiledRoute;
    let subs: SubRoute[];
    try {
      cr = {
        route,
        service,
        methods: asArray(route.methods),
        hosts: asArray(route.hosts)?.map((h) => compileHostPattern(h, false)) ?? null,
        headers: route.headers ? compileHeaders(route.headers) : null,
        snis: asArray(route.snis)?.map((h) => compileHostPattern(h, true)) ?? null,
        httpsOnly: protocols.includes('https') && !protocols.includes('http'),
      };
      subs = splitPathGroups(route.paths).map((g) => {
        const sub: SubRoute = {
          route,
          service,
          stripPath: route.strip_path === true,
          servicePath: service?.path ?? null,
          redirectStatus: cr.httpsOnly ? route.https_redirect_status_code || 426 : null,
          cr,
          priority: computePriority(route, g),
          id: asciiLower(route.id),
          rank: 0,
          prefixes: null,
          regexes: null,
        };
        if (g.kind === 'prefix') sub.prefixes = g.paths.map(toByteString);
        else if (g.kind === 'regex') {
          sub.regexes = g.paths.map((p) => {
            const re = compileRegex(p.slice(1), '', true);
            return { re, literal: literalPrefix(re) };
          });
        }
        return sub;
      });
    } catch (err) {
      errors.push({ route, message: `invalid route: ${(err as Error).message}` });
      continue;
    }
    routeCount++;
    for (const s of subs) subRoutes.push(s);
  }
  subRoutes.sort(compareSubRoutePriority);
  for (let i = 0; i < subRoutes.length; i++) subRoutes[i]!.rank = i;
  return { subRoutes, routeCount, errors };
}

// Request paths are byte strings; a route path given with non-ASCII characters is encoded to match.
function toByteString(s: string): string {
  // eslint-disable-next-line no-control-regex
  return /[^\x00-\x7f]/.test(s) ? Buffer.from(s, 'utf8').toString('latin1') : s;
}
