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
