// jwt (kong/plugins/jwt/handler.lua): a token from the query string, a cookie or a Bearer header,
// whose key claim (iss by default) names a jwt_secrets credential that verifies its signature.
import type { Kong, PluginHandler } from '../types.js';
import { setConsumerHeaders, useAnonymous } from '../shared/consumer.js';
import { base64UrlDecode, checkMaximumExpiration, decodeToken, InvalidKeyError, verifyRegisteredClaims, verifySignature, type ClaimErrors } from './parser.js';

interface Conf {
  uri_param_names: string[] | null;
  cookie_names: string[] | null;
  key_claim_name: string;
  secret_is_base64: boolean;
  claims_to_verify: string[] | null;
  anonymous: string | null;
  run_on_preflight: boolean;
  maximum_expiration: number;
  header_names: string[] | null;
  realm: string | null;
}

interface Failure {
  status: number;
  message?: string;
  errors?: ClaimErrors;
  headers?: Record<string, string>;
}

const BEARER_RE = /\s*[Bb]earer\s+(.+)/;

function cookies(kong: Kong): Map<string, string> {
  const out = new Map<string, string>();
  const raw = kong.raw.headers.getAll('cookie').join('; ');
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim();
    if (!out.has(k)) out.set(k, part.slice(eq + 1).trim());
  }
  return out;
}

/** Distinct tokens found: one string, several (an array), a flag without value (true), or none. */
function retrieveTokens(kong: Kong, conf: Conf): string | string[] | true | undefined {
  const set = new Set<string>();
  let flag = false;
  const args = kong.request.get_query();
  for (const name of conf.uri_param_names ?? []) {
    const v = args[name];
    if (v === undefined) continue;
    if (v === true) flag = true;
    else if (Array.isArray(v)) for (const t of v) t !== '' && set.add(t);
    else if (v !== '') set.add(v);
  }
  if (conf.cookie_names?.length) {
    const jar = cookies(kong);
    for (const name of conf.cookie_names) {
      const c = jar.get(name);
      if (c) set.add(c);
    }
  }
  for (const name of conf.header_names ?? []) {
    const value = kong.request.get_header(name);
    if (value === undefined) continue;
    const m = BEARER_RE.exec(value);
    if (m && m[1] !== '') set.add(m[1]!);
  }
  if (set.size === 0) return flag ? true : undefined;
  if (set.size === 1 && !flag) return [...set][0];
  return [...set];
}

function authenticate(kong: Kong, conf: Conf): true | Failure {
  const base = conf.realm ? `Bearer realm="${conf.realm}"` : 'Bearer';
  const withError = base + ' error="invalid_token"';
  const unauthorized = (message: string | undefined, www: string, errors?: ClaimErrors): Failure => ({ status: 401, message, errors, headers: { 'WWW-Authenticate': www } });

  const token = retrieveTokens(kong, conf);
  if (token === undefined) return unauthorized('Unauthorized', base);
  if (Array.isArray(token)) return unauthorized('Multiple tokens provided', withError);
  if (typeof token !== 'string') return unauthorized('Unrecognizable token', withError);

  const decoded = decodeToken(token);
  if ('error' in decoded) return unauthorized('Bad token; ' + decoded.error, withError);
  const jwt = decoded.jwt;

  const claimName = conf.key_claim_name;
  // Lua's `claims[name] or header[name]`: a false or null claim falls back to the header
  const fromClaims = jwt.claims[claimName];
  const keyValue = fromClaims !== undefined && fromClaims !== null && fromClaims !== false ? fromClaims : jwt.header[claimName];
  if (keyValue === undefined || keyValue === null || keyValue === false) return unauthorized(`No mandatory '${claimName}' in claims`, withError);
  if (keyValue === '') return unauthorized(`Invalid '${claimName}' in claims`, withError);

  const secret = kong.db.find('jwt_secrets', 'key', String(keyValue))[0];
  if (!secret) return unauthorized(`No credentials found for given '${claimName}'`, withError);

  const algorithm: string = secret.algorithm ?? 'HS256';
  if (jwt.header.alg !== algorithm) return unauthorized('Invalid algorithm', withError);

  let key: string | Buffer | undefined = algorithm.startsWith('HS') ? secret.secret : secret.rsa_public_key;
  if (conf.secret_is_base64 && typeof key === 'string') key = base64UrlDecode(key);
  if (key === undefined || key === null) return unauthorized('Invalid key/secret', withError);

  let valid: boolean;
  try {
    valid = verifySignature(jwt, key);
  } catch (err) {
    if (err instanceof InvalidKeyError) throw err;
    valid = false;
  }
  if (!valid) return unauthorized('Invalid signature', withError);

  const claimErrors = verifyRegisteredClaims(jwt, conf.claims_to_verify);
  if (claimErrors) return unauthorized(undefined, withError, claimErrors);
  if (conf.maximum_expiration > 0) {
    const maxErrors = checkMaximumExpiration(jwt, conf.maximum_expiration);
    if (maxErrors) return unauthorized(undefined, withError, maxErrors);
  }

  const consumer = kong.db.get('consumers', secret.consumer.id);
  if (!consumer) return { status: 401, message: `Could not find consumer for '${claimName}=${String(keyValue)}'` };

  setConsumerHeaders(kong, consumer as any, { id: secret.id, consumer: secret.consumer });
  // jwt identifies the credential by its key (Kong: CREDENTIAL_IDENTIFIER = credential.key)
  if (secret.key) kong.service.request.set_header('X-Credential-Identifier', secret.key);
  kong.ctx.shared.authenticated_jwt_token = token;
  return true;
}

function run(kong: Kong, conf: Conf): true | Failure {
  try {
    return authenticate(kong, conf);
  } catch (err) {
    kong.log.err(String((err as Error).message ?? err));
    return { status: 500, message: 'An unexpected error occurred' };
  }
}

export const handler: PluginHandler = {
  access(kong: Kong, conf: Conf) {
    if (!conf.run_on_preflight && kong.request.get_method() === 'OPTIONS') return;
    if (conf.anonymous) {
      // logical OR: an earlier auth plugin already authenticated the request
      if (kong.client.get_credential()) return;
      if (run(kong, conf) !== true) return useAnonymous(kong, conf.anonymous);
      return;
    }
    const r = run(kong, conf);
    if (r === true) return;
    if (r.status === 500) return kong.response.error(500, r.message);
    return kong.response.exit(r.status, r.errors ?? { message: r.message }, r.headers);
  },
};
