// Shared types of the Kubernetes → kong.yml converter.

/** One Kubernetes object as read from a file. */
export interface Manifest {
  doc: { apiVersion: string; kind: string; metadata: Record<string, any>; [k: string]: any };
  file: string;
  /** 0-based document index in the file. */
  index: number;
}

/**
 * Something the user should know. `error` makes the command fail (exit 1); `warning` marks something not
 * translated or translated differently; `note` records a decision (an ignored kind, a renamed plugin).
 */
export interface Diagnostic {
  level: 'error' | 'warning' | 'note';
  file: string;
  /** `Kind namespace/name` (or `Kind name` when cluster-scoped), or a document position. */
  resource: string;
  message: string;
}

export interface ConvertOptions {
  /** `name` or `namespace/name` of a Service → URL reachable from this machine. */
  backends: Record<string, string>;
}

export type Entity = Record<string, any>;

export interface KongDocument {
  _format_version: '3.0';
  _transform?: boolean;
  services?: Entity[];
  consumers?: Entity[];
  plugins?: Entity[];
  upstreams?: Entity[];
  certificates?: Entity[];
  routes?: Entity[];
}

export interface ConvertResult {
  config: KongDocument;
  diagnostics: Diagnostic[];
}
