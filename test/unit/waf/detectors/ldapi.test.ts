import { describe, it, expect } from 'vitest';
import { ldapi } from '../../../../src/waf/detectors/ldapi.js';
import { GET } from './helpers.js';

const stamp = (v: string) => ldapi.detect(v, GET)?.stamp ?? null;

describe('ldapi detector', () => {
  it('has the right type', () => expect(ldapi.type).toBe('ldapi'));
  it.each([
    ['*)(uid=*', 'ldapi:filter-breakout'],
    ['jdoe)(|(mail=*', 'ldapi:composite-filter'],
    ['x)(objectClass=*', 'ldapi:filter-breakout'],
    ['(|(cn=admin)(cn=root))', 'ldapi:composite-filter'],
    ['*(|(sn=*))', 'ldapi:composite-filter'],
    ['(!(memberOf=cn=x))', 'ldapi:composite-filter'],
    ['(cn=a)(sn=b)', 'ldapi:filter-breakout'],
    ['cn:1.2.840.113556.1.4.803:=2', 'ldapi:extensible-match'],
    ['ou:dn:=People', 'ldapi:extensible-match'],
  ])('%s', (v, s) => expect(stamp(v)).toBe(s));
  it.each(['*))%00', 'uid=*)\u0000', 'admin*))%00', 'x))\u0000trailing', '*)%00'])('filter closed and truncated by a NUL: %s', (v) =>
    expect(stamp(v)).toBe('ldapi:nul-truncation'),
  );
  it.each(['f(x)%00', 'file.php%00.jpg', '((a))', 'smile :) %00'])('NUL without a closed filter passes: %s', (v) => expect(stamp(v)).toBeNull());
  it('stays linear on long adversarial input', () => {
    const t0 = performance.now();
    for (const v of ['*)'.repeat(50_000) + '%0', ')'.repeat(100_000) + '%00', '*))%0'.repeat(20_000)]) stamp(v);
    expect(performance.now() - t0).toBeLessThan(500);
  });
  it.each([
    '1) a-b=c 2) (x=y)',
    'f(x) = (y=2)',
    'price (min=5)',
    'John (Smith) = CEO',
    '*',
    'admin*',
    'a=b&c=d',
    'time 10:30:=ok',
  ])('passes %s', (v) => expect(stamp(v)).toBeNull());
});
