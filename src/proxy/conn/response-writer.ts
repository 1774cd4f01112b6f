// The response side: the upstream's head parsed and rewritten for the client (one write with the first body
// bytes), the body streamed with its framing validated, or buffered for body_filter plugins; WebSocket tunnels.
import { ChunkedBodyParser, ContentLengthBody, buildResponseHead, type ResponseHead } from '../http1/index.js';
import { clientHead, responseHeaders } from '../headers.js';
import { RequestReader } from './request-reader.js';
import { S_CLOSED, S_TUNNEL } from './state.js';
import { CRLF, Dechunker, LAST_CHUNK, chunkOf } from './wire.js';

export abstract class ResponseWriter extends RequestReader {
  protected parseResponseHead(chunk: Buffer, offset: number): void {
    const up = this.up!;
    const head = this.head!;
    let rh: ResponseHead | null;
    try {
      rh = up.parser.execute(chunk, offset, head.method === 'HEAD');
    } catch (err) {
      this.core.logger.debug({ err, request_id: this.ctx!.requestId }, 'invalid upstream response');
      this.discardUpstream();
      this.keepAlive = this.keepAlive && this.bodyDone;
      return this.sendError(502);
    }
    if (!rh) return;
    if (rh.interim) {
      // 1xx interim answers are consumed here; nginx does not forward them either
      if (rh.end < chunk.length) this.parseResponseHead(chunk, rh.end);
      return;
    }
    this.resHead = rh;
    const ctx = this.ctx!;
    ctx.upstreamLatencyMs = Math.round(Number(process.hrtime.bigint() - ctx.upstreamStartNs) / 1e6);
    ctx.status = rh.status;
    if (this.peer !== null && this.peer.upstreamId !== null) this.core.reportStatus(this.peer, rh.status);
    if (rh.upgrade && head.upgrade) return this.startTunnel(rh, chunk.subarray(rh.end));

    const phases = this.core.phases;
    const buffering = phases !== null && phases.active && phases.wantsResponseBody(ctx);
    if (rh.bodyKind === 'length') this.resBody = new ContentLengthBody(rh.contentLength!);
    else if (rh.bodyKind === 'chunked') this.resBody = new ChunkedBodyParser('response');
    else this.resBody = null;
    this.resClose = rh.bodyKind === 'close';
    if (buffering) {
      this.resBuffer = [];
    } else {
      this.resBuffer = null;
      this.writeResponseHead(rh, null); // kept in pendingHead: it goes out with the body bytes of this chunk
    }
    if (rh.end < chunk.length) this.forwardResponse(chunk, rh.end);
    else if (this.resBody === null && !this.resClose) this.responseComplete();
    if (this.pendingHead !== null && this.state !== S_CLOSED) this.flushHead();
  }

  /** Upstream headers as the client gets them, then the header_filter phase over them. */
  private filterHeaders(rh: ResponseHead): void {
    const ctx = this.ctx!;
    ctx.responseHeaders = responseHeaders(ctx, rh.headers, rh.connectionTokens, this.core.settings, this.hashCookie);
    try {
      this.core.phases!.headerFilter(ctx);
    } catch (err) {
      this.core.logger.error({ err, request_id: ctx.requestId }, 'header_filter failed');
    }
  }

  /** Produces the client's response head into `pendingHead` (written by the next send / flushHead). */
  private writeResponseHead(rh: ResponseHead, bodyLength: number | null, filtered = false): void {
    const ctx = this.ctx!;
    const settings = this.core.settings;
    const phases = this.core.phases;
    const general = phases !== null && phases.active;
    if (general && !filtered) this.filterHeaders(rh);
    const client11 = ctx.httpVersion === '1.1';
    let chunked = false;
    let length: number | null = null;
    if (bodyLength !== null) length = bodyLength;
    else if (rh.bodyKind === 'chunked') {
      chunked = client11;
      if (!client11) this.keepAlive = false;
    } else if (rh.bodyKind === 'length') length = rh.contentLength;
    else if (rh.bodyKind === 'close') {
      this.resChunkWrap = client11;
      chunked = client11;
      if (!client11) this.keepAlive = false;
    } else if (rh.contentLength !== null) length = rh.contentLength; // HEAD / 304 keep the announced length
    else if (rh.status !== 204 && rh.status !== 304 && !(rh.status >= 100 && rh.status < 200)) length = 0;
    const keepAlive = this.keepAlive && this.bodyDone;
    if (!keepAlive) this.keepAlive = false;
    const text = general
      ? buildResponseHead(ctx.status, ctx.status === rh.status ? rh.reason || null : null, ctx.responseHeaders!.list, { chunked, contentLength: length, connection: keepAlive ? 'keep-alive' : 'close' })
      : clientHead(ctx, rh, settings, { chunked, contentLength: length, keepAlive }, this.hashCookie);
    this.resStarted = true;
    ctx.bytesOut += text.length;
    this.pendingHead = text;
    if (!client11 && rh.bodyKind === 'chunked') this.dechunk = new Dechunker();
  }

  protected forwardResponse(chunk: Buffer, offset: number): void {
    const ctx = this.ctx!;
    this.setDeadline('upstream', ctx.service!.read_timeout);
    const body = this.resBody;
    let end = -1;
    if (body) {
      try {
        end = body.execute(chunk, offset);
      } catch (err) {
        this.core.logger.debug({ err, request_id: ctx.requestId }, 'invalid upstream body framing');
        this.discardUpstream();
        if (this.pendingHead !== null) {
          // nothing reached the client yet: a clean 502 instead of a cut-off answer
          this.pendingHead = null;
          this.resStarted = false;
          ctx.bytesOut = 0;
          this.keepAlive = this.keepAlive && this.bodyDone;
          return this.sendError(502);
        }
        if (!this.resStarted) return this.sendError(502);
        return this.close();
      }
    }
    let last = end === -1 ? chunk.length : end;
    // Upstream trailers are not passed on, as nginx does: the chunked body ends with an empty trailer section
    // (buffered and HTTP/1.0 bodies are decoded, which drops them as well).
    const cut = body !== null && body.trailers !== 0;
    if (cut) last = body.trailerStart >= offset ? body.trailerStart : offset;
    if (last > offset) {
      const piece = offset === 0 && last === chunk.length ? chunk : chunk.subarray(offset, last);
      if (this.resBuffer) this.resBuffer.push(Buffer.from(piece)); // copied: `chunk` may be a reused read buffer
      else this.writeBody(piece);
    }
    if (end === -1 && body) return;
    if (cut && this.resBuffer === null && this.dechunk === null) this.send(CRLF);
    if (!body && this.resClose) return; // close-delimited: the end is the upstream closing
    if (end !== -1 && end < chunk.length) {
      // bytes after the response: the upstream cannot be trusted for reuse
      this.up!.dead = true;
    }
    this.responseComplete();
  }

  private writeBody(piece: Buffer): void {
    let ok: boolean;
    if (this.resChunkWrap) ok = this.send(chunkOf(piece));
    else if (this.dechunk) {
      const plain = this.dechunk.push(piece);
      ok = plain.length ? this.send(plain) : true;
    } else ok = this.send(piece);
    this.ctx!.bytesOut += piece.length;
    if (!ok && this.up !== null) {
      // the client is the slow side now: the upstream waits, under nginx's send_timeout rather than read_timeout
      this.up.socket.pause();
      this.setDeadline('send', this.core.settings.sendTimeoutMs);
    }
  }

  protected responseComplete(): void {
    const ctx = this.ctx!;
    if (this.resBuffer) {
      let bodyBuf: Buffer = Buffer.concat(this.resBuffer);
      if (this.resHead!.bodyKind === 'chunked') bodyBuf = new Dechunker().push(bodyBuf);
      ctx.responseBody = bodyBuf;
      this.resBuffer = null;
      // Kong's order: header_filter, then body_filter (which may read the headers), then the head goes out
      this.filterHeaders(this.resHead!);
      try {
        this.core.phases?.bodyFilter(ctx);
      } catch (err) {
        this.core.logger.error({ err, request_id: ctx.requestId }, 'body_filter failed');
      }
      const out = ctx.responseBody ?? Buffer.alloc(0);
      this.writeResponseHead(this.resHead!, out.length, true);
      if (out.length) this.send(out);
      ctx.bytesOut += out.length;
    } else if (this.resChunkWrap) {
      this.send(LAST_CHUNK);
    }
    this.flushHead();
    this.resChunkWrap = false;
    this.dechunk = null;
    if (this.bodyDone) return this.finishExchange();
    // The upstream answered before the request body ended (the client was told Connection: close): the upstream
    // saw an incomplete request and cannot be reused; the rest of the client's body is not read.
    this.discardUpstream();
    this.keepAlive = false;
    this.completeRequest();
  }

  private finishExchange(): void {
    const up = this.up;
    const rh = this.resHead;
    this.detachUpstream();
    if (up) {
      if (rh && rh.keepAlive && !up.dead && !this.resClose) this.core.pool.release(up);
      else this.core.pool.discard(up);
    }
    this.completeRequest();
  }

  private startTunnel(rh: ResponseHead, rest: Buffer): void {
    const ctx = this.ctx!;
    const headers = responseHeaders(ctx, rh.headers, rh.connectionTokens, this.core.settings, this.hashCookie);
    const text = buildResponseHead(101, rh.reason || null, headers.list, { chunked: false, contentLength: null, connection: 'upgrade', upgrade: rh.upgradeProtocol });
    this.pendingHead = text;
    if (rest.length) this.send(rest);
    else this.flushHead();
    this.state = S_TUNNEL;
    this.setDeadline(null, 0);
    this.keepAlive = false;
    if (this.buffered.length) {
      for (const c of this.buffered) this.up!.socket.write(c);
      this.buffered = [];
      this.bufferedBytes = 0;
    }
    if (this.socket.isPaused()) this.socket.resume();
    this.core.logRequest(ctx);
  }
}
