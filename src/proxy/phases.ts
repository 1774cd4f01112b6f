import type { RequestContext } from '../pdk/context.js';

/**
 * The plugin pipeline as the proxy sees it. Computed when configuration changes; `active` is false
 * when no plugin is configured, and the proxy then skips every phase call.
 */
export interface PhaseRunner {
  readonly active: boolean;
  /** rewrite and access phases; a plugin answers by setting ctx.exit. */
  access(ctx: RequestContext): void | Promise<void>;
  /** Whether header_filter/body_filter plugins need the whole response body. */
  wantsResponseBody(ctx: RequestContext): boolean;
  /** header_filter (and response) phase, on upstream and on Kong's own answers. */
  headerFilter(ctx: RequestContext): void;
  /** body_filter over the buffered response body (ctx.responseBody). */
  bodyFilter(ctx: RequestContext): void;
  /** log phase, after the response was sent. */
  log(ctx: RequestContext): void;
}
