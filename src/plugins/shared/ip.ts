// IPv4/IPv6 addresses and CIDR ranges as byte arrays, for allow/deny lists (Kong: resty.ipmatcher).
import net from 'node:net';

export interface Cidr {
  family: 4 | 6;
  bytes: Uint8Array;
  bits: number;
}

function v4Bytes(ip: string): Uint8Array {
  return Uint8Array.from(ip.split('.').map(Number));
}

function v6Bytes(ip: string): Uint8Array {
  let s = ip;
  // embedded IPv4 (::ffff:1.2.3.4) becomes two hex words
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    const b = v4Bytes(s.slice(lastColon + 1));
    s = s.slice(0, lastColon + 1) + ((b[0]! << 8) | b[1]!).toString(16) + ':' + ((b[2]! << 8) | b[3]!).toString(16);
  }
  const dbl = s.indexOf('::');
  const parse = (part: string) => (part ? part.split(':').map((h) => parseInt(h, 16)) : []);
  let words: number[];
  if (dbl >= 0) {
    const h = parse(s.slice(0, dbl));
    const r = parse(s.slice(dbl + 2));
    words = [...h, ...new Array(8 - h.length - r.length).fill(0), ...r];
  } else words = parse(s);
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[i * 2] = (words[i]! >> 8) & 0xff;
    out[i * 2 + 1] = words[i]! & 0xff;
  }
  return out;
}

/** Parse an address; IPv4-mapped IPv6 (::ffff:a.b.c.d) is treated as IPv4, as nginx reports it. */
export function parseIp(ip: string): { family: 4 | 6; bytes: Uint8Array } | null {
  const v = ip.startsWith('::ffff:') && net.isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
  const fam = net.isIP(v);
  if (fam === 4) return { family: 4, bytes: v4Bytes(v) };
  if (fam === 6) return { family: 6, bytes: v6Bytes(v) };
  return null;
}

export function parseCidr(v: string): Cidr | null {
  const [ip, bits, ...rest] = v.split('/');
  if (rest.length || !ip) return null;
  const p = parseIp(ip);
  if (!p) return null;
  const max = p.family === 4 ? 32 : 128;
  if (bits === undefined) return { ...p, bits: max };
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return null;
  return { ...p, bits: Number(bits) };
}

export function cidrContains(c: Cidr, addr: { family: 4 | 6; bytes: Uint8Array }): boolean {
  if (c.family !== addr.family) return false;
  let bits = c.bits;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((c.bytes[i]! & mask) !== (addr.bytes[i]! & mask)) return false;
  }
  return true;
}

/** A compiled list: does any range contain the address? */
export function ipMatcher(list: string[]): (ip: string) => boolean {
  const cidrs = list.map(parseCidr).filter((c): c is Cidr => c !== null);
  return (ip) => {
    const a = parseIp(ip);
    return a !== null && cidrs.some((c) => cidrContains(c, a));
  };
}
