// upstreams and targets (kong/db/schema/entities/upstreams.lua, targets.lua)
import net from 'node:net';
import type { EntitySchema, Field, FieldErrors } from '../types.js';
import * as t from '../typedefs.js';

const HASH_ON = ['none', 'consumer', 'ip', 'header', 'cookie', 'path', 'query_arg', 'uri_capture'];

const statuses = (def: number[]): Field => ({
  type: 'array',
  default: def,
  elements: { type: 'integer', between: [100, 999] },
});

const nonNeg = (def: number, max = 2 ** 31): Field => ({ type: 'number', default: def, between: [0, max] });
const counter = (def: number): Field => ({ type: 'integer', default: def, between: [0, 255] });

const activeHealthy: Field = {
  type: 'record',
  fields: [{ interval: nonNeg(0, 65535) }, { http_statuses: statuses([200, 302]) }, { successes: counter(0) }],
};
const activeUnhealthy: Field = {
  type: 'record',
  fields: [
    { interval: nonNeg(0, 65535) },
    { http_statuses: statuses([429, 404, 500, 501, 502, 503, 504, 505]) },
    { tcp_failures: counter(0) },
    { timeouts: counter(0) },
    { http_failures: counter(0) },
  ],
};
const passiveHealthy: Field = {
  type: 'record',
  fields: [
    { http_statuses: statuses([200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 306, 307, 308]) },
    { successes: counter(0) },
  ],
};
const passiveUnhealthy: Field = {
  type: 'record',
  fields: [
    { http_statuses: statuses([429, 500, 503]) },
    { tcp_failures: counter(0) },
    { timeouts: counter(0) },
    { http_failures: counter(0) },
  ],
};

export const healthchecksField: Field = {
  type: 'record',
  fields: [
    {
      active: {
        type: 'record',
        fields: [
          { type: { type: 'string', default: 'http', one_of: ['tcp', 'http', 'https', 'grpc', 'grpcs'] } },
          { timeout: nonNeg(1, 65535) },
          { concurrency: { type: 'integer', default: 10, between: [1, 2 ** 31] } },
          { http_path: { ...t.path, default: '/' } },
          { https_sni: { type: 'string' } },
          { https_verify_certificate: { type: 'boolean', default: true } },
          { headers: { type: 'map', keys: { type: 'string' }, values: { type: 'array', elements: { type: 'string' } } } },
          { healthy: activeHealthy },
          { unhealthy: activeUnhealthy },
        ],
      },
    },
    {
      passive: {
        type: 'record',
        fields: [
          { type: { type: 'string', default: 'http', one_of: ['tcp', 'http', 'https', 'grpc', 'grpcs'] } },
          { healthy: passiveHealthy },
          { unhealthy: passiveUnhealthy },
        ],
      },
    },
    { threshold: { type: 'number', default: 0, between: [0, 100] } },
  ],
};

function validateUpstreamName(v: string): string | undefined {
  const hp = t.splitHostPort(v);
  if (net.isIP(hp.host) || net.isIP(v)) return `Invalid name ('${v}'); no ip addresses allowed`;
  if (hp.port !== undefined) return `Invalid name ('${v}'); no port allowed`;
  if (!t.isHostname(v)) return `Invalid name ('${v}'); must be a valid hostname`;
  return undefined;
}

export const upstreams: EntitySchema = {
  name: 'upstreams',
  primary_key: ['id'],
  endpoint_key: 'name',
  fields: [
    ...t.autoFields(),
    { name: { type: 'string', required: true, unique: true, custom: validateUpstreamName } },
    {
      algorithm: {
        type: 'string',
        default: 'round-robin',
        one_of: ['consistent-hashing', 'least-connections', 'round-robin', 'latency'],
      },
    },
    { hash_on: { type: 'string', default: 'none', one_of: HASH_ON } },
    { hash_fallback: { type: 'string', default: 'none', one_of: HASH_ON } },
    { hash_on_header: t.header_name },
    { hash_fallback_header: t.header_name },
    { hash_on_cookie: { type: 'string' } },
    { hash_on_cookie_path: { ...t.path, default: '/' } },
    { hash_on_query_arg: { type: 'string' } },
    { hash_fallback_query_arg: { type: 'string' } },
    { hash_on_uri_capture: { type: 'string' } },
    { hash_fallback_uri_capture: { type: 'string' } },
    { slots: { type: 'integer', default: 10000, between: [10, 2 ** 16] } },
    { healthchecks: healthchecksField },
    { tags: t.tags },
    { host_header: { type: 'string', custom: (v: string) => (t.splitHostPort(v).bad ? `invalid value: ${v}` : undefined) } },
    { client_certificate: t.foreign('certificates') },
    { use_srv_name: { type: 'boolean', default: false } },
  ],
  shorthand(input) {
    const out = { ...input };
    if (out.hash_on !== undefined && out.algorithm === undefined) {
      out.algorithm = out.hash_on === 'none' || out.hash_on === null ? 'round-robin' : 'consistent-hashing';
    }
    if (out.algorithm === 'least-connections' || out.algorithm === 'latency') {
      if (out.hash_on === undefined || out.hash_on === null) out.hash_on = 'none';
    }
    return out;
  },
  entity_checks: [
    (e) => {
      const errors: FieldErrors = {};
      if (e.hash_on === 'header' && !e.hash_on_header) errors.hash_on_header = 'required field missing';
      if (e.hash_fallback === 'header' && !e.hash_fallback_header) errors.hash_fallback_header = 'required field missing';
      if ((e.hash_on === 'cookie' || e.hash_fallback === 'cookie') && !e.hash_on_cookie) errors.hash_on_cookie = 'required field missing';
      if (e.hash_on === 'query_arg' && !e.hash_on_query_arg) errors.hash_on_query_arg = 'required field missing';
      if (e.hash_fallback === 'query_arg' && !e.hash_fallback_query_arg) errors.hash_fallback_query_arg = 'required field missing';
      if (e.hash_on === 'uri_capture' && !e.hash_on_uri_capture) errors.hash_on_uri_capture = 'required field missing';
      if (e.hash_fallback === 'uri_capture' && !e.hash_fallback_uri_capture) errors.hash_fallback_uri_capture = 'required field missing';
      if (Object.keys(errors).length) return errors;
      if (e.hash_on === 'none' && e.hash_fallback !== 'none') {
        return { hash_fallback: "expected one of: none", '@entity': ["failed conditional validation given value of field 'hash_on'"] };
      }
      if (e.hash_on === 'cookie' && e.hash_fallback !== 'none') {
        return { hash_fallback: 'expected one of: none', '@entity': ["failed conditional validation given value of field 'hash_on'"] };
      }
      if (e.hash_on !== 'none' && e.hash_on === e.hash_fallback && !['header', 'query_arg', 'uri_capture'].includes(e.hash_on)) {
        return { '@entity': ["values of these fields must be distinct: 'hash_on', 'hash_fallback'"] };
      }
      if (e.algorithm === 'consistent-hashing' && e.hash_on === 'none') {
        return { '@entity': ["failed conditional validation given value of field 'algorithm'"], hash_on: "expected one of: consumer, ip, header, cookie, path, query_arg, uri_capture" };
      }
      return undefined;
    },
  ],
};

/** Normalise a target to host:port (default port 8000), IPv6 in brackets. */
export function normalizeTarget(v: string): string | null {
  const hp = t.splitHostPort(v.trim());
  if (hp.bad) return null;
  const host = hp.host;
  const fam = net.isIP(host);
  if (!fam && !t.isHostname(host)) return null;
  if (hp.port !== undefined && hp.port > 65535) return null;
  const port = hp.port ?? 8000;
  return fam === 6 ? `[${host}]:${port}` : `${host.toLowerCase()}:${port}`;
}

export const targets: EntitySchema = {
  name: 'targets',
  primary_key: ['id'],
  endpoint_key: 'target',
  cache_key: ['upstream', 'target'],
  nested_only: true,
  fields: [
    ...t.autoFields(t.auto_timestamp_ms),
    { upstream: { ...t.foreign('upstreams', { on_delete: 'cascade' }), required: true } },
    {
      target: {
        type: 'string',
        required: true,
        custom: (v: string) => (normalizeTarget(v) ? undefined : `Invalid target ('${v}'); not a valid hostname or ip address`),
        normalize: (v: string) => normalizeTarget(v),
      },
    },
    { weight: { type: 'integer', default: 100, between: [0, 65535] } },
    { tags: t.tags },
  ],
};
