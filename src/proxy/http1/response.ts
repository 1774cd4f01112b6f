/**
 * Strict HTTP/1.1 response head parser for upstream responses. Every error is status 502
 * ("An invalid response was received from the upstream server"); the proxy must discard the upstream socket.
 */
import { CR, HTAB, LF, SP } from './chars.js';
import { parseError } from './errors.js';
import { FieldFacts, parseFields } from './fields.js';
import { HeadReader } from './head-reader.js';
import type { HeadLimits } from './limits.js';
import type { BodyKind } from './request.js';

export class ResponseHead {
  /** 100..999 */
  status = 0;
  /** Reason phrase as sent (may be empty). */
  reason = '';
  versionMinor: 0 | 1 = 1;
  /** Flat [name, value, ...], original order and case, values OWS-trimmed. */
  headers: string[] = [];
  /** Content-Length as sent (also on HEAD / 204 / 304 responses, where no body follows). */
  contentLength: number | null = null;
  chunked = false;
  /**
   * 'none': no body (HEAD request, 1xx, 204, 304, Content-Length: 0); 'length': contentLength bytes;
   * 'chunked'; 'close': read until the upstream closes (the socket cannot be reused).
   */
  bodyKind: BodyKind = 'none';
  /** 1xx other than 101 (100 Continue, 103 Early Hints...): forward or drop it, then read the next head. */
  interim = false;
  /** 101 Switching Protocols: after the head the connection is an opaque tunnel. */
  upgrade = false;
  upgradeProtocol: string | null = null;
  /** The upstream connection may be reused after this response (never for 'close' bodies or 101). */
  keepAlive = true;
  connectionTokens: string[] | null = null;
  headSize = 0;
  /** Offset, in the buffer passed to the execute() call that completed the head, of the first byte after it. */
  end = 0;
}

const facts = new FieldFacts();

export class ResponseHeadParser extends HeadReader<ResponseHead> {
  private headRequest = false;

  constructor(limits?: Partial<HeadLimits>) {
    super('response', limits);
  }

  /**
   * Feeds buf[start..]. `headRequest`: the request was HEAD (no body whatever the framing fields say).
   * Returns the head or null if more bytes are needed. After an interim (1xx) head, call again with
   * `start = head.end` for the final head. Throws HttpParseError (status 502).
   */
  execute(buf: Buffer, start = 0, headRequest = false): ResponseHead | null {
    this.headRequest = headRequest;
    const r = this.read(buf, start);
    if (r === null) return null;
    r.head.end = r.end;
    return r.head;
  }

  protected parseHead(buf: Buffer, start: number, end: number): ResponseHead {
    return parseResponseHead(buf, start, end, this.limits, this.headRequest);
  }
}

/**
 * Parses one complete response head: buf[start, end) must end with the first "\r\n\r\n" after `start`.
 * `headRequest`: the request was HEAD. Throws HttpParseError (502).
 */
export function parseResponseHead(buf: Buffer, start: number, end: number, limits: HeadLimits, headRequest: boolean): ResponseHead {
  const side = 'response';
  if (end - start > limits.maxStartLineSize && buf.indexOf(LF, start) + 1 - start > limits.maxStartLineSize) {
    throw parseError('BAD_STATUS_LINE', side, 'status line too long');
  }
  const s = buf.toString('latin1', start, end);
  const head = new ResponseHead();
  head.headSize = end - start;
  // HTTP/1.x SP 3DIGIT [SP reason] CRLF. A missing SP before an empty reason is common and harmless.
  const minor = s.charCodeAt(7) - 48;
  if (!s.startsWith('HTTP/1.', 0) || (minor !== 0 && minor !== 1) || s.charCodeAt(8) !== SP) {
    throw parseError('BAD_STATUS_LINE', side, 'not an HTTP/1.0 or 1.1 status line');
  }
  const d1 = s.charCodeAt(9) - 48;
  const d2 = s.charCodeAt(10) - 48;
  const d3 = s.charCodeAt(11) - 48;
  if (d1 < 1 || d1 > 9 || d2 < 0 || d2 > 9 || d3 < 0 || d3 > 9) throw parseError('BAD_STATUS_LINE', side, 'bad status code');
  const status = d1 * 100 + d2 * 10 + d3;
  let i = start + 12;
  let c = buf[i] as number;
  let reason = '';
  if (c === SP) {
    const rs = ++i;
    c = buf[i] as number;
    while (c !== CR) {
      if (c < 0x20 ? c !== HTAB : c === 0x7f) {
        throw parseError(c === LF ? 'BARE_LF' : 'BAD_STATUS_LINE', side, 'bad reason phrase');
      }
      c = buf[++i] as number;
    }
    reason = s.slice(rs - start, i - start);
  } else if (c !== CR) {
    throw parseError('BAD_STATUS_LINE', side, 'bad status line');
  }
  if (buf[i + 1] !== LF) throw parseError('BARE_CR', side, 'CR not followed by LF');

  const f = facts;
  f.reset();
  parseFields(buf, s, start, i + 2, head.headers, f, limits, side);

  head.status = status;
  head.reason = reason;
  head.versionMinor = minor as 0 | 1;
  if (f.transferEncoding) {
    // RFC 9112 §6.1: TE in a 1.0 message means faulty framing. Other codings (e.g. "gzip, chunked") would need
    // decoding or a close-delimited read; upstreams practically never send them, so refuse (502).
    if (minor === 0) throw parseError('TRANSFER_ENCODING_ON_HTTP10', side, 'Transfer-Encoding in an HTTP/1.0 response');
    if (f.contentLength !== null) {
      throw parseError('CONTENT_LENGTH_WITH_TRANSFER_ENCODING', side, 'both Content-Length and Transfer-Encoding');
    }
    if (!f.chunked) throw parseError('UNSUPPORTED_TRANSFER_ENCODING', side, 'Transfer-Encoding other than chunked');
    head.chunked = true;
  }
  head.contentLength = f.contentLength;
  head.upgradeProtocol = f.upgrade;
  head.connectionTokens = f.connectionTokens;
  let keepAlive = minor === 1 ? !f.connClose : f.connKeepAlive && !f.connClose;
  if (status < 200) {
    if (status === 101) {
      head.upgrade = true;
      keepAlive = false;
    } else {
      head.interim = true;
    }
    head.bodyKind = 'none';
  } else if (headRequest || status === 204 || status === 304) {
    head.bodyKind = 'none';
  } else if (head.chunked) {
    head.bodyKind = 'chunked';
  } else if (f.contentLength !== null) {
    head.bodyKind = f.contentLength > 0 ? 'length' : 'none';
  } else {
    head.bodyKind = 'close';
    keepAlive = false;
  }
  head.keepAlive = keepAlive;
  return head;
}
