import { describe, it, expect } from 'vitest';
import { redir } from '../../../../src/waf/detectors/redir.js';
import type { DetectContext } from '../../../../src/waf/types.js';
import { urlShape } from '../../../../src/waf/lexers/url-shape.js';
import { ctx, GET } from './helpers.js';

const stamp = (v: string, c: DetectContext = ctx('get', 'next')) => redir.detect(v, c)?.stamp ?? null;
const FORM_RANDOM: DetectContext = { point: [['post'], ['form_urlencoded', 'f3a9c1']], kind: 'value', root: 'post' };
const JSON_FIELD = (name: string): DetectContext => ({ point: [['post'], ['json_doc'], ['hash', 'data'], ['hash', name]], kind: 'value', root: 'post' });
const XML_ATTR: DetectContext = { point: [['post'], ['xml'], ['xml_tag', 'Relationship'], ['xml_attr', 'Target']], kind: 'value', root: 'post' };
const OPML_ATTR: DetectContext = { point: [['post'], ['xml'], ['xml_tag', 'outline'], ['xml_attr', 'xmlUrl']], kind: 'value', root: 'post' };

describe('redir detector', () => {
  it('has the right type', () => expect(redir.type).toBe('redir'));

  describe('browser-normalisation tricks count in any parameter', () => {
    it.each([
      ['/\\evil.example', 'redir:slash-trick'],
      ['\\/evil.example', 'redir:slash-trick'],
      ['\\/\\/evil.example/path', 'redir:slash-trick'],
      ['\\\\evil.example', 'redir:slash-trick'],
      ['  /\\evil.example', 'redir:slash-trick'],
      ['https:/\\evil.example', 'redir:slash-trick'],
      ['https:\\\\evil.example/x', 'redir:slash-trick'],
      ['/\t/evil.example', 'redir:slash-trick'],
      ['/%09/evil.example', 'redir:slash-trick'],
      ['/%0a/evil.example/login', 'redir:slash-trick'],
      ['///evil.example', 'redir:slash-trick'],
      ['http:///evil.example', 'redir:slash-trick'],
      ['/%2F/evil.example', 'redir:slash-trick'],
      ['%5c%5cevil.example', 'redir:slash-trick'],
      ['%2f%2fevil.example', 'redir:encoded-separator'],
      ['http:/%2fevil.example', 'redir:encoded-separator'],
      ['\u3031evil.example', 'redir:slash-trick'],
      ['\uff0f\uff0fevil.example', 'redir:slash-trick'],
      ['\u2215\u2215evil.example/x', 'redir:slash-trick'],
      ['https:evil.example', 'redir:scheme-relative'],
      ['HTTP:/evil.example/x', 'redir:scheme-relative'],
      ['https://trusted.example@evil.example', 'redir:userinfo-host'],
      ['//trusted.example@evil.example/', 'redir:userinfo-host'],
      ['//trusted.example%2f@evil.example', 'redir:userinfo-host'],
      ['https://evil.example\\@trusted.example', 'redir:slash-trick'],
      ['//evil%E3%80%82example', 'redir:host-obfuscation'],
      ['//evil\uff0eexample', 'redir:host-obfuscation'],
      ['https://ev%69l.example/', 'redir:host-obfuscation'],
      ['http://evil.example%23.trusted.example', 'redir:host-obfuscation'],
    ])('%s', (v, s) => {
      expect(stamp(v, ctx('get', 'a81f0c'))).toBe(s);
      expect(stamp(v, FORM_RANDOM)).toBe(s);
      expect(stamp(v, JSON_FIELD('value'))).toBe(s);
    });
  });

  describe('a plain protocol-relative URL counts in redirect parameters only', () => {
    it.each(['next', 'returnTo', 'redirect_uri', 'continue', 'goto', 'url', 'RelayState', 'callbackUrl', 'target'])('%s', (name) => {
      expect(stamp('//evil.example', ctx('get', name))).toBe('redir:protocol-relative');
      expect(stamp('//evil.example:80/x', { point: [['post'], ['form_urlencoded', name]], kind: 'value', root: 'post' })).toBe('redir:protocol-relative');
    });
    it('in a JSON field named for it', () => expect(stamp('//evil.example', JSON_FIELD('next'))).toBe('redir:protocol-relative'));
    it('not in other parameters, nor in fields that merely hold links', () => {
      expect(stamp('//cdn.example.com/lib.js', ctx('get', 'src'))).toBeNull();
      expect(stamp('//evil.example', FORM_RANDOM)).toBeNull();
      expect(stamp('//www.gravatar.com/avatar/205e460b479e', JSON_FIELD('avatar_url'))).toBeNull();
      expect(stamp('//blog.example.com/feed.xml', OPML_ATTR)).toBeNull();
    });
  });

  describe('passes', () => {
    it.each([
      // absolute URLs, even in redirect parameters: OAuth, logout, share, analytics
      ['https://client.example.com/cb', 'redirect_uri'],
      ['https://www.example.com/', 'redirect_uri'],
      ['https://www.google.com/', 'r'],
      ['https://example.com/article?id=42', 'url'],
      ['https://user:secret@hooks.example.com/in', 'callback'],
      ['http://localhost:3000/callback', 'redirect_uri'],
      // encoded throughout: double-encoded or path-segment-encoded ordinary URLs
      ['https%3A%2F%2Fapp.example.com%2Fcb', 'next'],
      ['https:%2F%2Fapp.example.com%2Foauth%2Fcallback%3Fprovider=github', 'next'],
      // paths, shares, comments, prose
      ['/account/settings', 'next'],
      ['/search?q=1', 'returnUrl'],
      ['/.well-known/openid-configuration', 'next'],
      ['\\\\fs01.corp.example\\share\\report.docx', 'path'],
      ['C:\\data\\x', 'q'],
      ['// TODO: fix the login redirect', 'comment'],
      ['/// <summary>Returns the user.</summary>', 'code'],
      ['////////////////', 'q'],
      ['//comment', 'text'],
      ['dashboard', 'redirect'],
      ['東京駅。新宿駅', 'q'],
      ['https: the secure scheme', 'q'],
    ])('%s in %s', (v, name) => expect(stamp(v, ctx('get', name))).toBeNull());
    it('absolute URLs in JSON / XML documents are data', () => {
      expect(stamp('https://github.com/example-org/shop', JSON_FIELD('html_url'))).toBeNull();
      expect(stamp('https://www.example.com/report?id=42&view=full', XML_ATTR)).toBeNull();
    });
    it('key names are not redirect targets', () => {
      expect(redir.detect('/\\evil.example', { ...GET, kind: 'name' })).toBeNull();
    });
  });

  it('reads the URL like a browser', () => {
    expect(urlShape('https://example.com@evil.example:8443/x')).toMatchObject({ scheme: 'https', seps: 2, host: 'evil.example', hostOk: true });
    expect(urlShape('//evil%E3%80%82example')?.host).toBe('evil.example');
    expect(urlShape('/account')).toBeNull();
    expect(urlShape('hello')).toBeNull();
  });

  it('stays linear on long adversarial input', () => {
    const inputs = [
      '/'.repeat(100_000),
      '\\'.repeat(100_000) + 'evil.example',
      '%2f'.repeat(40_000) + 'evil.example',
      '%25'.repeat(40_000),
      '//' + 'a.'.repeat(50_000),
      'https:' + '/\\'.repeat(50_000),
      '//' + '@'.repeat(100_000),
      '//' + '%e3%80%82'.repeat(20_000),
    ];
    const t0 = performance.now();
    for (const v of inputs) redir.detect(v, ctx('get', 'next'));
    expect(performance.now() - t0).toBeLessThan(500);
  });
});
