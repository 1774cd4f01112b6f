// request-size-limiting (kong/plugins/request-size-limiting/handler.lua): Content-Length when it is
// a number, otherwise the buffered body, compared with allowed_payload_size in size_unit.
import type { Kong, PluginHandler } from '../types.js';

interface Conf {
  allowed_payload_size: number;
  size_unit: 'megabytes' | 'kilobytes' | 'bytes';
  require_content_length: boolean;
}

const FACTOR = { bytes: 1, kilobytes: 1024, megabytes: 1048576 } as const;

function checkSize(kong: Kong, length: number, conf: Conf) {
  if (length <= conf.allowed_payload_size * FACTOR[conf.size_unit]) return undefined;
  const expect = kong.request.get_header('expect');
  const status = expect !== undefined && expect.trim().toLowerCase() === '100-continue' ? 417 : 413;
  return kong.response.error(status, 'Request size limit exceeded');
}

export const handler: PluginHandler = {
  async access(kong: Kong, conf: Conf) {
    const cl = kong.request.get_header('content-length');
    if (cl !== undefined && cl.trim() !== '' && Number.isFinite(Number(cl))) return checkSize(kong, Number(cl), conf);
    if (conf.require_content_length) return kong.response.error(411, 'A valid Content-Length header is required');
    const body = await kong.request.get_raw_body();
    return checkSize(kong, body.length, conf);
  },
};
