// Request and response plumbing shared by every admin endpoint.
import type { IncomingMessage } from 'node:http';
import YAML from 'yaml';
import { decodeArgs } from './args.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === 'object' && body && 'message' in body ? String((body as any).message) : `HTTP ${status}`);
  }
}

export const notFoundError = () => new HttpError(404, { message: 'Not found' });
export const methodNotAllowed = () => new HttpError(405, { message: 'Method not allowed' });

export interface AdminRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: Record<string, any>;
  queryPairs: Array<[string, string]>;
  headers: IncomingMessage['headers'];
  /** Decoded body: JSON as sent, forms as nested strings (types inferred per endpoint). */
  body: Record<string, any>;
  /** True when the body came from a form (types must be inferred from the schema). */
  form: boolean;
  /** Raw body text (for /config). */
  raw: string;
  contentType: string;
}

export interface AdminResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export function parseQuery(search: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const [k, v] of new URLSearchParams(search)) pairs.push([k, v]);
  return pairs;
}

const MAX_ARGS = 1000;

/** Read and decode a request body per Kong's rules: JSON, form, multipart; others 415. */
export async function readBody(
  req: IncomingMessage,
  limit: number,
  extraTypes: string[] = [],
): Promise<{ body: Record<string, any>; form: boolean; raw: string; contentType: string }> {
  const ctHeaders = req.headersDistinct['content-type'] ?? [];
  if (ctHeaders.length > 1) throw new HttpError(400, 'Multiple Content-Type headers not allowed');
  const contentType = (ctHeaders[0] ?? '').toLowerCase();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (limit > 0 && size > limit) throw new HttpError(413, { message: 'Payload too large' });
    chunks.push(chunk as Buffer);
  }
  const buf = Buffer.concat(chunks);
  const raw = buf.toString('utf8');
  if (buf.length === 0) return { body: {}, form: false, raw, contentType };
  const mime = contentType.split(';')[0]!.trim();
  if (mime === 'application/json' || mime.endsWith('+json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new HttpError(400, { message: 'Cannot parse JSON body' });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      if (Array.isArray(parsed) && parsed.length === 0) return { body: {}, form: false, raw, contentType };
      throw new HttpError(400, { message: 'Cannot parse JSON body' });
    }
    return { body: parsed as Record<string, any>, form: false, raw, contentType };
  }
  if (mime === 'application/x-www-form-urlencoded') {
    const pairs = parseQuery(raw);
    if (pairs.length > MAX_ARGS) throw new HttpError(400, { message: 'Too many arguments' });
    return { body: decodeArgs(pairs), form: true, raw, contentType };
  }
  if (mime === 'multipart/form-data') {
    let fd: FormData;
    try {
      fd = await new Response(buf, { headers: { 'content-type': contentType } }).formData();
    } catch {
      throw new HttpError(400, { message: 'Cannot parse multipart body' });
    }
    const pairs: Array<[string, string]> = [];
    for (const [k, v] of fd) pairs.push([k, typeof v === 'string' ? v : await v.text()]);
    if (pairs.length > MAX_ARGS) throw new HttpError(400, { message: 'Too many arguments' });
    return { body: decodeArgs(pairs), form: true, raw, contentType };
  }
  if (extraTypes.includes(mime)) {
    return { body: {}, form: false, raw, contentType };
  }
  if (!mime) {
    // curl -d without a type sends form encoding; a body with no type at all is tried as JSON
    try {
      const parsed = JSON.parse(raw);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return { body: parsed, form: false, raw, contentType };
    } catch {
      /* fall through */
    }
  }
  throw new HttpError(415, null);
}

export function parseYamlOrJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return YAML.parse(text, { maxAliasCount: 100 });
  }
}
