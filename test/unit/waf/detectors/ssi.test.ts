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
});
