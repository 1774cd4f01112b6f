/**
 * Test harness around Node's internal llhttp binding (`_http_common`'s HTTPParser, present on Node 20).
 * Used only as the reference for differential tests; never on the proxy path.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface HTTPParserCtor {
  new (): HTTPParserInstance;
  REQUEST: number;
  RESPONSE: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
}
interface HTTPParserInstance {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(buf: Buffer): number | (Error & { code?: string; reason?: string; bytesParsed?: number });
  finish(): unknown;
  close(): void;
  [k: number]: unknown;
}

const common = require('_http_common') as { HTTPParser: HTTPParserCtor; methods: string[] };
const { HTTPParser, methods } = common;

export interface LlHead {
  method: string;
  url: string;
  versionMajor: number;
  versionMinor: number;
  headers: string[];
  upgrade: boolean;
  keepAlive: boolean;
}

export interface LlResult {
  /** null when execute returned a number (no error). */
  error: string | null;
  /** Bytes consumed (execute's return, or the error's bytesParsed). */
  consumed: number;
  heads: LlHead[];
  bodyBytes: number;
  completed: number;
}

/** Runs llhttp (strict, no lenient flags) on one buffer as a fresh request stream. */
export function llhttpRequest(input: Buffer): LlResult {
  const p = new HTTPParser();
  p.initialize(HTTPParser.REQUEST, {}, 1 << 20, 0);
  const out: LlResult = { error: null, consumed: 0, heads: [], bodyBytes: 0, completed: 0 };
  let pendingHeaders: string[] = [];
  let pendingUrl = '';
  p[HTTPParser.kOnHeaders] = (headers: string[], url: string): void => {
    pendingHeaders.push(...headers);
    pendingUrl += url;
  };
  p[HTTPParser.kOnHeadersComplete] = (
    versionMajor: number,
    versionMinor: number,
    headers: string[] | undefined,
    method: number,
    url: string | undefined,
    _status: number,
    _statusMessage: string,
    upgrade: boolean,
    keepAlive: boolean,
  ): number => {
    out.heads.push({
      method: methods[method] ?? String(method),
      url: url || pendingUrl,
      versionMajor,
      versionMinor,
      headers: headers ?? pendingHeaders,
      upgrade,
      keepAlive,
    });
    pendingHeaders = [];
    pendingUrl = '';
    return 0;
  };
  p[HTTPParser.kOnBody] = (b: Buffer): void => {
    out.bodyBytes += b.length;
  };
  p[HTTPParser.kOnMessageComplete] = (): void => {
    out.completed++;
  };
  const r = p.execute(input);
  if (typeof r === 'number') out.consumed = r;
  else {
    out.error = r.code ?? 'ERROR';
    out.consumed = r.bytesParsed ?? -1;
  }
  p.close();
  return out;
}

export const llhttpMethods: readonly string[] = methods;
