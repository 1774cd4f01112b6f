// Answers Kong produces itself: error bodies (§5.4, content-negotiated), plugin exits, https redirects.
import { buildResponseHead } from '../http1/index.js';
import { HeaderList } from '../../pdk/context.js';
import { negotiate, renderError, statusMessage, type ErrorType } from '../../pdk/kong-errors.js';
import { ConnectionState, S_CLOSED } from './state.js';
import { writeHeadAnd } from './wire.js';

export abstract class KongAnswers extends ConnectionState {
  protected httpsRedirect(status: number): void {
    const ctx = this.ctx!;
    if (status === 426) {
      return this.sendKong(426, renderError(negotiate(ctx.headers.get('accept'), undefined, 'json'), 'Please use HTTPS protocol', ctx.requestId), [], 'TLS/1.2, HTTP/1.1');
    }
    const host = (this.head!.host ?? '').replace(/:\d+$/, '');
    this.sendKong(status, { body: '', contentType: null }, ['Location', `https://${host}${ctx.target}`]);
  }

  /** nginx-level errors: text by default, JSON when the client accepts it. */
  protected sendError(status: number): void {
    this.sendKongError(status, statusMessage(status), this.core.settings.errorType);
  }

  protected sendKongError(status: number, message: string, fallback: ErrorType): void {
    const ctx = this.ensureCtx();
    ctx.source = 'error';
    const type = negotiate(ctx.headers.get('accept'), undefined, fallback);
    this.sendKong(status, renderError(type, message, ctx.requestId), []);
  }

  protected pluginFailure(err: unknown): void {
    if (this.state === S_CLOSED) return;
    const ctx = this.ctx!;
    ctx.error = err;
    this.core.logger.error({ err, request_id: ctx.requestId }, 'plugin failed');
    this.sendKongError(500, 'An unexpected error occurred', 'json');
  }

  protected sendExit(): void {
    const ctx = this.ctx!;
    const exit = ctx.exit!;
    ctx.source = 'exit';
    const body = exit.body === null ? '' : exit.body;
    this.sendKong(exit.status, { body, contentType: null }, exit.headers);
  }

  protected sendKong(status: number, r: { body: string | Buffer; contentType: string | null }, extra: string[], upgrade?: string): void {
    if (this.state === S_CLOSED) return;
    const ctx = this.ctx!;
    const settings = this.core.settings;
    if (this.up) this.discardUpstream();
    // too late for an answer of our own: the client already has part of the upstream's
    if (this.resStarted) return this.close();
    this.pendingHead = null;
    ctx.status = status;
    const list: string[] = [];
    if (r.contentType) list.push('Content-Type', r.contentType);
    for (let i = 0; i < extra.length; i += 2) list.push(extra[i]!, extra[i + 1]!);
    if (this.hashCookie !== null) list.push('Set-Cookie', this.hashCookie);
    ctx.responseLatencyMs = Math.round(ctx.elapsedMs());
    const headers = new HeaderList(list);
    ctx.responseHeaders = headers;
    let bodyBuf = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
    const phases = this.core.phases;
    if (phases?.active && ctx.route) {
      // Kong's own answers pass through the same output filters as upstream responses
      try {
        phases.headerFilter(ctx);
        if (phases.wantsResponseBody(ctx)) {
          ctx.responseBody = bodyBuf;
          phases.bodyFilter(ctx);
          bodyBuf = ctx.responseBody ?? Buffer.alloc(0);
        }
      } catch (err) {
        this.core.logger.error({ err, request_id: ctx.requestId }, 'response filter failed');
      }
    }
    const h = ctx.responseHeaders!.list;
    if (settings.responseLatency) h.push('X-Kong-Response-Latency', String(ctx.responseLatencyMs));
    if (settings.serverHeader && !ctx.responseHeaders!.has('server')) h.push('Server', `kong/${settings.kongVersion}`);
    if (settings.requestIdDownstream) h.push('X-Kong-Request-Id', ctx.requestId);
    // a request body we did not read makes the connection unusable for the next request
    if (!this.bodyDone) this.keepAlive = false;
    const noBody = this.head?.method === 'HEAD' || status === 204 || status === 304;
    const text = buildResponseHead(status, null, h, {
      chunked: false,
      contentLength: status === 204 || status === 304 ? null : bodyBuf.length,
      connection: upgrade ? 'upgrade' : this.keepAlive ? 'keep-alive' : 'close',
      upgrade,
    });
    this.resStarted = true;
    writeHeadAnd(this.socket, text, noBody ? [] : [bodyBuf], noBody ? 0 : bodyBuf.length);
    ctx.bytesOut += text.length + (noBody ? 0 : bodyBuf.length);
    this.completeRequest();
  }
}
