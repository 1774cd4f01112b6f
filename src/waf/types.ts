// The contract between parsers, detectors, the engine and their callers (wallarm-plugin, node, console).
// Names follow Wallarm's attack codes and point notation (see docs/waf in the repository README).

export type AttackType =
  | 'sqli'
  | 'xss'
  | 'rce'
  | 'ptrav'
  | 'crlf'
  | 'nosqli'
  | 'xxe'
  | 'ldapi'
  | 'scanner'
  | 'ssti'
  | 'ssi'
  | 'mail_injection'
  | 'ssrf'
  | 'redir'
  | 'data_bomb'
  | 'invalid_xml'
  | 'overlimit_res'
  | 'vpatch'
  | 'blocked_source';

/** One step of a point: a parser tag, optionally with a key or index (["get","q"], ["array",0], ["json_doc"]). */
export type PointPart = [string] | [string, string | number];
/** The chain of parsers that led to a value, e.g. [["post"],["json_doc"],["hash","user"],["array",0]]. */
export type Point = PointPart[];

/** The request handed to the engine. Header names keep their original case; the engine normalises. */
export interface WafRequest {
  method: string;
  /** Raw request target as received: path plus optional query, still percent-encoded. */
  url: string;
  headers: Array<[string, string]>;
  body?: Uint8Array | null;
  clientIp?: string;
  protocol?: 'http' | 'https';
}

/** Where a value sits, so detectors can adapt (a path segment is not a JSON string). */
export type ValueKind = 'value' | 'name';

export interface DetectContext {
  point: Point;
  kind: ValueKind;
  /** First parser tag of the point: 'uri' | 'path' | 'get' | 'header' | 'cookie' | 'post' | ... */
  root: string;
  /** Upper-cased header name when root is 'header', else undefined. */
  header?: string;
}

export interface DetectorMatch {
  /** Detector-specific stamp naming the technique, e.g. 'sqli:union-select', 'xss:event-handler'. */
  stamp: string;
  /** The matched part of the value with a little context (bounded length). */
  payload: string;
}

/** A detector: one attack type, one pure function of a value. */
export interface Detector {
  type: AttackType;
  /** Short doc of the technique covered. */
  description: string;
  detect(value: string, ctx: DetectContext): DetectorMatch | null;
}

export interface Hit {
  type: AttackType;
  point: Point;
  payload: string;
  /** The detector stamp that fired. */
  detector: string;
}

export interface EngineOptions {
  /** Time budget per request in ms (default 100). Exceeding it yields an overlimit_res hit. */
  timeBudgetMs?: number;
  /** Maximum parser recursion depth (default 8). */
  maxDepth?: number;
  /** Maximum bytes of body to inspect (default 1 MiB). */
  maxBodyBytes?: number;
  /** Maximum decompressed size for gzip/deflate bodies before data_bomb (default 10 MiB). */
  maxInflateBytes?: number;
  /** Attack types to skip entirely. */
  disabledTypes?: AttackType[];
}

export interface AnalysisResult {
  hits: Hit[];
  /** Microseconds spent. */
  elapsedUs: number;
  /** True when the time budget cut analysis short. */
  overlimit: boolean;
  /** Part of the request was not inspected (body over maxBodyBytes, a bomb, or a value/size cap). */
  truncated?: boolean;
  /** Values and names handed to detectors. */
  valuesExamined?: number;
  /** Internal parser error that ended analysis early (hits found before it are kept). */
  error?: string;
}
