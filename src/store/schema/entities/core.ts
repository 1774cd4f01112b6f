// services, routes, consumers (kong/db/schema/entities/*.lua)
import type { EntityCheck, EntitySchema, FieldErrors } from '../types.js';
import * as t from '../typedefs.js';

function conditional(field: string, onField: string, msg: string): FieldErrors {
  return { [field]: msg, '@entity': [`failed conditional validation given value of field '${onField}'`] };
}

const serviceChecks: EntityCheck[] = [
  (e) => {
    const noPath = ['tcp', 'tls', 'udp', 'grpc', 'grpcs'];
    if (noPath.includes(e.protocol) && e.path != null) return conditional('path', 'protocol', 'value must be null');
    return undefined;
  },
  (e) => {
    if (e.protocol === 'https' || e.protocol === 'tls') return undefined;
    const errors: FieldErrors = {};
    for (const f of ['client_certificate', 'tls_verify', 'tls_verify_depth', 'ca_certificates']) {
      if (e[f] != null) errors[f] = 'value must be null';
    }
    if (Object.keys(errors).length) {
      errors['@entity'] = ["failed conditional validation given value of field 'protocol'"];
      return errors;
    }
    return undefined;
  },
];

/** Kong's `url` shorthand: protocol, host, port and path from one URL. */
function serviceShorthand(input: Record<string, any>): Record<string, any> {
  if (input.url === undefined) return input;
  const { url, ...rest } = input;
  if (url === null) return rest;
  if (typeof url !== 'string') return { ...rest, url };
  // Like LuaSocket's url.parse: without "scheme://" there is no authority, only a path.
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(\[[^\]]*\]|[^/:?#]*)(?::(\d*))?([^?#]*)/.exec(url);
  if (!m) return { ...rest, host: null, path: url };
  const protocol = m[1]!.toLowerCase();
  const port = m[3] ? Number(m[3]) : protocol === 'https' ? 443 : 80;
  const out: Record<string, any> = { ...rest, protocol, host: m[2] ? m[2].replace(/^\[|\]$/g, '') : null, port };
  out.path = m[4] ? m[4] : null;
  return out;
}

export const services: EntitySchema = {
  name: 'services',
  primary_key: ['id'],
  endpoint_key: 'name',
  fields: [
    ...t.autoFields(),
    { name: t.utf8_name },
    { retries: { type: 'integer', default: 5, between: [0, 32767] } },
    { protocol: { ...t.protocol, required: true, default: 'http' } },
    { host: { ...t.host, required: true } },
    { port: { ...t.port, required: true, default: 80 } },
    { path: t.path },
    { connect_timeout: { ...t.timeout, default: 60000 } },
    { write_timeout: { ...t.timeout, default: 60000 } },
    { read_timeout: { ...t.timeout, default: 60000 } },
    { tags: t.tags },
    { client_certificate: t.foreign('certificates') },
    { tls_verify: { type: 'boolean' } },
    { tls_verify_depth: { type: 'integer', between: [0, 64] } },
    { ca_certificates: { type: 'array', elements: { type: 'string', uuid: true } } },
    { enabled: { type: 'boolean', required: true, default: true } },
  ],
  entity_checks: serviceChecks,
  shorthand: serviceShorthand,
};

const REGEX_PREFIX = '~';

/** Route paths: normalised prefixes or `~` regexes that compile. */
export function validateRoutePath(p: string): string | undefined {
  if (p.startsWith(REGEX_PREFIX)) {
    const re = p.slice(1);
    try {
      new RegExp(re.replace(/\(\?P</g, '(?<'));
    } catch (err) {
      return `invalid regex: '${re}' (PCRE returned: ${(err as Error).message})`;
    }
    return undefined;
  }
  if (!p.startsWith('/')) return 'should start with: / (fixed path) or ~/ (regex path)';
  const err = t.validatePathValue(p);
  if (err) return err;
  const normal = normalizePrefix(p);
  if (normal !== p) return `non-normalized path, consider use '${normal}' instead`;
  return undefined;
}

/** Decode unreserved %XX, upper-case other escapes, resolve dot segments. */
function normalizePrefix(p: string): string {
  let s = p.replace(/%([0-9A-Fa-f]{2})/g, (m, hex: string) => {
    const c = String.fromCharCode(parseInt(hex, 16));
    return /[A-Za-z0-9\-._~]/.test(c) ? c : m.toUpperCase();
  });
  const out: string[] = [];
  const segs = s.split('/');
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    if (seg === '.') {
      if (i === segs.length - 1) out.push('');
      continue;
    }
    if (seg === '..') {
      if (out.length > 1) out.pop();
      if (i === segs.length - 1) out.push('');
      continue;
    }
    out.push(seg);
  }
  s = out.join('/');
  return s.startsWith('/') ? s : '/' + s;
}

const routeChecks: EntityCheck[] = [
  (e) => {
    const protos: string[] = e.protocols ?? [];
    const groups = [['http', 'https'], ['tcp', 'tls', 'udp'], ['tls_passthrough'], ['grpc', 'grpcs']];
    const used = groups.filter((g) => g.some((p) => protos.includes(p)));
    if (used.length > 1) {
      return {
        '@entity': [
          `these sets are mutually exclusive: ('http', 'https'), ('tcp', 'tls', 'udp'), ('tls_passthrough'), ('grpc', 'grpcs')`,
        ],
      };
    }
    return undefined;
  },
  (e) => {
    const protos: string[] = e.protocols ?? [];
    const isSet = (v: unknown) => v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0) && !(typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);
    const errors: FieldErrors = {};
    const httpish = protos.some((p) => ['http', 'https', 'grpc', 'grpcs'].includes(p));
    if (httpish) {
      for (const f of ['sources', 'destinations']) {
        if (isSet(e[f])) {
          errors[f] = `cannot set '${f}' when 'protocols' is 'grpc', 'grpcs', 'http' or 'https'`;
        }
      }
    }
    if (isSet(e.snis) && !protos.some((p) => ['https', 'grpcs', 'tls', 'tls_passthrough'].includes(p))) {
      errors.snis = "'snis' can only be set when 'protocols' is 'grpcs', 'https', 'tls' or 'tls_passthrough'";
    }
    if ((protos.includes('grpc') || protos.includes('grpcs')) && e.strip_path === true) {
      errors.strip_path = "cannot set 'strip_path' when 'protocols' is 'grpc' or 'grpcs'";
    }
    if (Object.keys(errors).length) return errors;
    if (protos.includes('https') || protos.includes('grpcs')) {
      if (!['methods', 'hosts', 'headers', 'paths', 'snis'].some((f) => isSet(e[f]))) {
        const p = protos.includes('https') ? 'https' : 'grpcs';
        return { '@entity': [`must set one of 'methods', 'hosts', 'headers', 'paths', 'snis' when 'protocols' is '${p}'`] };
      }
    } else if (protos.includes('http') || protos.includes('grpc')) {
      if (!['methods', 'hosts', 'headers', 'paths'].some((f) => isSet(e[f]))) {
        const p = protos.includes('http') ? 'http' : 'grpc';
        return { '@entity': [`must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is '${p}'`] };
      }
    } else if (protos.some((p) => ['tcp', 'tls', 'udp'].includes(p))) {
      if (!['sources', 'destinations', 'snis'].some((f) => isSet(e[f]))) {
        return { '@entity': [`must set one of 'sources', 'destinations', 'snis' when 'protocols' is '${protos.join("', '")}'`] };
      }
    }
    return undefined;
  },
];

export const routes: EntitySchema = {
  name: 'routes',
  primary_key: ['id'],
  endpoint_key: 'name',
  fields: [
    ...t.autoFields(),
    { name: t.utf8_name },
    {
      protocols: {
        type: 'set',
        required: true,
        default: ['http', 'https'],
        len_min: 1,
        elements: { type: 'string', one_of: t.PROTOCOLS },
        description: 'An array of the protocols this Route should allow.',
      },
    },
    {
      methods: {
        type: 'set',
        elements: { type: 'string', custom: (m: string) => (/^[A-Z]+$/.test(m) ? undefined : 'invalid value: ' + m) },
      },
    },
    { hosts: { type: 'array', elements: t.wildcard_host } },
    { paths: { type: 'array', elements: { type: 'string', custom: validateRoutePath } } },
    {
      headers: {
        type: 'map',
        keys: {
          type: 'string',
          custom: (k: string) =>
            k.toLowerCase() === 'host'
              ? "cannot contain 'host' header, which must be specified in the 'hosts' attribute"
              : t.isHeaderName(k)
                ? undefined
                : `bad header name '${k}'`,
        },
        values: { type: 'array', elements: { type: 'string' } },
      },
    },
    { https_redirect_status_code: { type: 'integer', required: true, default: 426, one_of: [426, 301, 302, 307, 308] } },
    { regex_priority: { type: 'integer', default: 0 } },
    { strip_path: { type: 'boolean', required: true, default: true } },
    { path_handling: { type: 'string', default: 'v0', one_of: ['v0', 'v1'] } },
    { preserve_host: { type: 'boolean', required: true, default: false } },
    { request_buffering: { type: 'boolean', required: true, default: true } },
    { response_buffering: { type: 'boolean', required: true, default: true } },
    { snis: { type: 'set', elements: { type: 'string', custom: (v: string) => t.validateWildcardHost(v, false) } } },
    { sources: { type: 'set', elements: { type: 'record', fields: [{ ip: { type: 'string' } }, { port: t.port }] } } },
    { destinations: { type: 'set', elements: { type: 'record', fields: [{ ip: { type: 'string' } }, { port: t.port }] } } },
    { tags: t.tags },
    { service: t.foreign('services') },
  ],
  entity_checks: routeChecks,
  shorthand(input) {
    // grpc routes default strip_path to false
    if (input.strip_path === undefined && Array.isArray(input.protocols) && input.protocols.some((p: string) => p === 'grpc' || p === 'grpcs')) {
      return { ...input, strip_path: false };
    }
    return input;
  },
};

export const consumers: EntitySchema = {
  name: 'consumers',
  primary_key: ['id'],
  endpoint_key: 'username',
  fields: [
    ...t.autoFields(),
    { username: { type: 'string', unique: true } },
    { custom_id: { type: 'string', unique: true } },
    { tags: t.tags },
  ],
  entity_checks: [
    (e) =>
      e.username == null && e.custom_id == null
        ? { '@entity': ["at least one of these fields must be non-empty: 'custom_id', 'username'"] }
        : undefined,
  ],
};
