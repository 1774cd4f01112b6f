import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  base64UrlDecode,
  base64UrlEncode,
  checkMaximumExpiration,
  decodeToken,
  encodeToken,
  InvalidKeyError,
  verifyRegisteredClaims,
  verifySignature,
  type Jwt,
} from '../../../src/plugins/jwt/parser.js';

function parse(token: string): Jwt {
  const r = decodeToken(token);
  if ('error' in r) throw new Error(r.error);
  return r.jwt;
}

describe('jwt parser', () => {
  it('decodes header, claims and signature', () => {
    const t = encodeToken({ iss: 'k1', sub: 'x' }, 'secret');
    const jwt = parse(t);
    expect(jwt.header).toEqual({ typ: 'JWT', alg: 'HS256' });
    expect(jwt.claims).toEqual({ iss: 'k1', sub: 'x' });
    expect(jwt.signature.length).toBe(32);
  });

  it("reports Kong's decoding errors", () => {
    expect(decodeToken('not-a-token')).toEqual({ error: 'invalid JSON' });
    expect(decodeToken('a.b')).toEqual({ error: 'invalid JSON' });
    expect(decodeToken(base64UrlEncode('{x') + '.' + base64UrlEncode('{}') + '.sig')).toEqual({ error: 'invalid JSON' });
    const badAlg = base64UrlEncode(JSON.stringify({ alg: 'none' })) + '.' + base64UrlEncode('{}') + '.';
    expect(decodeToken(badAlg)).toEqual({ error: 'invalid alg' });
    const noClaims = base64UrlEncode(JSON.stringify({ alg: 'HS256' })) + '.' + base64UrlEncode('"str"') + '.abc';
    expect(decodeToken(noClaims)).toEqual({ error: 'invalid claims' });
    const badSig = base64UrlEncode(JSON.stringify({ alg: 'HS256' })) + '.' + base64UrlEncode('{}') + '.a*b';
    expect(decodeToken(badSig)).toEqual({ error: 'invalid signature' });
  });

  it('decodes url-safe base64 with or without padding, and refuses other input', () => {
    expect(base64UrlDecode('aGk')!.toString()).toBe('hi');
    expect(base64UrlDecode('aGk=')!.toString()).toBe('hi');
    expect(base64UrlDecode('-_8')).toEqual(Buffer.from([0xfb, 0xff]));
    expect(base64UrlDecode('a$b=')).toBeUndefined();
  });

  it('verifies HS256/HS384/HS512 signatures', () => {
    for (const alg of ['HS256', 'HS384', 'HS512'] as const) {
      const jwt = parse(encodeToken({ iss: 'a' }, 'shh', alg));
      expect(verifySignature(jwt, 'shh')).toBe(true);
      expect(verifySignature(jwt, 'other')).toBe(false);
    }
  });

  it('verifies RS256/RS384/RS512 and PS256 signatures with a PEM public key', () => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    for (const alg of ['RS256', 'RS384', 'RS512', 'PS256'] as const) {
      const jwt = parse(encodeToken({ iss: 'a' }, privateKey, alg));
      expect(verifySignature(jwt, pem)).toBe(true);
      expect(verifySignature(jwt, other)).toBe(false);
    }
  });

  it('verifies ES256 (raw r||s) and EdDSA signatures', () => {
    const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwt = parse(encodeToken({ iss: 'a' }, ec.privateKey, 'ES256'));
    expect(jwt.signature.length).toBe(64);
    expect(verifySignature(jwt, ec.publicKey.export({ type: 'spki', format: 'pem' }) as string)).toBe(true);
    const ed = crypto.generateKeyPairSync('ed25519');
    const ejwt = parse(encodeToken({ iss: 'a' }, ed.privateKey, 'EdDSA'));
    expect(verifySignature(ejwt, ed.publicKey.export({ type: 'spki', format: 'pem' }) as string)).toBe(true);
  });

  it('throws InvalidKeyError for a public key that cannot be loaded', () => {
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwt = parse(encodeToken({ iss: 'a' }, privateKey, 'RS256'));
    expect(() => verifySignature(jwt, 'not a key')).toThrow(InvalidKeyError);
  });

  it('checks exp and nbf as Kong does', () => {
    const now = 1_700_000_000;
    const jwt = (claims: Record<string, unknown>) => parse(encodeToken(claims, 'k'));
    expect(verifyRegisteredClaims(jwt({ exp: now + 10 }), ['exp'], now)).toBeNull();
    expect(verifyRegisteredClaims(jwt({ exp: now }), ['exp'], now)).toEqual({ exp: 'token expired' });
    expect(verifyRegisteredClaims(jwt({ exp: 'soon' }), ['exp'], now)).toEqual({ exp: 'must be a number' });
    expect(verifyRegisteredClaims(jwt({}), ['exp', 'nbf'], now)).toEqual({ exp: 'must be a number', nbf: 'must be a number' });
    expect(verifyRegisteredClaims(jwt({ nbf: now + 5 }), ['nbf'], now)).toEqual({ nbf: 'token not valid yet' });
    expect(verifyRegisteredClaims(jwt({ nbf: now }), ['nbf'], now)).toBeNull();
    expect(verifyRegisteredClaims(jwt({ exp: 1 }), null, now)).toBeNull();
  });

  it('checks maximum_expiration', () => {
    const now = 1_700_000_000;
    const jwt = (claims: Record<string, unknown>) => parse(encodeToken(claims, 'k'));
    expect(checkMaximumExpiration(jwt({ exp: now + 100 }), 100, now)).toBeNull();
    expect(checkMaximumExpiration(jwt({ exp: now + 101 }), 100, now)).toEqual({ exp: 'exceeds maximum allowed expiration' });
    expect(checkMaximumExpiration(jwt({}), 100, now)).toEqual({ exp: 'exceeds maximum allowed expiration' });
    expect(checkMaximumExpiration(jwt({}), 0, now)).toBeNull();
  });
});
