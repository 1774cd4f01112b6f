import { describe, it, expect } from 'vitest';
import { redir } from '../../../../src/waf/detectors/redir.js';
import { ctx, GET } from './helpers.js';

const stamp = (v: string, name = 'next') => redir.detect(v, ctx('get', name))?.stamp ?? null;

describe('redir detector', () => {
  it('has the right type', () => expect(redir.type).toBe('redir'));
  it.each([
    ['https://evil.example/phish', 'returnUrl', 'redir:absolute-url'],
    ['//evil.example', 'next', 'redir:protocol-relative'],
    ['  //evil.example/x', 'redirect_uri', 'redir:protocol-relative'],
    ['https:evil.example', 'goto', 'redir:scheme-relative'],
    ['http://trusted.example@evil.example/', 'continue', 'redir:absolute-url'],
    ['/\\evil.example', 'q', 'redir:slash-trick'],
    ['\\/\\/evil.example', 'page', 'redir:slash-trick'],
    ['\\\\evil.example', 'dest', 'redir:slash-trick'],
    ['%2f%5cevil.example', 'r', 'redir:slash-trick'],
  ])('%s in %s', (v, name, s) => expect(stamp(v, name)).toBe(s));
  it.each([
    ['/account/settings', 'next'],
    ['/search?q=1', 'returnUrl'],
    ['https://evil.example/', 'q'],
    ['//comment', 'text'],
    ['dashboard', 'redirect'],
    ['C:\\data\\x', 'q'],
  ])('passes %s in %s', (v, name) => expect(stamp(v, name)).toBeNull());
  it('needs a parameter name from the point', () => {
    expect(redir.detect('https://evil.example/', GET)).toBeNull();
  });
});
