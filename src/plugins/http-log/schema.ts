// http-log config (kong/plugins/http-log/schema.lua, Kong 3.x with typedefs.queue)
import type { PluginSchemaDef } from '../../store/schema/index.js';
import { custom_fields_by_lua } from '../shared/log-fields.js';
import { queueSchema } from '../shared/queue.js';

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;

function validateUrl(v: string): string | undefined {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return `missing host in url`;
  }
  if (!u.hostname) return 'missing host in url';
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `unsupported scheme: ${u.protocol.slice(0, -1)}`;
  return undefined;
}

function headerKey(k: string): string | undefined {
  if (!HEADER_NAME.test(k)) return `bad header name '${k}', allowed characters are A-Z, a-z, 0-9, '_', and '-'`;
  const l = k.toLowerCase();
  if (l === 'host') return "cannot contain 'Host' header";
  if (l === 'content-length') return "cannot contain 'Content-Length' header";
  if (l === 'content-type') return "cannot contain 'Content-Type' header";
  return undefined;
}

export const schema: PluginSchemaDef = {
  name: 'http-log',
  config: {
    type: 'record',
    fields: [
      { http_endpoint: { type: 'string', required: true, encrypted: true, custom: validateUrl } },
      { method: { type: 'string', default: 'POST', one_of: ['POST', 'PUT', 'PATCH'] } },
      { content_type: { type: 'string', default: 'application/json', one_of: ['application/json', 'application/json; charset=utf-8'] } },
      { timeout: { type: 'number', default: 10000 } },
      { keepalive: { type: 'number', default: 60000 } },
      { headers: { type: 'map', keys: { type: 'string', custom: headerKey }, values: { type: 'string' } } },
      { queue: queueSchema },
      { custom_fields_by_lua },
    ],
  },
  // deprecated 2.x fields (Kong 3.x shorthand_fields): queue_size and flush_timeout map into queue; retry_count is ignored
  shorthand(config) {
    if (!('queue_size' in config) && !('flush_timeout' in config) && !('retry_count' in config)) return config;
    const out: Record<string, any> = { ...config };
    const queue = out.queue && typeof out.queue === 'object' ? { ...out.queue } : {};
    if (out.queue_size != null) queue.max_batch_size = out.queue_size;
    if (out.flush_timeout != null) queue.max_coalescing_delay = out.flush_timeout;
    delete out.queue_size;
    delete out.flush_timeout;
    delete out.retry_count;
    if (Object.keys(queue).length) out.queue = queue;
    return out;
  },
  entity_checks: [
    (e) => {
      const c = e.config ?? {};
      if (typeof c.http_endpoint !== 'string') return undefined;
      let userinfo = false;
      try {
        const u = new URL(c.http_endpoint);
        userinfo = u.username !== '' || u.password !== '';
      } catch {
        return undefined;
      }
      const auth = c.headers && Object.keys(c.headers).some((k) => k.toLowerCase() === 'authorization');
      if (userinfo && auth) return { config: "specifying both an 'Authorization' header and user info in 'http_endpoint' is not allowed" };
      return undefined;
    },
  ],
};
