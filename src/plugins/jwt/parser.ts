// JWT decoding and verification (kong/plugins/jwt/jwt_parser.lua) on node:crypto. Pure functions:
// no PDK, so unit tests can drive them directly.
import crypto from 'node:crypto';

export const ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'EdDSA'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

export interface Jwt {
  token: string;
  header64: string;
  claims64: string;
  signature64: string;
  header: Record<string, any>;
  claims: Record<string, any>;
  signature: Buffer;
}

/** Kong's base64_decode: url-safe alphabet, padding optional; undefined when the input is not base64. */
export function base64UrlDecode(input: string): Buffer | undefined {
  let s = input;
  const rem = s.length % 4;
  if (rem > 0) s += '='.repeat(4 - rem);
  s = s.replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return undefined;
  return Buffer.from(s, 'base64');
}

export function base64UrlEncode(b: Buffer | string): string {
  return Buffer.from(b).toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function isAlgorithm(a: unknown): a is Algorithm {
  return typeof a === 'string' && (ALGORITHMS as readonly string[]).includes(a);
}

/** Split into at most 3 parts: the third keeps any further dots (Kong's tokenize). */
function tokenize(token: string): string[] {
  const a = token.indexOf('.');
  if (a < 0) return [token];
  const b = token.indexOf('.', a + 1);
  if (b < 0) return [token.slice(0, a), token.slice(a + 1)];
  return [token.slice(0, a), token.slice(a + 1, b), token.slice(b + 1)];
}

function decodeJson(part: string | undefined): unknown {
  if (part === undefined) throw new Error('missing part');
  const raw = base64UrlDecode(part);
  if (!raw) throw new Error('not base64');
  return JSON.parse(raw.toString('utf8'));
}

/** Parse a token; errors are Kong's ("invalid JSON", "invalid alg", ...), to be prefixed with "Bad token; ". */
export function decodeToken(token: string): { jwt: Jwt } | { error: string } {
  const [h64, c64, s64] = tokenize(token);
  let header: any;
  let claims: any;
  let signature: Buffer | undefined;
  try {
    header = decodeJson(h64);
    claims = decodeJson(c64);
    if (s64 === undefined) throw new Error('missing signature');
    signature = base64UrlDecode(s64);
  } catch {
    return { error: 'invalid JSON' };
  }
  if (header === null || typeof header !== 'object' || !isAlgorithm(header.alg)) return { error: 'invalid alg' };
  if (claims === null || typeof claims !== 'object') return { error: 'invalid claims' };
  if (!signature) return { error: 'invalid signature' };
  return { jwt: { token, header64: h64!, claims64: c64!, signature64: s64!, header, claims, signature } };
}

const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };

/** Thrown when a public key cannot be loaded (Kong asserts: "Consumer Public Key is Invalid"). */
export class InvalidKeyError extends Error {}

function publicKey(key: string | Buffer): crypto.KeyObject {
  try {
    return crypto.createPublicKey(key);
  } catch {
    throw new InvalidKeyError('Consumer Public Key is Invalid');
  }
}

export function signingInput(jwt: Pick<Jwt, 'header64' | 'claims64'>): string {
  return jwt.header64 + '.' + jwt.claims64;
}

/** Verify the signature with an HMAC secret or a PEM public key, per the token header's alg. */
export function verifySignature(jwt: Jwt, key: string | Buffer): boolean {
  const alg = jwt.header.alg as Algorithm;
  const data = Buffer.from(signingInput(jwt));
  const bits = alg.slice(2);
  switch (alg.slice(0, 2)) {
    case 'HS': {
      const mac = crypto.createHmac(HASH[bits]!, key).update(data).digest();
      return mac.length === jwt.signature.length && crypto.timingSafeEqual(mac, jwt.signature);
    }
    case 'RS':
      return crypto.verify(HASH[bits]!, data, publicKey(key), jwt.signature);
    case 'PS':
      return crypto.verify(HASH[bits]!, data, { key: publicKey(key), padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST }, jwt.signature);
    case 'ES': {
      const size = bits === '512' ? 132 : bits === '384' ? 96 : 64;
      if (jwt.signature.length !== size) return false;
      return crypto.verify(HASH[bits]!, data, { key: publicKey(key), dsaEncoding: 'ieee-p1363' }, jwt.signature);
    }
    case 'Ed':
      return crypto.verify(null, data, publicKey(key), jwt.signature);
  }
  return false;
}

export type ClaimErrors = Record<string, string | string[]>;

function addError(errors: ClaimErrors, k: string, v: string): void {
  const prev = errors[k];
  if (prev === undefined) errors[k] = v;
  else errors[k] = Array.isArray(prev) ? [...prev, v] : [prev, v];
}

/** Registered claims (RFC 7519 4.1) Kong can check: exp and nbf. `now` in seconds. */
export function verifyRegisteredClaims(jwt: Jwt, claimsToVerify: string[] | null, now = Date.now() / 1000): ClaimErrors | null {
  const errors: ClaimErrors = {};
  for (const name of claimsToVerify ?? []) {
    const v = jwt.claims[name];
    if (typeof v !== 'number') {
      addError(errors, name, 'must be a number');
      continue;
    }
    if (name === 'exp' && v <= Math.floor(now)) addError(errors, name, 'token expired');
    if (name === 'nbf' && v > Math.floor(now)) addError(errors, name, 'token not valid yet');
  }
  return Object.keys(errors).length ? errors : null;
}

export function checkMaximumExpiration(jwt: Jwt, maximum: number, now = Date.now() / 1000): ClaimErrors | null {
  if (maximum <= 0) return null;
  const exp = jwt.claims.exp;
  if (exp === undefined || exp === null || Number(exp) - Math.floor(now) > maximum) return { exp: 'exceeds maximum allowed expiration' };
  return null;
}

/** Build a signed token (tests and tooling; Kong's jwt_parser.encode). */
export function encodeToken(claims: Record<string, unknown>, key: string | Buffer | crypto.KeyObject, alg: Algorithm = 'HS256', header?: Record<string, unknown>): string {
  const h = header ?? { typ: 'JWT', alg };
  const input = base64UrlEncode(JSON.stringify(h)) + '.' + base64UrlEncode(JSON.stringify(claims));
  const data = Buffer.from(input);
  const bits = alg.slice(2);
  let sig: Buffer;
  switch (alg.slice(0, 2)) {
    case 'HS':
      sig = crypto.createHmac(HASH[bits]!, key as string | Buffer).update(data).digest();
      break;
    case 'RS':
      sig = crypto.sign(HASH[bits]!, data, key as crypto.KeyObject);
      break;
    case 'PS':
      sig = crypto.sign(HASH[bits]!, data, { key: key as crypto.KeyObject, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST });
      break;
    case 'ES':
      sig = crypto.sign(HASH[bits]!, data, { key: key as crypto.KeyObject, dsaEncoding: 'ieee-p1363' });
      break;
    default:
      sig = crypto.sign(null, data, key as crypto.KeyObject);
  }
  return input + '.' + base64UrlEncode(sig);
}
