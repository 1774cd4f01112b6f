// request-termination (kong/plugins/request-termination/handler.lua)
import type { Kong, PluginHandler } from '../types.js';

interface Conf {
  status_code: number;
  message: string | null;
  content_type: string | null;
  body: string | null;
  echo: boolean;
  trigger: string | null;
}

const DEFAULT_MESSAGES: Record<number, string> = { 503: 'Service unavailable' };

export const handler: PluginHandler = {
  async access(kong: Kong, conf: Conf) {
    if (conf.trigger && kong.request.get_header(conf.trigger) === undefined && kong.request.get_query_arg(conf.trigger) === undefined) return;
    if (conf.echo) {
      const raw = await kong.request.get_raw_body();
      return kong.response.exit(conf.status_code, {
        message: conf.message ?? DEFAULT_MESSAGES[conf.status_code] ?? 'Request terminated',
        request: {
          scheme: kong.request.get_scheme(),
          host: kong.request.get_host(),
          port: kong.request.get_port(),
          method: kong.request.get_method(),
          path: kong.request.get_path(),
          query: kong.request.get_query(),
          headers: kong.request.get_headers(),
          raw_body: raw.toString('utf8'),
        },
        matched_route: kong.router.get_route(),
        matched_service: kong.router.get_service(),
      });
    }
    if (conf.body !== null) {
      return kong.response.exit(conf.status_code, conf.body, { 'Content-Type': conf.content_type ?? 'application/json; charset=utf-8' });
    }
    const message = conf.message ?? DEFAULT_MESSAGES[conf.status_code] ?? 'Request terminated';
    return kong.response.error(conf.status_code, message);
  },
};
