// URL and host lexing for SSRF / open-redirect detection: find URLs in a value, split out the
// scheme and authority the way a WHATWG URL parser (or a curl-like client) reads them (userinfo
// before the last `@`, backslashes as slashes, tab/newline dropped), and classify the host:
// IPv4 in every spelling inet_aton accepts (decimal dword, octal, hex, short forms), IPv6 with
// embedded / mapped IPv4, and names that resolve to internal addresses by convention.

export interface FoundUrl {
  scheme: string;
  /** Host as written (lower-cased, brackets kept for IPv6). */
  host: string;
  start: number;
  end: number;
}

function isSchemeChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46;
}

/** URLs with an authority (`scheme://host`), at most `max`. */
export function findUrls(s: string, max = 32): FoundUrl[] {
  const out: FoundUrl[] = [];
  let i = s.indexOf('://');
  while (i >= 0 && out.length < max) {
    let a = i;
    while (a > 0 && i - a < 32 && isSchemeChar(s.charCodeAt(a - 1))) a--;
    // scheme must start with a letter
    while (a < i && !/[a-z]/i.test(s[a]!)) a++;
    const scheme = s.slice(a, i).toLowerCase();
    const hs = i + 3;
    const { host, end } = readAuthority(s, hs);
    if (scheme.length > 0) out.push({ scheme, host, start: a, end });
    i = s.indexOf('://', i + 3);
  }
  return out;
}

/** Read an authority starting at `hs`: returns the host (userinfo and port removed). */
export function readAuthority(s: string, hs: number): { host: string; end: number } {
  let e = hs;
  const n = s.length;
  while (e < n && e - hs < 512) {
    const c = s.charCodeAt(e);
    if (c === 47 || c === 92 || c === 63 || c === 35 || c === 32 || c === 34 || c === 39 || c === 60 || c === 62 || c === 96 || c === 41 || c === 44 || c === 59 || c === 124 || c < 32) {
      if (c === 9 || c === 10 || c === 13) {
        e++;
        continue;
      }
      break;
    }
    e++;
  }
  let auth = s.slice(hs, e).replace(/[\t\r\n]/g, '');
  const at = auth.lastIndexOf('@');
  if (at >= 0) auth = auth.slice(at + 1);
  let host: string;
  if (auth.startsWith('[')) {
    const close = auth.indexOf(']');
    host = close > 0 ? auth.slice(0, close + 1) : auth;
  } else {
    const colon = auth.indexOf(':');
    host = colon >= 0 ? auth.slice(0, colon) : auth;
  }
  host = host.toLowerCase();
  // fullwidth / circled letters and digits normalise to ASCII in IDNA processing
  if (/[^\x00-\x7f]/.test(host)) host = host.normalize('NFKC').toLowerCase().replace(/[\u3002\uff0e\uff61]/g, '.');
  if (host.endsWith('.')) host = host.slice(0, -1);
  return { host, end: e };
}

/** Parse an IPv4 address in any inet_aton spelling; null if not one. `odd` = not plain dotted decimal. */
export function parseIPv4(host: string): { ip: number[]; odd: boolean } | null {
  if (host.length === 0 || host.length > 64) return null;
  const parts = host.split('.');
  if (parts.length > 4) return null;
  const nums: number[] = [];
  let odd = parts.length !== 4;
  for (const p of parts) {
    let v: number;
    if (/^0x[0-9a-f]*$/i.test(p)) {
      v = p.length === 2 ? 0 : parseInt(p.slice(2), 16);
      odd = true;
    } else if (/^0[0-7]+$/.test(p)) {
      v = parseInt(p, 8);
      odd = true;
    } else if (/^\d+$/.test(p)) {
      v = parseInt(p, 10);
      if (p.length > 1 && p[0] === '0') return null;
    } else return null;
    if (!Number.isFinite(v)) return null;
    nums.push(v);
  }
  // inet_aton: the last part fills the remaining bytes
  const ip: number[] = [];
  for (let k = 0; k < nums.length - 1; k++) {
    if (nums[k]! > 255) return null;
    ip.push(nums[k]!);
  }
  let last = nums[nums.length - 1]!;
  const rest = 4 - ip.length;
  if (last >= 2 ** (8 * rest)) return null;
  const tail: number[] = [];
  for (let k = 0; k < rest; k++) {
    tail.unshift(last & 255);
    last = Math.floor(last / 256);
  }
  return { ip: ip.concat(tail), odd };
}

export type HostClass = 'loopback' | 'metadata' | 'private' | 'link-local' | 'unspecified' | null;

export function classifyIPv4(ip: number[]): HostClass {
  const [a, b, c, d] = ip as [number, number, number, number];
  if (a === 127) return 'loopback';
  if (a === 0) return 'unspecified';
  if (a === 169 && b === 254) return c === 169 && d === 254 ? 'metadata' : 'link-local';
  if (a === 100 && b === 100 && c === 100 && d === 200) return 'metadata'; // Alibaba
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 100 && b >= 64 && b <= 127) return 'private'; // CGNAT
  if (a === 198 && (b === 18 || b === 19)) return 'private';
  return null;
}

function classifyIPv6(h: string): { cls: HostClass; odd: boolean } | null {
  const inner = h.slice(1, -1).replace(/%.*$/, '');
  if (inner.length > 64 || !/^[0-9a-f:.]+$/.test(inner) || inner.indexOf(':') < 0) return null;
  if (/^[0:]*:0*1$/.test(inner) && inner !== '1') return { cls: 'loopback', odd: false };
  if (/^[0:]+$/.test(inner)) return { cls: 'unspecified', odd: false };
  // IPv4-mapped / compatible: ::ffff:127.0.0.1, ::ffff:7f00:1, ::127.0.0.1
  const m = /^(?:[0:]*:)?(?:ffff:)?(?:0{1,4}:)?((?:\d{1,3}\.){3}\d{1,3})$/.exec(inner);
  if (m) {
    const v4 = parseIPv4(m[1]!);
    return { cls: v4 ? classifyIPv4(v4.ip) : null, odd: true };
  }
  const hx = /^(?:[0:]*:)?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(inner);
  if (hx) {
    const hi = parseInt(hx[1]!, 16);
    const lo = parseInt(hx[2]!, 16);
    return { cls: classifyIPv4([hi >> 8, hi & 255, lo >> 8, lo & 255]), odd: true };
  }
  if (/^fd00:ec2::254$/.test(inner)) return { cls: 'metadata', odd: false };
  if (/^f[cd][0-9a-f]{0,2}:/.test(inner)) return { cls: 'private', odd: false };
  if (/^fe[89ab][0-9a-f]?:/.test(inner)) return { cls: 'link-local', odd: false };
  return { cls: null, odd: false };
}

const INTERNAL_NAMES = new Set([
  'localhost', 'localhost.localdomain', 'ip6-localhost', 'ip6-loopback', 'metadata', 'metadata.google.internal',
  'metadata.goog', 'instance-data', 'instance-data.ec2.internal', 'kubernetes', 'kubernetes.default',
  'kubernetes.default.svc', 'localtest.me', 'lvh.me', 'vcap.me', 'lacolhost.com', 'spoofed.burpcollaborator.net',
]);

/** Classify a host name or address; `odd` marks an address spelled in an unusual way. */
export function classifyHost(host: string): { cls: HostClass; odd: boolean } {
  if (host.length === 0) return { cls: null, odd: false };
  if (host.startsWith('[')) return classifyIPv6(host) ?? { cls: null, odd: false };
  const v4 = parseIPv4(host);
  if (v4) return { cls: classifyIPv4(v4.ip), odd: v4.odd };
  if (INTERNAL_NAMES.has(host) || host.endsWith('.localhost') || host.endsWith('.localtest.me') || host.endsWith('.lvh.me')) {
    return { cls: host.startsWith('metadata') || host.startsWith('instance-data') ? 'metadata' : 'loopback', odd: false };
  }
  if (host.endsWith('.internal') || host.endsWith('.svc.cluster.local') || host.endsWith('.cluster.local')) return { cls: 'private', odd: false };
  // wildcard DNS services embedding an address: 127.0.0.1.nip.io, 10-0-0-1.sslip.io, 7f000001.nip.io
  const wild = !/\.(?:nip\.io|xip\.io|sslip\.io|traefik\.me|localtest\.me|nip\.direct)$/.test(host) ? null : /^(?:.*?[.-])?((?:\d{1,3}[.-]){3}\d{1,3}|[0-9a-f]{8})\.(?:nip\.io|xip\.io|sslip\.io|traefik\.me|localtest\.me|nip\.direct)$/.exec(host);
  // DNS rebinding services answering with one of two embedded addresses: 7f000001.a9fea9fe.rbndr.us
  if (host.endsWith('.rbndr.us')) {
    const m = /^([0-9a-f]{8})\.([0-9a-f]{8})\.rbndr\.us$/.exec(host);
    if (m) {
      const cls = [m[1]!, m[2]!].map((a) => classifyIPv4([0, 2, 4, 6].map((k) => parseInt(a.slice(k, k + 2), 16))));
      return { cls: cls.find((c) => c === 'metadata') ?? cls.find((c) => c !== null) ?? null, odd: true };
    }
  }
  if (wild) {
    const a = wild[1]!;
    const ip = a.length === 8 && !/[.-]/.test(a) ? [0, 2, 4, 6].map((k) => parseInt(a.slice(k, k + 2), 16)) : a.split(/[.-]/).map(Number);
    return { cls: classifyIPv4(ip) ?? null, odd: true };
  }
  return { cls: null, odd: false };
}
