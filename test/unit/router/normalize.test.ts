import { describe, expect, it } from 'vitest';
import { escapeUpstreamPath, normalizePath } from '../../../src/router/index.js';

describe('normalizePath (kong/tools/uri.lua normalize, merge_slashes)', () => {
  it.each([
    ['', ''],
    ['/', '/'],
    ['/foo/bar', '/foo/bar'],
    // unreserved and "other" characters are decoded
    ['/%61%62c', '/abc'],
    ['/a%20b', '/a b'],
    ['/%7euser', '/~user'],
    // reserved characters stay encoded, hex upper-cased
    ['/a%2fb', '/a%2Fb'],
    ['/a%2Fb', '/a%2Fb'],
    ['/q%3fx%23y%25z', '/q%3Fx%23y%25z'],
    // dot segments removed, after decoding (%2e is '.')
    ['/a/../b', '/b'],
    ['/a/%2e%2e/b', '/b'],
    ['/a/%2E./b', '/b'],
    ['/a/./b/.', '/a/b/'],
    ['/a/b/..', '/a/'],
    ['/../../x', '/x'],
    ['/..', '/'],
    ['/a/b/../../..', '/'],
    // repeated slashes merged
    ['//a///b//', '/a/b/'],
    // a dot inside a segment is kept
    ['/a.b/c..d/.e', '/a.b/c..d/.e'],
    // an encoded slash does not create a segment boundary
    ['/a/..%2Fb', '/a/..%2Fb'],
    // malformed escapes are left alone
    ['/a%zz%4', '/a%zz%4'],
  ])('%j -> %j', (raw, want) => {
    expect(normalizePath(raw)).toBe(want);
  });

  it('returns the same string when nothing changes', () => {
    const s = '/api/v1/users/42';
    expect(normalizePath(s)).toBe(s);
  });

  it('decodes non-ASCII escapes to bytes (byte-string semantics)', () => {
    expect(normalizePath('/caf%C3%A9')).toBe('/caf\u00c3\u00a9');
  });
});

describe('escapeUpstreamPath (kong/tools/uri.lua escape)', () => {
  it.each([
    ['/plain/Path-_.~', '/plain/Path-_.~'],
    ["/!#$&'()*+,/:;=?@[]", "/!#$&'()*+,/:;=?@[]"],
    ['/a b', '/a%20b'],
    ['/a"<>{}|\\^`', '/a%22%3C%3E%7B%7D%7C%5C%5E%60'],
    ['/caf\u00c3\u00a9', '/caf%C3%A9'],
    ['/a%2Fb', '/a%2Fb'],
  ])('%j -> %j', (p, want) => {
    expect(escapeUpstreamPath(p)).toBe(want);
  });

  it('round-trips a decoded request path back to its encoding', () => {
    expect(escapeUpstreamPath(normalizePath('/x%20y/%C3%A9%2f'))).toBe('/x%20y/%C3%A9%2F');
  });
});
