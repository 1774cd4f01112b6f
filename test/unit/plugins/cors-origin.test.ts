import { describe, expect, it } from 'vitest';
import { compileOrigins, normalizeOrigin, resolveOrigin } from '../../../src/plugins/cors/origin.js';

const decide = (origins: string[] | null, origin?: string) => resolveOrigin(compileOrigins(origins), origin);

describe('cors origin matching', () => {
  it('normalises origins: scheme://host[:port], default ports dropped', () => {
    expect(normalizeOrigin('http://example.com:80')).toEqual({ domain: 'http://example.com', host: 'example.com' });
    expect(normalizeOrigin('https://example.com:443/path')).toEqual({ domain: 'https://example.com', host: 'example.com' });
    expect(normalizeOrigin('https://example.com:8443')).toEqual({ domain: 'https://example.com:8443', host: 'example.com' });
    expect(normalizeOrigin('null')).toEqual({ domain: 'null', host: 'null' });
  });

  it('allows all with no origins or exactly ["*"]', () => {
    expect(decide(null, 'http://a.com')).toEqual({ acao: '*', allowAll: true, vary: false });
    expect(decide([], undefined)).toEqual({ acao: '*', allowAll: true, vary: false });
    expect(decide(['*'], 'http://a.com')).toEqual({ acao: '*', allowAll: true, vary: false });
  });

  it('sends a single literal origin as is, with Vary', () => {
    expect(decide(['http://example.com'], 'http://evil.com')).toEqual({ acao: 'http://example.com', allowAll: false, vary: true });
    expect(decide(['http://example.com'], undefined)).toEqual({ acao: 'http://example.com', allowAll: false, vary: true });
  });

  it('echoes the normalised origin when a plain entry matches', () => {
    const o = ['http://a.com', 'https://b.com:8443'];
    expect(decide(o, 'http://a.com:80').acao).toBe('http://a.com');
    expect(decide(o, 'https://b.com:8443').acao).toBe('https://b.com:8443');
    expect(decide(o, 'https://b.com').acao).toBeNull();
    expect(decide(o, 'http://c.com')).toEqual({ acao: null, allowAll: false, vary: true });
  });

  it('anchors regexes and tests entries without ":" against the host only', () => {
    const o = [String.raw`.*\.example\.com`, 'http://plain.org'];
    expect(decide(o, 'https://api.example.com').acao).toBe('https://api.example.com');
    expect(decide(o, 'https://api.example.com.evil.net').acao).toBeNull();
    expect(decide(o, 'https://example.com').acao).toBeNull();
    // a leading ^ is dropped, a trailing $ kept
    expect(decide([String.raw`^https?://(www\.)?x\.io$`, 'http://a'], 'http://www.x.io').acao).toBe('http://www.x.io');
    expect(decide([String.raw`https?://(www\.)?x\.io`, 'http://a'], 'http://www.x.io.evil').acao).toBeNull();
    // a single regex entry is matched, not sent as is
    expect(decide([String.raw`(a|b)\.com`], 'http://b.com').acao).toBe('http://b.com');
  });

  it('gives * for a * among several entries when the request has an Origin', () => {
    expect(decide(['http://a.com', '*'], 'http://z.com')).toEqual({ acao: '*', allowAll: true, vary: true });
    expect(decide(['http://a.com', '*'], undefined).acao).toBeNull();
  });
});
