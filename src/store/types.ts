// Entity shapes as Kong 3.x serialises them: every field present, unset ones null,
// foreign keys as { id }. These types are the contract between store, admin, router and proxy.

export interface ForeignKey {
  id: string;
}

export interface BaseEntity {
  id: string;
  created_at: number;
  updated_at?: number;
  tags?: string[] | null;
}

export type Protocol = 'grpc' | 'grpcs' | 'http' | 'https' | 'tcp' | 'tls' | 'tls_passthrough' | 'udp';

export interface Service extends BaseEntity {
  name: string | null;
  retries: number;
  protocol: Protocol;
  host: string;
  port: number;
  path: string | null;
  connect_timeout: number;
  write_timeout: number;
  read_timeout: number;
  client_certificate: ForeignKey | null;
  tls_verify: boolean | null;
  tls_verify_depth: number | null;
  ca_certificates: string[] | null;
  enabled: boolean;
}

export interface Route extends BaseEntity {
  name: string | null;
  protocols: Protocol[];
  methods: string[] | null;
  hosts: string[] | null;
  paths: string[] | null;
  headers: Record<string, string[]> | null;
  https_redirect_status_code: number;
  regex_priority: number;
  strip_path: boolean;
  path_handling: 'v0' | 'v1';
  preserve_host: boolean;
  request_buffering: boolean;
  response_buffering: boolean;
  snis: string[] | null;
  sources: { ip?: string; port?: number }[] | null;
  destinations: { ip?: string; port?: number }[] | null;
  service: ForeignKey | null;
}

export interface Consumer extends BaseEntity {
  username: string | null;
  custom_id: string | null;
}

export interface Plugin extends BaseEntity {
  name: string;
  instance_name: string | null;
  route: ForeignKey | null;
  service: ForeignKey | null;
  consumer: ForeignKey | null;
  config: Record<string, unknown>;
  protocols: Protocol[];
  enabled: boolean;
  ordering?: { before?: Record<string, string[]>; after?: Record<string, string[]> } | null;
}

export interface Upstream extends BaseEntity {
  name: string;
  algorithm: 'round-robin' | 'consistent-hashing' | 'least-connections' | 'latency';
  hash_on: string;
  hash_fallback: string;
  hash_on_header: string | null;
  hash_fallback_header: string | null;
  hash_on_cookie: string | null;
  hash_on_cookie_path: string;
  hash_on_query_arg: string | null;
  hash_fallback_query_arg: string | null;
  hash_on_uri_capture: string | null;
  hash_fallback_uri_capture: string | null;
  slots: number;
  healthchecks: Record<string, any>;
  host_header: string | null;
  client_certificate: ForeignKey | null;
  use_srv_name: boolean;
}

export interface Target extends BaseEntity {
  upstream: ForeignKey;
  target: string;
  weight: number;
}

export interface Certificate extends BaseEntity {
  cert: string;
  key: string;
  cert_alt: string | null;
  key_alt: string | null;
  snis?: string[];
}

export interface Sni extends BaseEntity {
  name: string;
  certificate: ForeignKey;
}

export type AnyEntity = Record<string, any> & { id: string };
