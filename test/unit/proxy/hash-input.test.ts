import { describe, expect, it } from 'vitest';
import { hashInput } from '../../../src/proxy/hash-input.js';
import { RequestContext } from '../../../src/pdk/context.js';
import type { Upstream } from '../../../src/store/types.js';

function ctx(headers: string[], query = ''): RequestContext {
  return new RequestContext({
    requestId: '0'.repeat(32),
    startNs: 0n,
    method: 'GET',
    target: query ? `/p?${query}` : '/p',
    headers,
    httpVersion: '1.1',
    scheme: 'http',
    remoteAddr: '10.0.0.9',
    remotePort: 5000,
    localPort: 8000,
  });
}

function upstream(fields: Partial<Upstream>): Upstream {
  return {
    algorithm: 'consistent-hashing',
    hash_on: 'none',
    hash_fallback: 'none',
    hash_on_header: null,
    hash_fallback_header: null,
    hash_on_cookie: null,
    hash_on_cookie_path: '/',
    hash_on_query_arg: null,
    hash_fallback_query_arg: null,
    hash_on_uri_capture: null,
    hash_fallback_uri_capture: null,
    ...fields,
  } as Upstream;
}

describe('hashInput', () => {
  const cookie = upstream({ hash_on: 'cookie', hash_on_cookie: 'sticky', hash_on_cookie_path: '/shop' });

  it('uses the cookie when the client has it, across Cookie fields, name case-insensitive as nginx', () => {
    expect(hashInput(cookie, ctx(['Cookie', 'a=1; sticky=abc; b=2']))).toEqual({ value: 'abc', setCookie: null });
    expect(hashInput(cookie, ctx(['Cookie', 'a=1', 'cookie', 'STICKY=xyz']))).toEqual({ value: 'xyz', setCookie: null });
  });

  it('generates a value when the cookie is absent, and the Set-Cookie Kong sends with it', () => {
    const one = hashInput(cookie, ctx(['Cookie', 'stickyx=1']));
    const two = hashInput(cookie, ctx([]));
    expect(one.value).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(one.setCookie).toBe(`sticky=${one.value}; Path=/shop; Same-Site=Lax; HttpOnly`);
    expect(two.value).not.toBe(one.value);
  });

  it('falls back when the primary input is absent', () => {
    const u = upstream({ hash_on: 'header', hash_on_header: 'x-user', hash_fallback: 'ip' });
    expect(hashInput(u, ctx(['X-User', 'u1'])).value).toBe('u1');
    const c = ctx([]);
    c.clientIp = '10.0.0.9';
    expect(hashInput(u, c).value).toBe('10.0.0.9');
    const q = upstream({ hash_on: 'query_arg', hash_on_query_arg: 'id' });
    expect(hashInput(q, ctx([], 'id=7&id=8')).value).toBe('7,8');
  });
});
