import { describe, it, expect } from 'vitest';
import { ssi } from '../../../../src/waf/detectors/ssi.js';
import { GET } from './helpers.js';

const stamp = (v: string) => ssi.detect(v, GET)?.stamp ?? null;

describe('ssi detector', () => {
  it('has the right type', () => expect(ssi.type).toBe('ssi'));
  it.each([
    ['<!--#exec cmd="id"-->', 'ssi:exec'],
    ['x<!-- #EXEC cgi="/cgi-bin/a" -->', 'ssi:exec'],
    ['<!--#include virtual="/etc/hosts" -->', 'ssi:directive'],
    ['<!--#echo var="DATE_LOCAL" -->', 'ssi:directive'],
    ['<!--#printenv -->', 'ssi:directive'],
    ['<esi:include src="http://evil.example/"/>', 'ssi:esi'],
  ])('%s', (v, s) => expect(stamp(v)).toBe(s));
  it.each(['<!-- a comment -->', '<!--# hashtag -->', 'issue #exec', '<p>hi</p>'])('passes %s', (v) => expect(stamp(v)).toBeNull());

  describe('ESI', () => {
    it.each([
      ['x<esi:x/>y', 'ssi:esi'],
      ['<esi:remove>fallback</esi:remove>', 'ssi:esi'],
      ['<ESI:Include src="/admin"/>', 'ssi:esi'],
      ['</esi:try>', 'ssi:esi'],
      ["<!--esi $add_header('Location','http://evil.example') -->", 'ssi:esi'],
      ["<!--ESI $set_redirect('http://evil.example') -->", 'ssi:esi'],
      ['<!--esi<esi:vars>$(HTTP_HOST)</esi:vars>-->', 'ssi:esi'],
      ['$(HTTP_COOKIE)', 'ssi:esi-variable'],
      ["$(HTTP_COOKIE{'JSESSIONID'})", 'ssi:esi-variable'],
      ['hello $(QUERY_STRING{q}) world', 'ssi:esi-variable'],
      ['/x?ref=$(HTTP_REFERER)', 'ssi:esi-variable'],
    ])('%s', (v, s) => expect(stamp(v)).toBe(s));
    it.each([
      '<!-- esi is an edge caching spec -->',
      '<!--esimate-->',
      'Acme uses ESI: see the esi: namespace docs',
      'time: 10:30, ratio 3:4, mesi:x',
      'read about esi:include in the docs',
      'docker build --build-arg HTTP_PROXY=$(HTTP_PROXY) .',
      '$(document).ready(fn)',
      'echo $(date)',
    ])('passes %s', (v) => expect(stamp(v)).toBeNull());
  });

  it('finishes quickly on long runs of near-misses', () => {
    for (const frag of ['esi:', '<esi', '<!--', '<!--e', '$(HTTP_', ':a']) {
      const v = frag.repeat(Math.ceil(100_000 / frag.length));
      const t = performance.now();
      ssi.detect(v, GET);
      expect(performance.now() - t, frag).toBeLessThan(1000);
    }
  });
});
