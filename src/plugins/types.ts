import type { PluginSchemaDef } from '../store/schema/index.js';
import type { Kong, PluginEnv } from '../pdk/index.js';

export type { Kong, PluginEnv };

type Phase = (kong: Kong, conf: any) => unknown;

/** Phase functions a plugin may implement, as Kong's handler.lua does. */
export interface PluginHandler {
  /** Runs for global plugins before routing. */
  rewrite?: Phase;
  access?: Phase;
  header_filter?: Phase;
  /** Sees the whole response body (buffered) through kong.response.get_raw_body/set_raw_body. */
  body_filter?: Phase;
  log?: Phase;
  /** Called when the gateway stops (timers, sockets). */
  close?(): void | Promise<void>;
}

export interface PluginDefinition {
  name: string;
  version: string;
  priority: number;
  schema: PluginSchemaDef;
  /** A handler, or a factory called once per gateway (plugins with state: counters, caches, sockets). */
  handler: PluginHandler | ((env: PluginEnv) => PluginHandler);
  /**
   * GET routes the plugin serves on the admin listener (prometheus: /metrics). Called once per gateway
   * with the same env as the handler factory; the handler instance is passed so they can share state.
   */
  adminRoutes?: (env: PluginEnv, handler: PluginHandler) => PluginAdminRoute[];
}

export interface PluginAdminRoute {
  /** Literal path, e.g. '/metrics'. */
  path: string;
  get(): Promise<{ status: number; body: string; contentType: string }> | { status: number; body: string; contentType: string };
}
