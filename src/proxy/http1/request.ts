/**
 * Strict HTTP/1.1 request head parser (RFC 9112, hardened like nginx): incremental over Buffers, latin1 decoding,
 * one charCodeAt pass, no regexes.
 */
import { CR, LF, METHOD, SP, TARGET } from './chars.js';
import { parseError } from './errors.js';
import { FieldFacts, parseFields } from './fields.js';
import { HeadReader } from './head-reader.js';
import type { HeadLimits } from './limits.js';

/** How the message body is delimited. Requests are never close-delimited. */
export type BodyKind = 'none' | 'length' | 'chunked' | 'close';

export class RequestHead {
  /** Upper-case method token as sent. */
  method = '';
  /** Raw request-target (origin-form `/...`, absolute-form `scheme://...`, or `*`). */
  target = '';
  /** HTTP/1.<versionMinor>: 0 or 1. */
  versionMinor: 0 | 1 = 1;
  /** Flat [name, value, name, value, ...], original order and case; values OWS-trimmed (SP/HTAB only). */
  headers: string[] = [];
  /** Content-Length as sent (null when absent). */
  contentLength: number | null = null;
  /** Transfer-Encoding: chunked. */
  chunked = false;
  /** 'chunked', 'length' (contentLength > 0) or 'none'. */
  bodyKind: BodyKind = 'none';
  /** Connection persists after this exchange (1.1: unless `close`; 1.0: only with `keep-alive`). */
  keepAlive = true;
  /** HTTP/1.1 with an Upgrade field and the `upgrade` Connection option. */
  upgrade = false;
  /** Value(s) of Upgrade (joined by ", " when repeated), or null. */
  upgradeProtocol: string | null = null;
  /** HTTP/1.1 with `Expect: 100-continue` (ignored on 1.0, RFC 9110 §10.1.1). */
  expectContinue = false;
  /** The Host field value (validated like nginx), or null (only possible on HTTP/1.0). */
  host: string | null = null;
  /** Lower-cased field names listed in Connection besides close/keep-alive/upgrade; hop-by-hop, to strip. */
  connectionTokens: string[] | null = null;
  /** Head size in bytes, start line to the final CRLF (leading empty lines excluded). */
  headSize = 0;
  /** Offset, in the buffer passed to the execute() call that completed the head, of the first byte after it. */
  end = 0;
}

const facts = new FieldFacts();

export class RequestHeadParser extends HeadReader<RequestHead> {
  constructor(limits?: Partial<HeadLimits>) {
    super('request', limits);
  }

  /**
   * Feeds buf[start..]. Returns the head (see RequestHead.end) or null if more bytes are needed.
   * Throws HttpParseError (status 400/405/414/501).
   */
  execute(buf: Buffer, start = 0): RequestHead | null {
    const r = this.read(buf, start);
    if (r === null) return null;
    r.head.end = r.end;
    return r.head;
  }

  protected parseHead(buf: Buffer, start: number, end: number): RequestHead {
    return parseRequestHead(buf, start, end, this.limits);
  }
}

/**
 * Parses one complete request head: buf[start, end) must end with the first "\r\n\r\n" after `start`
 * (leading empty lines already skipped). Throws HttpParseError.
 */
export function parseRequestHead(buf: Buffer, start: number, end: number, limits: HeadLimits): RequestHead {
  const side = 'request';
  // Request line length first, so an over-long target is 414 whatever else is wrong with it.
  if (end - start > limits.maxStartLineSize && buf.indexOf(LF, start) + 1 - start > limits.maxStartLineSize) {
    throw parseError('URI_TOO_LONG', side, 'request line too long');
  }
  const s = buf.toString('latin1', start, end);
  const head = new RequestHead();
  head.headSize = end - start;

  let i = start;
  let c = buf[i] as number;
  while (METHOD[c] === 1) c = buf[++i] as number;
  if (c !== SP || i === start) {
    throw parseError(i === start || c !== CR ? 'BAD_METHOD' : 'BAD_REQUEST_LINE', side, 'invalid method');
  }
  const method = s.slice(0, i - start);
  // nginx answers CONNECT with 405 itself; a gateway never tunnels.
  if (method === 'CONNECT') throw parseError('METHOD_NOT_ALLOWED', side, 'CONNECT is not supported');

  const ts = ++i;
  c = buf[i] as number;
  while (TARGET[c] === 1) c = buf[++i] as number;
  if (c !== SP || i === ts) {
    if (c === CR && i > ts) throw parseError('BAD_VERSION', side, 'missing HTTP version');
    throw parseError('BAD_TARGET', side, 'invalid character in request target');
  }
  const target = s.slice(ts - start, i - start);
  if (!validTargetForm(target)) throw parseError('BAD_TARGET', side, 'request target is not origin-, absolute- or asterisk-form');

  i++;
  const minor = (buf[i + 7] as number) - 48;
  if (
    buf[i] !== 0x48 || buf[i + 1] !== 0x54 || buf[i + 2] !== 0x54 || buf[i + 3] !== 0x50 ||
    buf[i + 4] !== 0x2f || buf[i + 5] !== 0x31 || buf[i + 6] !== 0x2e ||
    (minor !== 0 && minor !== 1) || buf[i + 8] !== CR
  ) {
    throw parseError('BAD_VERSION', side, 'unsupported HTTP version');
  }
  if (buf[i + 9] !== LF) throw parseError('BARE_CR', side, 'CR not followed by LF');

  const f = facts;
  f.reset();
  parseFields(buf, s, start, i + 10, head.headers, f, limits, side);

  head.method = method;
  head.target = target;
  head.versionMinor = minor as 0 | 1;
  if (f.transferEncoding) {
    if (minor === 0) throw parseError('TRANSFER_ENCODING_ON_HTTP10', side, 'Transfer-Encoding in an HTTP/1.0 request');
    if (f.contentLength !== null) {
      throw parseError('CONTENT_LENGTH_WITH_TRANSFER_ENCODING', side, 'both Content-Length and Transfer-Encoding');
    }
    if (!f.chunked) throw parseError('UNSUPPORTED_TRANSFER_ENCODING', side, 'Transfer-Encoding other than chunked');
    head.chunked = true;
    head.bodyKind = 'chunked';
  } else if (f.contentLength !== null) {
    head.contentLength = f.contentLength;
    head.bodyKind = f.contentLength > 0 ? 'length' : 'none';
  }
  if (f.host !== null) {
    if (!validHost(f.host)) throw parseError('BAD_HOST', side, 'invalid Host');
    head.host = f.host;
  } else if (minor === 1) {
    throw parseError('MISSING_HOST', side, 'HTTP/1.1 request without Host');
  }
  head.keepAlive = minor === 1 ? !f.connClose : f.connKeepAlive && !f.connClose;
  head.upgradeProtocol = f.upgrade;
  head.upgrade = minor === 1 && f.connUpgrade && f.upgrade !== null;
  head.expectContinue = minor === 1 && f.expectContinue;
  head.connectionTokens = f.connectionTokens;
  return head;
}

/** origin-form `/...`; asterisk-form `*`; absolute-form ALPHA+ "://" 1*char (llhttp refuses other schemes' chars). */
function validTargetForm(t: string): boolean {
  const c0 = t.charCodeAt(0);
  if (c0 === 47) return true;
  if (c0 === 42) return t.length === 1;
  let i = 0;
  for (;;) {
    const c = t.charCodeAt(i) | 0x20;
    if (c < 0x61 || c > 0x7a) break;
    i++;
  }
  return i > 0 && t.startsWith('://', i) && t.length > i + 3 && t.charCodeAt(i + 3) !== 47;
}

/** nginx ngx_http_validate_host: no "..", no "/", no CTL/SP/DEL, not empty (a trailing dot is ignored). */
function validHost(h: string): boolean {
  const n = h.length;
  let dot = -2;
  for (let i = 0; i < n; i++) {
    const c = h.charCodeAt(i);
    if (c === 46) {
      if (dot === i - 1) return false;
      dot = i;
    } else if (c === 47 || c <= 0x20 || c === 0x7f) return false;
  }
  return n > 0 && !(n === 1 && dot === 0);
}
