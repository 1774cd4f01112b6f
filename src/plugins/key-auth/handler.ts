// key-auth (kong/plugins/key-auth/handler.lua): a key from a header, the query string or the
// body identifies a consumer through its keyauth_credentials.
import type { Kong, PluginHandler } from '../types.js';
import { setConsumerHeaders, useAnonymous } from '../shared/consumer.js';

interface Conf {
  key_names: string[];
  hide_credentials: boolean;
  anonymous: string | null;
  key_in_header: boolean;
  key_in_query: boolean;
  key_in_body: boolean;
  run_on_preflight: boolean;
  realm: string | null;
}

function unauthorized(kong: Kong, conf: Conf, message: string) {
  const challenge = conf.realm ? `Key realm="${conf.realm}"` : 'Key';
  return kong.response.error(401, message, { 'WWW-Authenticate': challenge });
}

async function findKey(kong: Kong, conf: Conf): Promise<{ key?: string; name?: string; where?: string; duplicate?: boolean; body?: Record<string, unknown> }> {
  let body: Record<string, unknown> | undefined;
  for (const name of conf.key_names) {
    const found: Array<[string, string]> = [];
    if (conf.key_in_header) {
      const v = kong.request.get_header(name);
      if (v !== undefined) found.push([v, 'header']);
    }
    if (conf.key_in_query) {
      const v = kong.request.get_query_arg(name);
      if (Array.isArray(v)) return { duplicate: true };
      if (typeof v === 'string') found.push([v, 'query']);
    }
    if (conf.key_in_body) {
      if (!body) {
        const r = await kong.request.get_body();
        body = 'body' in r && r.body && typeof r.body === 'object' ? (r.body as Record<string, unknown>) : {};
      }
      const v = body[name];
      if (typeof v === 'string') found.push([v, 'body']);
      else if (Array.isArray(v)) return { duplicate: true };
    }
    if (found.length > 1) return { duplicate: true };
    if (found.length === 1) return { key: found[0]![0], name, where: found[0]![1], body };
  }
  return {};
}

export const handler: PluginHandler = {
  async access(kong: Kong, conf: Conf) {
    if (!conf.run_on_preflight && kong.request.get_method() === 'OPTIONS') return;
    // an already authenticated request passes when this plugin is the anonymous fallback
    if (conf.anonymous && kong.client.get_credential()) return;
    const found = await findKey(kong, conf);
    if (found.duplicate) return unauthorized(kong, conf, 'Duplicate API key found');
    if (!found.key) {
      if (conf.anonymous) return useAnonymous(kong, conf.anonymous);
      return unauthorized(kong, conf, 'No API key found in request');
    }
    const cred = kong.db.find('keyauth_credentials', 'key', found.key)[0];
    if (!cred || (typeof cred.ttl === 'number' && cred.ttl <= 0)) {
      if (conf.anonymous) return useAnonymous(kong, conf.anonymous);
      return unauthorized(kong, conf, 'Unauthorized');
    }
    const consumer = kong.db.get('consumers', cred.consumer.id);
    if (!consumer) return kong.response.error(500, 'An unexpected error occurred');
    if (conf.hide_credentials) {
      if (found.where === 'header') kong.service.request.clear_header(found.name!);
      else if (found.where === 'query') {
        const q = kong.request.get_query();
        delete q[found.name!];
        kong.service.request.set_query(q);
      } else if (found.where === 'body' && found.body) {
        const rest = { ...found.body };
        delete rest[found.name!];
        kong.service.request.set_body(rest);
      }
    }
    setConsumerHeaders(kong, consumer as any, { id: cred.id, consumer: cred.consumer });
  },
};
