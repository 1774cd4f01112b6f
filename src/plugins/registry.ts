// name -> { schema, handler, priority }: the only list of bundled plugins.
import type { PluginSchemaDef, PluginSchemaProvider } from '../store/schema/index.js';
import type { PluginDefinition } from './types.js';
import { schema as wallarmSchema } from './wallarm-plugin/schema.js';
import { createHandler as wallarm } from './wallarm-plugin/handler.js';
import { schema as keyAuthSchema } from './key-auth/schema.js';
import { handler as keyAuth } from './key-auth/handler.js';
// @auth-plugins imports
import { schema as basicAuthSchema } from './basic-auth/schema.js';
import { handler as basicAuth } from './basic-auth/handler.js';
import { schema as jwtSchema } from './jwt/schema.js';
import { handler as jwt } from './jwt/handler.js';
import { schema as aclSchema } from './acl/schema.js';
import { handler as acl } from './acl/handler.js';
import { schema as ipRestrictionSchema } from './ip-restriction/schema.js';
import { handler as ipRestriction } from './ip-restriction/handler.js';
import { schema as botDetectionSchema } from './bot-detection/schema.js';
import { handler as botDetection } from './bot-detection/handler.js';
import { schema as requestSizeLimitingSchema } from './request-size-limiting/schema.js';
import { handler as requestSizeLimiting } from './request-size-limiting/handler.js';
import { schema as corsSchema } from './cors/schema.js';
import { handler as cors } from './cors/handler.js';
import { schema as correlationIdSchema } from './correlation-id/schema.js';
import { handler as correlationId } from './correlation-id/handler.js';
import { schema as hmacAuthSchema } from './hmac-auth/schema.js';
import { handler as hmacAuth } from './hmac-auth/handler.js';
// @traffic-plugins imports
import { schema as tcpLogSchema } from './tcp-log/schema.js';
import { handler as tcpLog } from './tcp-log/handler.js';
import { schema as httpLogSchema } from './http-log/schema.js';
import { handler as httpLog } from './http-log/handler.js';
import { schema as fileLogSchema } from './file-log/schema.js';
import { handler as fileLog } from './file-log/handler.js';
import { schema as prometheusSchema } from './prometheus/schema.js';
import { handler as prometheus, adminRoutes as prometheusAdminRoutes } from './prometheus/handler.js';
import { schema as responseTransformerSchema } from './response-transformer/schema.js';
import { handler as responseTransformer } from './response-transformer/handler.js';
import { schema as requestTransformerSchema } from './request-transformer/schema.js';
import { handler as requestTransformer } from './request-transformer/handler.js';
import { schema as rateLimitingSchema } from './rate-limiting/schema.js';
import { handler as rateLimiting } from './rate-limiting/handler.js';
import { schema as proxyCacheSchema } from './proxy-cache/schema.js';
import { handler as proxyCache } from './proxy-cache/handler.js';
import { schema as requestTerminationSchema } from './request-termination/schema.js';
import { handler as requestTermination } from './request-termination/handler.js';
import { schema as responseRateLimitingSchema } from './response-ratelimiting/schema.js';
import { handler as responseRateLimiting } from './response-ratelimiting/handler.js';
import { schema as udpLogSchema } from './udp-log/schema.js';
import { handler as udpLog } from './udp-log/handler.js';

export type { PluginDefinition };

/** Bundled plugins. Adding a plugin is adding its folder and one line here. */
export const BUNDLED: PluginDefinition[] = [
  // runs first so every request is judged before authentication and rate limits
  { name: 'wallarm-plugin', version: '1.0.0', priority: 3000, schema: wallarmSchema, handler: wallarm },
  // @auth-plugins (keep one line per plugin)
  { name: 'correlation-id', version: '3.10.0', priority: 100001, schema: correlationIdSchema, handler: correlationId },
  { name: 'bot-detection', version: '3.10.0', priority: 2500, schema: botDetectionSchema, handler: botDetection },
  { name: 'cors', version: '3.10.0', priority: 2000, schema: corsSchema, handler: cors },
  { name: 'jwt', version: '3.10.0', priority: 1450, schema: jwtSchema, handler: jwt },
  { name: 'basic-auth', version: '3.10.0', priority: 1100, schema: basicAuthSchema, handler: basicAuth },
  { name: 'ip-restriction', version: '3.10.0', priority: 990, schema: ipRestrictionSchema, handler: ipRestriction },
  { name: 'request-size-limiting', version: '3.10.0', priority: 951, schema: requestSizeLimitingSchema, handler: requestSizeLimiting },
  { name: 'acl', version: '3.10.0', priority: 950, schema: aclSchema, handler: acl },
  { name: 'key-auth', version: '3.10.0', priority: 1250, schema: keyAuthSchema, handler: keyAuth },
  { name: 'hmac-auth', version: '3.10.0', priority: 1030, schema: hmacAuthSchema, handler: hmacAuth },
  // @traffic-plugins (keep one line per plugin)
  { name: 'proxy-cache', version: '3.10.0', priority: 100, schema: proxyCacheSchema, handler: proxyCache },
  { name: 'tcp-log', version: '3.10.0', priority: 7, schema: tcpLogSchema, handler: tcpLog },
  { name: 'http-log', version: '3.10.0', priority: 12, schema: httpLogSchema, handler: httpLog },
  { name: 'file-log', version: '3.10.0', priority: 9, schema: fileLogSchema, handler: fileLog },
  { name: 'prometheus', version: '3.10.0', priority: 13, schema: prometheusSchema, handler: prometheus, adminRoutes: prometheusAdminRoutes },
  { name: 'response-transformer', version: '3.10.0', priority: 800, schema: responseTransformerSchema, handler: responseTransformer },
  { name: 'request-transformer', version: '3.10.0', priority: 801, schema: requestTransformerSchema, handler: requestTransformer },
  { name: 'rate-limiting', version: '3.10.0', priority: 910, schema: rateLimitingSchema, handler: rateLimiting },
  { name: 'request-termination', version: '3.10.0', priority: 2, schema: requestTerminationSchema, handler: requestTermination },
  { name: 'response-ratelimiting', version: '3.10.0', priority: 900, schema: responseRateLimitingSchema, handler: responseRateLimiting },
  { name: 'udp-log', version: '3.10.0', priority: 8, schema: udpLogSchema, handler: udpLog },
];

export class PluginRegistry implements PluginSchemaProvider {
  private readonly available = new Map<string, PluginDefinition>();
  private readonly enabled = new Set<string>();

  /** `enabledNames` follows KONG_PLUGINS: 'bundled', explicit names, or 'off'. */
  constructor(definitions: PluginDefinition[], enabledNames: string[] = ['bundled'], bundled: string[] = BUNDLED.map((d) => d.name)) {
    for (const d of definitions) this.available.set(d.name, d);
    for (const n of enabledNames) {
      if (n === 'off') continue;
      if (n === 'bundled') for (const b of bundled) this.enabled.add(b);
      else this.enabled.add(n);
    }
  }

  /** Add a definition after construction (custom plugins loaded from disk). */
  add(def: PluginDefinition): void {
    this.available.set(def.name, def);
  }

  get(name: string): PluginSchemaDef | undefined {
    return this.available.get(name)?.schema;
  }

  definition(name: string): PluginDefinition | undefined {
    return this.enabled.has(name) ? this.available.get(name) : undefined;
  }

  isEnabled(name: string): boolean {
    return this.enabled.has(name) && this.available.has(name);
  }

  /** Names requested in KONG_PLUGINS that no plugin provides. */
  missing(): string[] {
    return [...this.enabled].filter((n) => !this.available.has(n));
  }

  enabledNames(): string[] {
    return [...this.enabled].filter((n) => this.available.has(n)).sort();
  }

  enabledDefinitions(): PluginDefinition[] {
    return this.enabledNames().map((n) => this.available.get(n)!);
  }
}
