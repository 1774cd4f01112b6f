// Connector messages (docs/node-protocol.md): JSON or MessagePack maps describing a request, a response
// or a health ping. Decoding is strict about types and lenient about spelling (a few aliases), and
// every problem is a 400 with the field named.
import { decode } from '@msgpack/msgpack';
import { badRequest, NodeError } from './errors.js';
import { isMode, MODES, type InspectRequest } from './types.js';

export type Encoding = 'json' | 'msgpack';

/** Body format from Content-Type; sniffed when the header is absent. 415 for anything else. */
export function encodingOf(contentType: string | undefined, body: Uint8Array): Encoding {
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (ct === 'application/json' || ct.endsWith('+json')) return 'json';
  if (ct === 'application/msgpack' || ct === 'application/x-msgpack' || ct === 'application/vnd.msgpack') return 'msgpack';
  if (ct === '' || ct === 'application/octet-stream') {
    let i = 0;
    while (i < body.length && (body[i] === 0x20 || body[i] === 0x0a || body[i] === 0x0d || body[i] === 0x09)) i++;
    return body[i] === 0x7b || body[i] === 0x5b ? 'json' : 'msgpack';
  }
  throw new NodeError(415, `unsupported content type '${ct}' (use application/json or application/msgpack)`);
}

export function decodeBody(enc: Encoding, body: Uint8Array): unknown {
  if (body.length === 0) throw badRequest('empty body: expected a JSON or MessagePack message');
  if (enc === 'json') {
    try {
      return JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
    } catch (e) {
      throw badRequest(`malformed JSON: ${(e as Error).message}`);
    }
  }
  try {
    return decode(body, { maxStrLength: 64 * 1024 * 1024, maxBinLength: 64 * 1024 * 1024, maxArrayLength: 100_000, maxMapLength: 10_000 });
  } catch (e) {
    throw badRequest(`malformed MessagePack: ${(e as Error).message}`);
  }
}

function isObj(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function str(m: Record<string, unknown>, names: string[], field: string, required = false): string | undefined {
  for (const n of names) {
    const v = m[n];
    if (v === undefined || v === null) continue;
    if (typeof v === 'string') return v;
    if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
    if (typeof v === 'number') return String(v);
    throw badRequest(`'${field}' must be a string`, { field });
  }
  if (required) throw badRequest(`'${field}' is required`, { field });
  return undefined;
}

/** Headers as a map (values may be lists) or a list of [name, value] pairs. */
export function decodeHeaders(v: unknown, field = 'headers'): Array<[string, string]> {
  if (v == null) return [];
  const out: Array<[string, string]> = [];
  const val = (x: unknown): string => {
    if (typeof x === 'string') return x;
    if (typeof x === 'number' || typeof x === 'boolean') return String(x);
    if (x instanceof Uint8Array) return Buffer.from(x).toString('latin1');
    throw badRequest(`'${field}' values must be strings`, { field });
  };
  if (Array.isArray(v)) {
    for (const pair of v) {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string') throw badRequest(`'${field}' must be a map or a list of [name, value] pairs`, { field });
      out.push([pair[0], val(pair[1])]);
    }
    return out;
  }
  if (!isObj(v)) throw badRequest(`'${field}' must be a map or a list of [name, value] pairs`, { field });
  for (const [k, x] of Object.entries(v)) {
    if (Array.isArray(x)) for (const y of x) out.push([k, val(y)]);
    else out.push([k, val(x)]);
  }
  if (out.length > 1000) throw badRequest(`'${field}': too many headers`, { field });
  return out;
}

/** The body: bytes in MessagePack; in JSON a base64 string (or text with body_encoding "utf8"). */
function decodeBytes(m: Record<string, unknown>, enc: Encoding, field = 'body'): Uint8Array | null {
  const v = m[field];
  if (v == null) return null;
  if (v instanceof Uint8Array) return v;
  if (typeof v !== 'string') throw badRequest(`'${field}' must be ${enc === 'json' ? 'a base64 string' : 'bytes or a string'}`, { field });
  const encoding = m[`${field}_encoding`] ?? (enc === 'json' ? 'base64' : 'utf8');
  if (encoding === 'utf8' || encoding === 'text') return Buffer.from(v, 'utf8');
  if (encoding !== 'base64') throw badRequest(`'${field}_encoding' must be base64 or utf8`, { field: `${field}_encoding` });
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(v.replace(/\s+/g, ''))) throw badRequest(`'${field}' is not valid base64`, { field });
  return Buffer.from(v, 'base64');
}

export interface RequestMessage extends InspectRequest {
  type: 'request';
}

export interface ResponseMessage {
  type: 'response';
  requestId: string;
  status: number;
  headers: Array<[string, string]>;
  bodyBytes?: number;
}

export type Message = RequestMessage | ResponseMessage;

export function decodeRequest(m: unknown, enc: Encoding): RequestMessage {
  if (!isObj(m)) throw badRequest('a request message must be a map');
  const method = str(m, ['method'], 'method', true)!;
  if (!/^[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]{0,31}$/.test(method)) throw badRequest(`'method' is not an HTTP method`, { field: 'method' });
  const url = str(m, ['uri', 'url', 'path'], 'uri', true)!;
  if (url.length > 64 * 1024) throw badRequest(`'uri' is too long`, { field: 'uri' });
  const req: RequestMessage = { type: 'request', method: method.toUpperCase(), url, headers: decodeHeaders(m.headers) };
  const body = decodeBytes(m, enc);
  if (body) req.body = body;
  const ip = str(m, ['client_ip', 'ip', 'remote_addr'], 'client_ip');
  if (ip) req.clientIp = ip;
  const rid = str(m, ['request_id', 'id'], 'request_id');
  if (rid) req.requestId = rid;
  const host = str(m, ['host'], 'host');
  if (host) req.host = host;
  const app = str(m, ['application', 'app'], 'application');
  if (app) req.application = app;
  const proto = str(m, ['protocol', 'scheme'], 'protocol');
  if (proto) {
    if (proto !== 'http' && proto !== 'https') throw badRequest(`'protocol' must be http or https`, { field: 'protocol' });
    req.protocol = proto;
  }
  const mode = m.mode;
  if (mode != null) {
    if (!isMode(mode)) throw badRequest(`'mode' must be one of ${MODES.join(', ')}`, { field: 'mode' });
    req.modeOverride = mode;
  }
  return req;
}

export function decodeResponse(m: unknown, enc: Encoding): ResponseMessage {
  if (!isObj(m)) throw badRequest('a response message must be a map');
  const requestId = str(m, ['request_id', 'id'], 'request_id', true)!;
  const status = m.status ?? m.code;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 999) throw badRequest(`'status' must be an HTTP status code`, { field: 'status' });
  const out: ResponseMessage = { type: 'response', requestId, status, headers: decodeHeaders(m.headers) };
  const body = decodeBytes(m, enc);
  if (body) out.bodyBytes = body.length;
  else if (typeof m.body_size === 'number') out.bodyBytes = m.body_size;
  return out;
}

/** A mirror item: a request, or a response when it says type "response" (or carries a status and no method). */
export function decodeMirrorItem(m: unknown, enc: Encoding): Message {
  if (isObj(m) && (m.type === 'response' || (m.type === undefined && m.method === undefined && m.status !== undefined))) return decodeResponse(m, enc);
  if (isObj(m) && m.type !== undefined && m.type !== 'request') throw badRequest(`'type' must be request or response`, { field: 'type' });
  return decodeRequest(m, enc);
}

/** 32 lowercase hex digits, from a connector id when it is one (UUIDs lose their dashes). */
export function normalizeRequestId(id: string | undefined): string | null {
  if (!id) return null;
  const s = id.replace(/-/g, '').toLowerCase();
  return /^[0-9a-f]{32}$/.test(s) ? s : null;
}
