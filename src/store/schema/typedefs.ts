// Reusable field definitions (kong/db/schema/typedefs.lua).
import net from 'node:net';
import type { Field } from './types.js';

export const PROTOCOLS = ['grpc', 'grpcs', 'http', 'https', 'tcp', 'tls', 'tls_passthrough', 'udp'];

export const id: Field = {
  type: 'string',
  uuid: true,
  auto: true,
  description: 'A string representing a UUID (universally unique identifier).',
};

export const auto_timestamp_s: Field = {
  type: 'integer',
  timestamp: 's',
  auto: true,
  description: 'An integer representing an automatic Unix timestamp in seconds.',
};

export const auto_timestamp_ms: Field = {
  type: 'number',
  timestamp: 'ms',
  auto: true,
  description: 'A number representing an automatic Unix timestamp in floating point seconds.',
};

const TAG_RE = /^[\x20-\x2b\x2d-\x2e\x30-\x7e]+$/;

export const tags: Field = {
  type: 'set',
  elements: {
    type: 'string',
    required: true,
    custom(t: string) {
      // printable ASCII except ',' and '/', or any non-ASCII UTF-8
      if (TAG_RE.test(t)) return undefined;
      if (/[^\x00-\x7f]/.test(t) && !/[\x00-\x1f,/\x7f]/.test(t)) return undefined;
      return `invalid tag '${t}': expected printable ascii (except \`,\` and \`/\`) or valid utf-8 sequences`;
    },
  },
  description: 'A set of strings representing tags.',
};

const NAME_RE = /^[A-Za-z0-9.\-_~\u0080-\uffff]+$/;
export const utf8_name: Field = {
  type: 'string',
  unique: true,
  custom(v: string) {
    if (!NAME_RE.test(v)) {
      return `invalid value '${v}': the only accepted ascii characters are alphanumerics or ., -, _, and ~`;
    }
    return undefined;
  },
  description: 'A string representing a UTF-8 encoded name.',
};

export const protocol: Field = { type: 'string', one_of: PROTOCOLS };

export const port: Field = { type: 'integer', between: [0, 65535], description: 'An integer representing a port number between 0 and 65535, inclusive.' };

export const timeout: Field = {
  type: 'integer',
  between: [1, 2 ** 31 - 2],
  description: 'An integer representing a timeout in milliseconds. Must be between 1 and 2^31-2.',
};

const HOSTNAME_RE = /^(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

export function isHostname(h: string): boolean {
  return HOSTNAME_RE.test(h);
}

/** Split "host:port" / "[v6]:port"; port undefined when absent. */
export function splitHostPort(v: string): { host: string; port?: number; bad?: boolean } {
  if (v.startsWith('[')) {
    const end = v.indexOf(']');
    if (end < 0) return { host: v, bad: true };
    const host = v.slice(1, end);
    const rest = v.slice(end + 1);
    if (rest === '') return { host };
    if (!/^:\d{1,5}$/.test(rest)) return { host, bad: true };
    return { host, port: Number(rest.slice(1)) };
  }
  if (net.isIPv6(v)) return { host: v };
  const colon = v.lastIndexOf(':');
  if (colon < 0) return { host: v };
  const p = v.slice(colon + 1);
  if (!/^\d{1,5}$/.test(p)) return { host: v, bad: true };
  return { host: v.slice(0, colon), port: Number(p) };
}

export function validateHostValue(v: string): string | undefined {
  const hp = splitHostPort(v);
  if (hp.bad) return `invalid value: ${v}`;
  if (hp.port !== undefined) return 'must not have a port';
  if (net.isIP(hp.host) || isHostname(hp.host)) return undefined;
  return `invalid value: ${v}`;
}

export const host: Field = {
  type: 'string',
  custom: validateHostValue,
  description: 'A string representing a host name, such as example.com.',
};

const PATH_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/;

export function validatePathValue(v: string): string | undefined {
  if (!v.startsWith('/')) return 'should start with: /';
  if (v.includes('//')) return 'must not have empty segments';
  if (!PATH_CHARS.test(v)) return `invalid path: '${v}' (characters outside of the reserved list of RFC 3986 found)`;
  const bad = /%(?![0-9A-Fa-f]{2})/.exec(v);
  if (bad) return `invalid url-encoded value: '${v.slice(bad.index, bad.index + 3)}'`;
  return undefined;
}

export const path: Field = {
  type: 'string',
  custom: validatePathValue,
  description: 'A string representing a URL path, such as /path/to/resource. Must start with a forward slash (/) and must not contain empty segments (i.e., two consecutive forward slashes).',
};

/** Host with an optional port and at most one wildcard, leftmost or rightmost (routes.hosts, snis). */
export function validateWildcardHost(v: string, allowPort: boolean): string | undefined {
  const hp = splitHostPort(v);
  if (hp.bad) return `invalid value: ${v}`;
  if (hp.port !== undefined && !allowPort) return 'must not have a port';
  if (hp.port !== undefined && hp.port > 65535) return `invalid port number`;
  const h = hp.host;
  const stars = h.split('*').length - 1;
  if (stars > 1) return 'only one wildcard must be specified';
  if (stars === 1) {
    if (!(h.startsWith('*.') || h.endsWith('.*'))) return 'wildcard must be leftmost or rightmost character';
    const rest = h.startsWith('*.') ? h.slice(2) : h.slice(0, -2);
    if (!isHostname(rest)) return `invalid wildcard: ${v}`;
    return undefined;
  }
  if (net.isIP(h) || isHostname(h)) return undefined;
  return `invalid value: ${v}`;
}

export const wildcard_host: Field = {
  type: 'string',
  custom: (v) => validateWildcardHost(v, true),
  description: 'A string representing a wildcard host name, such as *.example.com.',
};

const HEADER_NAME_RE = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
export function isHeaderName(v: string): boolean {
  return HEADER_NAME_RE.test(v);
}

export const header_name: Field = {
  type: 'string',
  custom: (v) => (isHeaderName(v) ? undefined : `bad header name '${v}', allowed characters are A-Z, a-z, 0-9, '_', and '-'`),
};

export const protocols: Field = {
  type: 'set',
  required: true,
  default: ['grpc', 'grpcs', 'http', 'https'],
  elements: { type: 'string', one_of: PROTOCOLS },
  description: 'A set of strings representing HTTP protocols.',
};

export const protocols_http: Field = {
  ...protocols,
  elements: { type: 'string', one_of: ['grpc', 'grpcs', 'http', 'https'] },
};

export function foreign(reference: string, extra: Partial<Field> = {}): Field {
  return { type: 'foreign', reference, ...extra };
}

export function isIpOrCidr(v: string): boolean {
  const [ip, bits, ...rest] = v.split('/');
  if (rest.length || !ip) return false;
  const fam = net.isIP(ip);
  if (!fam) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (fam === 4 ? 32 : 128);
}

/** The auto fields most entities start with: id, created_at, updated_at (in Kong's order). */
export function autoFields(stamp: Field = auto_timestamp_s): Record<string, Field>[] {
  return [{ id }, { created_at: stamp }, { updated_at: { ...stamp, timestamp_update: true } }];
}
