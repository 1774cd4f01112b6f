// Real client address and original host from proxy headers (docs/waf.md §4). Headers are trusted only
// when the direct peer sits in a rule's trusted_networks (Wallarm trusts every peer when the list is
// omitted; we require it). First matching rule wins; first address of a comma-separated list.
import { inNetworks, normalizeIp, parseIp, parseNetworks, type Cidr } from './ip.js';

export interface ProxyHeadersRule {
  trusted_networks: string[];
  real_ip?: string[];
  original_host?: string[];
}

interface CompiledRule {
  trusted: Cidr[];
  realIp: string[];
  originalHost: string[];
}

export interface RealSource {
  clientIp: string | null;
  host: string | null;
}

export class RealIpResolver {
  private readonly rules: CompiledRule[];

  constructor(rules: unknown) {
    if (rules == null) { this.rules = []; return; }
    if (!Array.isArray(rules)) throw new Error('proxy_headers must be a list of {trusted_networks, real_ip, original_host}');
    this.rules = rules.map((r, i) => {
      const rule = r as Partial<ProxyHeadersRule> | null;
      if (!rule || typeof rule !== 'object') throw new Error(`proxy_headers[${i}] must be an object`);
      if (!Array.isArray(rule.trusted_networks) || rule.trusted_networks.length === 0) {
        throw new Error(`proxy_headers[${i}].trusted_networks is required (a list of CIDR blocks)`);
      }
      const names = (v: unknown, what: string): string[] => {
        if (v == null) return [];
        if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new Error(`proxy_headers[${i}].${what} must be a list of header names`);
        return (v as string[]).map((x) => x.toLowerCase());
      };
      return {
        trusted: parseNetworks(rule.trusted_networks, `proxy_headers[${i}].trusted_networks`),
        realIp: names(rule.real_ip, 'real_ip'),
        originalHost: names(rule.original_host, 'original_host'),
      };
    });
  }

  get empty(): boolean {
    return this.rules.length === 0;
  }

  /** The real client address and host for a request whose direct peer is `peer`. */
  resolve(peer: string | null | undefined, headers: ReadonlyArray<readonly [string, string]>): RealSource {
    const peerIp = peer ? normalizeIp(peer) ?? peer : null;
    const out: RealSource = { clientIp: peerIp, host: null };
    if (!peerIp || this.rules.length === 0) return out;
    const addr = parseIp(peerIp);
    if (!addr) return out;
    for (const rule of this.rules) {
      if (!inNetworks(rule.trusted, addr)) continue;
      for (const name of rule.realIp) {
        const ip = firstAddress(header(headers, name));
        if (ip) { out.clientIp = ip; break; }
      }
      for (const name of rule.originalHost) {
        const h = header(headers, name);
        const first = h?.split(',')[0]?.trim();
        if (first) { out.host = first; break; }
      }
      return out;
    }
    return out;
  }
}

function header(headers: ReadonlyArray<readonly [string, string]>, lower: string): string | undefined {
  for (const [k, v] of headers) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** First address of "a, b, c", with an optional port ("1.2.3.4:80", "[::1]:80") stripped. */
export function firstAddress(value: string | undefined): string | null {
  if (!value) return null;
  let first = value.split(',')[0]!.trim();
  if (first.startsWith('"') && first.endsWith('"')) first = first.slice(1, -1);
  const direct = normalizeIp(first);
  if (direct) return direct;
  const v6port = /^\[([^\]]+)\]:\d+$/.exec(first);
  if (v6port) return normalizeIp(v6port[1]!);
  const v4port = /^([\d.]+):\d+$/.exec(first);
  if (v4port) return normalizeIp(v4port[1]!);
  return null;
}
