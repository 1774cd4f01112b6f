// hmac-auth (kong/plugins/hmac-auth/access.lua): `Authorization: hmac username="…", algorithm="…",
// headers="…", signature="…"` (or Proxy-Authorization, which wins), checked against hmacauth_credentials.
import type { Kong, PluginHandler } from '../types.js';
import { setConsumerHeaders, useAnonymous } from '../shared/consumer.js';
import { bodyDigest, decodeBase64, hmac, parseAuthorization, parseHttpTime, sameBytes, type HmacParams } from './signature.js';

interface Conf {
  hide_credentials: boolean;
  clock_skew: number;
  anonymous: string | null;
  validate_request_body: boolean;
  enforce_headers: string[];
  algorithms: string[];
  realm: string | null;
}

const SIGNATURE_NOT_VALID = 'HMAC signature cannot be verified';
const SIGNATURE_NOT_SAME = 'HMAC signature does not match';
const DATE_REQUIRED = 'HMAC signature cannot be verified, a valid date or x-date header is required for HMAC Authentication';

function validateClockSkew(kong: Kong, header: string, allowed: number): boolean {
  const date = kong.request.get_header(header);
  if (date === undefined) return false;
  const requestTime = parseHttpTime(date);
  if (requestTime === undefined) return false;
  return Math.abs(Math.floor(Date.now() / 1000) - requestTime) <= allowed;
}

function validateParams(params: HmacParams, conf: Conf): boolean {
  if (!params.username || !params.signature) return false;
  if (conf.enforce_headers.length > 0) {
    const used = new Set(params.headers ?? []);
    if (conf.enforce_headers.some((h) => !used.has(h))) return false;
  }
  return conf.algorithms.includes(params.algorithm!);
}

/** The signing string: `name: value` per listed header, `request-line` as `METHOD uri HTTP/x.y`. */
function signingString(kong: Kong, params: HmacParams, requestUri: string): string {
  const lines: string[] = [];
  for (const header of params.headers!) {
    const value = kong.request.get_header(header);
    if (value !== undefined) lines.push(`${header}: ${value}`);
    else if (header === 'request-line') lines.push(`${kong.request.get_method()} ${requestUri} HTTP/${kong.request.get_http_version().toFixed(1)}`);
    else lines.push(`${header}:`);
  }
  return lines.join('\n');
}

function validateSignature(kong: Kong, params: HmacParams, secret: string): boolean {
  const given = decodeBase64(params.signature!);
  if (sameBytes(hmac(params.algorithm!, secret, signingString(kong, params, kong.request.get_path_with_query())), given)) return true;
  // Kong still accepts request lines signed without the query string (deprecated by Kong/kong#3339)
  return sameBytes(hmac(params.algorithm!, secret, signingString(kong, params, kong.request.get_path())), given);
}

async function validateBody(kong: Kong): Promise<boolean> {
  const body = await kong.request.get_raw_body();
  const received = kong.request.get_header('digest');
  // no digest and no body is fine
  if (received === undefined) return body.length === 0;
  return bodyDigest(body) === received;
}

interface Failure {
  status: number;
  message: string;
}

async function authenticate(kong: Kong, conf: Conf): Promise<Failure | undefined> {
  const authorization = kong.request.get_header('authorization');
  const proxyAuthorization = kong.request.get_header('proxy-authorization');
  if (authorization === undefined && proxyAuthorization === undefined) return { status: 401, message: 'Unauthorized' };

  if (!(validateClockSkew(kong, 'x-date', conf.clock_skew) || validateClockSkew(kong, 'date', conf.clock_skew))) {
    return { status: 401, message: DATE_REQUIRED };
  }

  let params = parseAuthorization(proxyAuthorization);
  if (!params.username) {
    params = parseAuthorization(authorization);
    if (conf.hide_credentials) kong.service.request.clear_header('authorization');
  } else if (conf.hide_credentials) kong.service.request.clear_header('proxy-authorization');

  if (!validateParams(params, conf)) return { status: 401, message: SIGNATURE_NOT_VALID };

  const credential = kong.db.find('hmacauth_credentials', 'username', params.username)[0];
  if (!credential) return { status: 401, message: SIGNATURE_NOT_VALID };
  if (!validateSignature(kong, params, String(credential.secret ?? ''))) return { status: 401, message: SIGNATURE_NOT_SAME };
  if (conf.validate_request_body && !(await validateBody(kong))) return { status: 401, message: SIGNATURE_NOT_SAME };

  const consumer = kong.db.get('consumers', credential.consumer.id);
  setConsumerHeaders(kong, (consumer as any) ?? null, { id: credential.id, consumer: credential.consumer, username: credential.username });
  return undefined;
}

export const handler: PluginHandler = {
  async access(kong: Kong, conf: Conf) {
    // logical OR with other auth plugins: already authenticated
    if (conf.anonymous && kong.client.get_credential()) return undefined;
    const failure = await authenticate(kong, conf);
    if (!failure) return undefined;
    if (conf.anonymous) return useAnonymous(kong, conf.anonymous);
    const challenge = conf.realm !== null && conf.realm !== undefined ? `hmac realm="${conf.realm}"` : 'hmac';
    return kong.response.error(failure.status, failure.message, { 'WWW-Authenticate': challenge });
  },
};
