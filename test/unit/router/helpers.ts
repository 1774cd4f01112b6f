import type { Route, Service } from '../../../src/store/types.js';

let seq = 0;

/** A route with Kong's defaults; ids are increasing UUID-shaped strings unless given. */
export function route(fields: Partial<Route> = {}): Route {
  seq++;
  const id = `00000000-0000-4000-8000-${seq.toString(16).padStart(12, '0')}`;
  return {
    id,
    created_at: 1700000000,
    updated_at: 1700000000,
    tags: null,
    name: null,
    protocols: ['http', 'https'],
    methods: null,
    hosts: null,
    paths: null,
    headers: null,
    https_redirect_status_code: 426,
    regex_priority: 0,
    strip_path: true,
    path_handling: 'v0',
    preserve_host: false,
    request_buffering: true,
    response_buffering: true,
    snis: null,
    sources: null,
    destinations: null,
    service: null,
    ...fields,
  };
}

export function service(fields: Partial<Service> = {}): Service {
  seq++;
  return {
    id: `10000000-0000-4000-8000-${seq.toString(16).padStart(12, '0')}`,
    created_at: 1700000000,
    updated_at: 1700000000,
    tags: null,
    name: null,
    retries: 5,
    protocol: 'http',
    host: 'upstream.test',
    port: 80,
    path: null,
    connect_timeout: 60000,
    write_timeout: 60000,
    read_timeout: 60000,
    client_certificate: null,
    tls_verify: null,
    tls_verify_depth: null,
    ca_certificates: null,
    enabled: true,
    ...fields,
  };
}

/** Header lookup over a plain object (keys lower-case). */
export function headers(h: Record<string, string | string[]>): (name: string) => string | readonly string[] | undefined {
  return (name) => h[name];
}
