import type { PluginSchemaDef } from '../store/schema/index.js';

/** Phase functions a plugin may implement; `kong` is the PDK handed to each call. */
export interface PluginHandler {
  certificate?(kong: any, conf: any): unknown;
  rewrite?(kong: any, conf: any): unknown;
  access?(kong: any, conf: any): unknown;
  response?(kong: any, conf: any): unknown;
  header_filter?(kong: any, conf: any): unknown;
  body_filter?(kong: any, conf: any): unknown;
  log?(kong: any, conf: any): unknown;
}

export interface PluginDefinition {
  name: string;
  version: string;
  priority: number;
  schema: PluginSchemaDef;
  handler: PluginHandler;
}
