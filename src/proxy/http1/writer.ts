/**
 * Head writers. The proxy never forwards the peer's framing fields: they are dropped here with every hop-by-hop
 * field, and exactly one framing field (plus the Connection the proxy decided) is written by us.
 */
import { STATUS_CODES } from 'node:http';
import { FIELD_VALUE, TOKEN, eqLower } from './chars.js';

/** What the writer appends after the forwarded fields. */
export interface OutgoingFraming {
  /** Writes `Transfer-Encoding: chunked` (takes precedence over contentLength). */
  chunked: boolean;
  /** Writes `Content-Length: N` when not null and not chunked. Neither: no framing field (no body / close-delimited). */
  contentLength: number | null;
  /** `Connection` to write: 'keep-alive' | 'close' | 'upgrade' (with `Upgrade: <upgrade>`) | null (none). */
  connection: 'keep-alive' | 'close' | 'upgrade' | null;
  /** Upgrade protocol(s), required with connection 'upgrade'. */
  upgrade?: string | null;
}

/**
 * Fields never forwarded: RFC 9110 §7.6.1 hop-by-hop fields (Connection, Proxy-Connection, Keep-Alive, TE,
 * Transfer-Encoding, Upgrade), plus Trailer and Content-Length, because the writer owns framing.
 * Case-insensitive; `name` must be a token (as parsed names are).
 */
export function isHopByHop(name: string): boolean {
  switch (name.length) {
    case 2:
      return eqLower(name, 0, 'te');
    case 7:
      return eqLower(name, 0, 'upgrade') || eqLower(name, 0, 'trailer');
    case 10:
      return eqLower(name, 0, 'connection') || eqLower(name, 0, 'keep-alive');
    case 14:
      return eqLower(name, 0, 'content-length');
    case 16:
      return eqLower(name, 0, 'proxy-connection');
    case 17:
      return eqLower(name, 0, 'transfer-encoding');
    default:
      return false;
  }
}

/** True when `name` is hop-by-hop or listed (lower-cased) in `connectionTokens`. */
function dropped(name: string, connectionTokens: readonly string[] | null | undefined): boolean {
  if (isHopByHop(name)) return true;
  return connectionTokens != null && connectionTokens.length > 0 && connectionTokens.includes(name.toLowerCase());
}

/**
 * Returns a new flat list without hop-by-hop fields and without the fields named in Connection
 * (`connectionTokens` as produced by the parsers: lower-cased, close/keep-alive/upgrade excluded).
 */
export function stripHopByHop(headers: readonly string[], connectionTokens?: readonly string[] | null): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string;
    if (!dropped(name, connectionTokens)) out.push(name, headers[i + 1] as string);
  }
  return out;
}

function fieldLines(headers: readonly string[], connectionTokens: readonly string[] | null | undefined): string {
  let s = '';
  const n = headers.length;
  for (let i = 0; i < n; i += 2) {
    const name = headers[i] as string;
    if (dropped(name, connectionTokens)) continue;
    s += name + ': ' + (headers[i + 1] as string) + '\r\n';
  }
  return s;
}

function framingLines(f: OutgoingFraming): string {
  let s = '';
  if (f.chunked) s = 'Transfer-Encoding: chunked\r\n';
  else if (f.contentLength !== null) s = 'Content-Length: ' + f.contentLength + '\r\n';
  switch (f.connection) {
    case 'keep-alive':
      return s + 'Connection: keep-alive\r\n\r\n';
    case 'close':
      return s + 'Connection: close\r\n\r\n';
    case 'upgrade':
      return s + 'Connection: upgrade\r\nUpgrade: ' + (f.upgrade ?? '') + '\r\n\r\n';
    default:
      return s + '\r\n';
  }
}

/**
 * `METHOD target HTTP/1.1`, the forwarded fields (hop-by-hop and Connection-listed ones dropped), then the
 * framing and Connection fields, then the empty line. Write it with the first body bytes in one write.
 * Names and values are not re-validated: parsed ones are valid; validate plugin-set ones with
 * isValidFieldName / isValidFieldValue.
 */
export function buildRequestHead(
  method: string,
  target: string,
  headers: readonly string[],
  framing: OutgoingFraming,
  connectionTokens?: readonly string[] | null,
): string {
  return method + ' ' + target + ' HTTP/1.1\r\n' + fieldLines(headers, connectionTokens) + framingLines(framing);
}

/** `HTTP/1.1 status reason` (reason defaults to Node's STATUS_CODES text), fields, framing, empty line. */
export function buildResponseHead(
  status: number,
  reason: string | null,
  headers: readonly string[],
  framing: OutgoingFraming,
  connectionTokens?: readonly string[] | null,
): string {
  const r = reason ?? STATUS_CODES[status] ?? '';
  return 'HTTP/1.1 ' + status + ' ' + r + '\r\n' + fieldLines(headers, connectionTokens) + framingLines(framing);
}

/** RFC 9110 token. */
export function isValidFieldName(name: string): boolean {
  const n = name.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i);
    if (c > 255 || TOKEN[c] !== 1) return false;
  }
  return true;
}

/** Field value without CR, LF, NUL or other CTLs (HTAB allowed), latin1 range only. */
export function isValidFieldValue(value: string): boolean {
  const n = value.length;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c > 255 || FIELD_VALUE[c] !== 1) return false;
  }
  return true;
}
