/**
 * Body framing that validates without copying: the proxy forwards the bytes it was given unchanged and only asks
 * "where does this message end?". Errors are 400 for requests, 502 for upstream responses.
 */
import { COLON, CR, FIELD_VALUE, HEX, HTAB, LF, QDTEXT, QPAIR, SP, TOKEN } from './chars.js';
import { type MessageSide, parseError } from './errors.js';

export interface ChunkedLimits {
  /** Longest chunk extension (after the size, up to CR), per chunk. Default 4096. */
  maxExtensionSize: number;
  /** Most bytes of trailer section (final empty line included). Default 16384. */
  maxTrailerSize: number;
  /** Most trailer fields. Default 100. */
  maxTrailers: number;
  /** Most body (chunk data) bytes; exceeding it is 413 `Payload too large`. Default Infinity. */
  maxBodySize: number;
}

export const DEFAULT_CHUNKED_LIMITS: Readonly<ChunkedLimits> = Object.freeze({
  maxExtensionSize: 4096,
  maxTrailerSize: 16384,
  maxTrailers: 100,
  maxBodySize: Number.POSITIVE_INFINITY,
});

/** Chunk sizes: at most 16 hex digits (leading zeros included) and below 2^53. */
const MAX_SIZE_DIGITS = 16;
const SIZE_GUARD = Math.floor(Number.MAX_SAFE_INTEGER / 16);

const S_SIZE_START = 0;
const S_SIZE = 1;
const S_EXT_NAME_START = 2;
const S_EXT_NAME = 3;
const S_EXT_VALUE_START = 4;
const S_EXT_TOKEN = 5;
const S_EXT_QUOTED = 6;
const S_EXT_QUOTED_ESC = 7;
const S_EXT_QUOTED_END = 8;
const S_SIZE_LF = 9;
const S_DATA = 10;
const S_DATA_CR = 11;
const S_DATA_LF = 12;
const S_TRAILER_START = 13;
const S_TRAILER_NAME = 14;
const S_TRAILER_VALUE = 15;
const S_TRAILER_LF = 16;
const S_END_LF = 17;
const S_DONE = 18;

/**
 * chunked-body = *chunk last-chunk trailer-section CRLF (RFC 9112 §7.1), validated strictly:
 * no whitespace around sizes or extensions, extensions are `;token[=token|quoted-string]`, trailers follow the
 * field syntax (no obs-fold, no space before colon), every line ends in CRLF.
 */
export class ChunkedBodyParser {
  readonly side: MessageSide;
  readonly limits: ChunkedLimits;
  /** Sum of chunk-data bytes so far (the decoded body size). */
  dataBytes = 0;
  private state = S_SIZE_START;
  private size = 0;
  private digits = 0;
  private extLen = 0;
  private trailerBytes = 0;
  /** Trailer fields seen so far. */
  trailers = 0;
  /**
   * Offset, in the buffer of the latest execute() call, of the first trailer field's first byte; -1 when the
   * trailer section did not start in that call. Lets a forwarder stop before the trailers.
   */
  trailerStart = -1;

  constructor(side: MessageSide = 'request', limits?: Partial<ChunkedLimits>) {
    this.side = side;
    this.limits = { ...DEFAULT_CHUNKED_LIMITS, ...limits };
  }

  /** The final CRLF has been consumed. */
  get done(): boolean {
    return this.state === S_DONE;
  }

  reset(): void {
    this.state = S_SIZE_START;
    this.size = 0;
    this.digits = 0;
    this.extLen = 0;
    this.trailerBytes = 0;
    this.trailers = 0;
    this.trailerStart = -1;
    this.dataBytes = 0;
  }

  /**
   * Consumes buf[start, end). Returns -1 if the body continues past `end`, else the offset just after the body's
   * final CRLF (bytes from there on are surplus: a pipelined request, or garbage from an upstream).
   * Throws HttpParseError. Once done, returns `start` (consumes nothing).
   */
  execute(buf: Uint8Array, start = 0, end = buf.length): number {
    let state = this.state;
    let i = start;
    this.trailerStart = -1;
    while (i < end) {
      if (state === S_DATA) {
        const avail = end - i;
        if (avail < this.size) {
          this.size -= avail;
          this.state = state;
          return -1;
        }
        i += this.size;
        this.size = 0;
        state = S_DATA_CR;
        continue;
      }
      const c = buf[i++] as number;
      switch (state) {
        case S_SIZE_START: {
          const h = HEX[c] as number;
          if (h === 255) throw this.fail('chunk size expected');
          this.size = h;
          this.digits = 1;
          state = S_SIZE;
          break;
        }
        case S_SIZE: {
          const h = HEX[c] as number;
          if (h !== 255) {
            if (++this.digits > MAX_SIZE_DIGITS || this.size > SIZE_GUARD) throw this.fail('chunk size too large');
            this.size = this.size * 16 + h;
          } else if (c === CR) state = S_SIZE_LF;
          else if (c === 0x3b) {
            this.extLen = 1;
            state = S_EXT_NAME_START;
          } else throw this.fail('invalid character after chunk size');
          break;
        }
        case S_EXT_NAME_START:
          this.ext();
          if (TOKEN[c] !== 1) throw this.fail('chunk extension name expected');
          state = S_EXT_NAME;
          break;
        case S_EXT_NAME:
        case S_EXT_TOKEN:
          if (c === CR) state = S_SIZE_LF;
          else {
            this.ext();
            if (TOKEN[c] === 1) break;
            if (c === 0x3b) state = S_EXT_NAME_START;
            else if (c === 0x3d && state === S_EXT_NAME) state = S_EXT_VALUE_START;
            else throw this.fail('invalid chunk extension');
          }
          break;
        case S_EXT_VALUE_START:
          this.ext();
          if (c === 0x22) state = S_EXT_QUOTED;
          else if (TOKEN[c] === 1) state = S_EXT_TOKEN;
          else throw this.fail('chunk extension value expected');
          break;
        case S_EXT_QUOTED:
          this.ext();
          if (c === 0x22) state = S_EXT_QUOTED_END;
          else if (c === 0x5c) state = S_EXT_QUOTED_ESC;
          else if (QDTEXT[c] !== 1) throw this.fail('invalid character in quoted chunk extension');
          break;
        case S_EXT_QUOTED_ESC:
          this.ext();
          if (QPAIR[c] !== 1) throw this.fail('invalid quoted-pair in chunk extension');
          state = S_EXT_QUOTED;
          break;
        case S_EXT_QUOTED_END:
          if (c === CR) state = S_SIZE_LF;
          else if (c === 0x3b) {
            this.ext();
            state = S_EXT_NAME_START;
          } else throw this.fail('invalid character after quoted chunk extension');
          break;
        case S_SIZE_LF:
          if (c !== LF) throw this.fail('LF expected after chunk size');
          if (this.size === 0) {
            state = S_TRAILER_START;
          } else {
            this.dataBytes += this.size;
            if (this.dataBytes > this.limits.maxBodySize) {
              throw parseError('BODY_TOO_LARGE', this.side, 'chunked body larger than maxBodySize');
            }
            state = S_DATA;
          }
          break;
        case S_DATA_CR:
          if (c !== CR) throw this.fail('CRLF expected after chunk data');
          state = S_DATA_LF;
          break;
        case S_DATA_LF:
          if (c !== LF) throw this.fail('CRLF expected after chunk data');
          state = S_SIZE_START;
          break;
        case S_TRAILER_START:
          this.trailer();
          if (c === CR) state = S_END_LF;
          else if (TOKEN[c] === 1) {
            if (++this.trailers > this.limits.maxTrailers) {
              throw parseError('TRAILERS_TOO_LARGE', this.side, 'too many trailer fields');
            }
            if (this.trailers === 1) this.trailerStart = i - 1;
            state = S_TRAILER_NAME;
          } else if (c === SP || c === HTAB) throw this.fail('obsolete line folding in trailers');
          else throw this.fail('invalid trailer field name');
          break;
        case S_TRAILER_NAME:
          this.trailer();
          if (c === COLON) state = S_TRAILER_VALUE;
          else if (TOKEN[c] !== 1) throw this.fail('invalid trailer field name');
          break;
        case S_TRAILER_VALUE:
          this.trailer();
          if (c === CR) state = S_TRAILER_LF;
          else if (FIELD_VALUE[c] !== 1) throw this.fail('invalid trailer field value');
          break;
        case S_TRAILER_LF:
          this.trailer();
          if (c !== LF) throw this.fail('LF expected in trailers');
          state = S_TRAILER_START;
          break;
        case S_END_LF:
          if (c !== LF) throw this.fail('LF expected at end of chunked body');
          this.state = S_DONE;
          return i;
        default: // S_DONE
          this.state = state;
          return start;
      }
    }
    this.state = state;
    return state === S_DONE ? start : -1;
  }

  private ext(): void {
    if (++this.extLen > this.limits.maxExtensionSize) throw this.fail('chunk extension too long');
  }

  private trailer(): void {
    if (++this.trailerBytes > this.limits.maxTrailerSize) {
      throw parseError('TRAILERS_TOO_LARGE', this.side, 'trailer section too large');
    }
  }

  private fail(reason: string): Error {
    return parseError('BAD_CHUNK', this.side, reason);
  }
}

/** Counts down a Content-Length body. */
export class ContentLengthBody {
  /** Bytes still expected. */
  remaining: number;
  /** Same shape as ChunkedBodyParser's: a length body has no trailers. */
  readonly trailers = 0;
  readonly trailerStart = -1;

  constructor(length: number) {
    this.remaining = length;
  }

  get done(): boolean {
    return this.remaining === 0;
  }

  /** Consumes buf[start, end); returns -1 if more is expected, else the offset just after the body's last byte. */
  execute(buf: Uint8Array, start = 0, end = buf.length): number {
    const avail = end - start;
    if (avail < this.remaining) {
      this.remaining -= avail;
      return -1;
    }
    const r = start + this.remaining;
    this.remaining = 0;
    return r;
  }
}
