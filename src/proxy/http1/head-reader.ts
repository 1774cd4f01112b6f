/**
 * Incremental head framing shared by the request and response parsers: finds where a head ends across any number
 * of chunks, enforces the size limits while bytes arrive, and refuses bare CR / LF early.
 *
 * Fast path: the whole head is in one chunk; one native `indexOf("\r\n\r\n")`, then the subclass parses the latin1
 * string. Slow path: the partial head is copied (never kept by reference: `onread` buffers are reused) into one
 * growable buffer, so tiny chunks cost O(total), not O(n^2).
 */
import { CR, LF, METHOD, SP } from './chars.js';
import { type MessageSide, parseError } from './errors.js';
import { type HeadLimits, resolveLimits } from './limits.js';

const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const HTTP_SLASH = 'HTTP/';

export abstract class HeadReader<T> {
  readonly limits: HeadLimits;
  protected readonly side: MessageSide;
  private pending: Buffer | null = null;
  private pendingLen = 0;
  /** A lone CR was seen before the start line (leading empty lines are skipped). */
  private leadingCR = false;
  // Early-check state over the pending bytes.
  private lineLen = 0;
  private lineNo = 0;
  private prevCR = false;
  private inFirstWord = true;

  protected constructor(side: MessageSide, limits?: Partial<HeadLimits>) {
    this.side = side;
    this.limits = resolveLimits(limits);
  }

  /** Parses a complete head: buf[start, end) ends with the first CRLFCRLF. */
  protected abstract parseHead(buf: Buffer, start: number, end: number): T;

  /** Bytes of an incomplete head held by the parser (0 between messages). */
  get buffered(): number {
    return this.pendingLen;
  }

  /** Drops any partial head (e.g. when the socket is reused for something else). */
  reset(): void {
    this.pendingLen = 0;
    this.leadingCR = false;
    this.lineLen = 0;
    this.lineNo = 0;
    this.prevCR = false;
    this.inFirstWord = true;
    if (this.pending !== null && this.pending.length > 16384) this.pending = null;
  }

  /**
   * Feeds buf[start, buf.length). Returns the head, with `head.end` = the offset in `buf` of the first byte after it
   * (body or next pipelined message), or null when more bytes are needed (all bytes given were consumed).
   * Throws HttpParseError. After a head is returned the reader is ready for the next message.
   */
  protected read(buf: Buffer, start: number): { head: T; end: number } | null {
    const end = buf.length;
    let p = start;
    if (this.pendingLen === 0) {
      if (this.leadingCR) {
        if (p === end) return null;
        if (buf[p] !== LF) throw parseError('BARE_CR', this.side, 'CR not followed by LF');
        this.leadingCR = false;
        p++;
      }
      // RFC 9112 §2.2: ignore empty lines before the start line (llhttp and nginx do too).
      while (p < end && buf[p] === CR) {
        if (p + 1 === end) {
          this.leadingCR = true;
          return null;
        }
        if (buf[p + 1] !== LF) throw parseError('BARE_CR', this.side, 'CR not followed by LF');
        p += 2;
      }
      if (p === end) return null;
      const idx = buf.indexOf(CRLFCRLF, p);
      if (idx !== -1) {
        const headEnd = idx + 4;
        return { head: this.parseHead(buf, p, headEnd), end: headEnd };
      }
      this.check(buf, p, end, end - p);
      this.append(buf, p, end - p);
      return null;
    }
    // Continuing a partial head.
    const room = this.limits.maxHeadSize - this.pendingLen;
    const avail = end - p;
    const take = avail < room ? avail : room;
    const before = this.pendingLen;
    this.append(buf, p, take);
    const pending = this.pending as Buffer;
    const from = before > 3 ? before - 3 : 0;
    const idx = pending.subarray(0, this.pendingLen).indexOf(CRLFCRLF, from);
    if (idx !== -1) {
      const headEnd = idx + 4;
      const head = this.parseHead(pending, 0, headEnd);
      const consumed = headEnd - before;
      this.reset();
      return { head, end: p + consumed };
    }
    this.check(buf, p, p + take, this.pendingLen);
    if (take < avail) throw parseError('HEADER_TOO_LARGE', this.side, 'head larger than maxHeadSize');
    return null;
  }

  /** Copies buf[p, p+n) after the pending bytes, growing the pending buffer by doubling. */
  private append(buf: Buffer, p: number, n: number): void {
    const need = this.pendingLen + n;
    let dst = this.pending;
    if (dst === null || dst.length < need) {
      let cap = dst === null ? 1024 : dst.length * 2;
      while (cap < need) cap *= 2;
      const grown = Buffer.allocUnsafe(cap);
      if (dst !== null && this.pendingLen > 0) dst.copy(grown, 0, 0, this.pendingLen);
      this.pending = dst = grown;
    }
    buf.copy(dst, this.pendingLen, p, p + n);
    this.pendingLen = need;
  }

  /** Early checks on bytes of a head that has not ended yet: bare CR/LF, line and head sizes, first word. */
  private check(buf: Buffer, from: number, to: number, total: number): void {
    const side = this.side;
    const limits = this.limits;
    let lineLen = this.lineLen;
    let lineNo = this.lineNo;
    let prevCR = this.prevCR;
    let inFirstWord = this.inFirstWord;
    for (let i = from; i < to; i++) {
      const c = buf[i] as number;
      lineLen++;
      if (prevCR) {
        if (c !== LF) throw parseError('BARE_CR', side, 'CR not followed by LF');
        if (lineLen > (lineNo === 0 ? limits.maxStartLineSize : limits.maxHeaderLineSize)) {
          throw lineTooLong(side, lineNo);
        }
        prevCR = false;
        lineNo++;
        lineLen = 0;
        continue;
      }
      if (c === CR) prevCR = true;
      else if (c === LF) throw parseError('BARE_LF', side, 'LF without CR');
      if (lineNo === 0) {
        if (lineLen > limits.maxStartLineSize) throw lineTooLong(side, 0);
        if (inFirstWord) {
          if (side === 'request') {
            if (c === SP) inFirstWord = false;
            else if (METHOD[c] !== 1) throw parseError('BAD_METHOD', side, 'invalid method character');
          } else if (lineLen <= 5) {
            if (c !== HTTP_SLASH.charCodeAt(lineLen - 1)) throw parseError('BAD_STATUS_LINE', side, 'not an HTTP/1.x response');
          } else inFirstWord = false;
        }
      } else if (lineLen > limits.maxHeaderLineSize) {
        throw lineTooLong(side, lineNo);
      }
    }
    this.lineLen = lineLen;
    this.lineNo = lineNo;
    this.prevCR = prevCR;
    this.inFirstWord = inFirstWord;
    if (total > limits.maxHeadSize) {
      throw parseError('HEADER_TOO_LARGE', side, 'head larger than maxHeadSize');
    }
  }
}

export function lineTooLong(side: MessageSide, lineNo: number): Error {
  if (lineNo === 0) return parseError(side === 'request' ? 'URI_TOO_LONG' : 'BAD_STATUS_LINE', side, 'start line too long');
  return parseError('HEADER_TOO_LARGE', side, 'header line too long');
}
