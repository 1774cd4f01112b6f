// IPv4/IPv6 addresses and CIDR blocks as bigints, so one comparison matches either family.
// IPv4-mapped IPv6 addresses (::ffff:1.2.3.4, what a dual-stack socket reports) count as IPv4.

export interface IpAddr {
  v: 4 | 6;
  n: bigint;
}

export interface Cidr {
  v: 4 | 6;
  /** Network address (host bits cleared). */
  base: bigint;
  prefix: number;
  /** Canonical text, e.g. 10.0.0.0/8, 2001:db8::/32, 1.2.3.4 (a single address prints without /32). */
  text: string;
}

const V4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseV4(s: string): bigint | null {
  const m = V4_RE.exec(s);
  if (!m) return null;
  let n = 0n;
  for (let i = 1; i <= 4; i++) {
    const part = m[i]!;
    if (part.length > 1 && part[0] === '0') return null; // no octal ambiguity
    const b = Number(part);
    if (b > 255) return null;
    n = (n << 8n) | BigInt(b);
  }
  return n;
}

function parseV6(s: string): bigint | null {
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (s.length < 2 || s.length > 45) return null;
  let tail4: bigint | null = null;
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) > 0) {
    tail4 = parseV4(s.slice(lastColon + 1));
    if (tail4 === null) return null;
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const dbl = s.indexOf('::');
  if (dbl >= 0 && s.indexOf('::', dbl + 1) >= 0) return null;
  let groups: string[];
  if (dbl >= 0) {
    const head = s.slice(0, dbl) === '' ? [] : s.slice(0, dbl).split(':');
    const tail = s.slice(dbl + 2) === '' ? [] : s.slice(dbl + 2).split(':');
    const fill = 8 - head.length - tail.length;
    if (fill < 1) return null;
    groups = [...head, ...Array<string>(fill).fill('0'), ...tail];
  } else {
    groups = s.split(':');
  }
  if (groups.length !== 8) return null;
  let n = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  if (tail4 !== null) n = (n & ~0xffffffffn) | tail4;
  return n;
}

/** Parse an address (v4, v6, v4-mapped v6, optional [brackets]); null when it is not one. */
export function parseIp(text: string): IpAddr | null {
  let s = text.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (s.includes(':')) {
    const n = parseV6(s);
    if (n === null) return null;
    if (n >> 32n === 0xffffn) return { v: 4, n: n & 0xffffffffn };
    return { v: 6, n };
  }
  const n = parseV4(s);
  return n === null ? null : { v: 4, n };
}

function bits(v: 4 | 6): number {
  return v === 4 ? 32 : 128;
}

export function formatIp(ip: IpAddr): string {
  if (ip.v === 4) {
    const n = Number(ip.n);
    return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((ip.n >> BigInt(i * 16)) & 0xffffn));
  // Longest run of zero groups (length >= 2) becomes '::' (RFC 5952).
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return hex.slice(0, best).join(':') + '::' + hex.slice(best + bestLen).join(':');
}

/** Normalised text of an address (v4-mapped v6 printed as v4), or null. */
export function normalizeIp(text: string): string | null {
  const ip = parseIp(text);
  return ip ? formatIp(ip) : null;
}

/** Parse "addr" or "addr/prefix"; null when invalid. Host bits are cleared. */
export function parseCidr(text: string): Cidr | null {
  const s = text.trim();
  const slash = s.indexOf('/');
  const ip = parseIp(slash >= 0 ? s.slice(0, slash) : s);
  if (!ip) return null;
  const max = bits(ip.v);
  let prefix = max;
  if (slash >= 0) {
    const p = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return null;
    prefix = Number(p);
    // a v4-mapped v6 CIDR (::ffff:10.0.0.0/104) becomes the v4 CIDR it covers
    if (ip.v === 4 && s.slice(0, slash).includes(':')) prefix -= 96;
    if (prefix < 0 || prefix > max) return null;
  }
  const shift = BigInt(max - prefix);
  const base = (ip.n >> shift) << shift;
  const addr = formatIp({ v: ip.v, n: base });
  return { v: ip.v, base, prefix, text: prefix === max ? addr : `${addr}/${prefix}` };
}

export function cidrContains(c: Cidr, ip: IpAddr): boolean {
  if (c.v !== ip.v) return false;
  const shift = BigInt(bits(c.v) - c.prefix);
  return ip.n >> shift === c.base >> shift;
}

/** True when the address is in any of the blocks. */
export function inNetworks(nets: readonly Cidr[], ip: IpAddr | string | null | undefined): boolean {
  if (ip == null) return false;
  const a = typeof ip === 'string' ? parseIp(ip) : ip;
  if (!a) return false;
  for (const c of nets) if (cidrContains(c, a)) return true;
  return false;
}

/** Parse a list of CIDRs, throwing a readable error for the first bad one. */
export function parseNetworks(list: unknown, what: string): Cidr[] {
  if (list == null) return [];
  if (!Array.isArray(list)) throw new Error(`${what} must be a list of addresses or CIDR blocks`);
  return list.map((x) => {
    const c = typeof x === 'string' ? parseCidr(x) : null;
    if (!c) throw new Error(`${what}: '${String(x)}' is not an IP address or CIDR block`);
    return c;
  });
}

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  const ip = parseIp(host);
  if (!ip) return false;
  if (ip.v === 4) return ip.n >> 24n === 127n;
  return ip.n === 1n;
}
