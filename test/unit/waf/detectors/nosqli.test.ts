import { describe, it, expect } from 'vitest';
import { nosqli } from '../../../../src/waf/detectors/nosqli.js';
import type { DetectContext } from '../../../../src/waf/types.js';
import { GET, POST_JSON } from './helpers.js';

const stamp = (v: string, c = GET) => nosqli.detect(v, c)?.stamp ?? null;

describe('nosqli detector', () => {
  it('has the right type', () => expect(nosqli.type).toBe('nosqli'));
  it('flags operator keys', () => {
    const key: DetectContext = { point: [['post'], ['json_doc'], ['hash', 'password'], ['hash', '$ne']], kind: 'name', root: 'post' };
    expect(stamp('$ne', key)).toBe('nosqli:operator');
    expect(stamp('$Where', key)).toBe('nosqli:operator');
    expect(stamp('password[$regex]', { ...GET, kind: 'name' })).toBe('nosqli:operator');
    expect(stamp('/login?user=admin&pass[$gt]=', GET)).toBe('nosqli:operator');
  });
  it.each([
    ['{"username": {"$nin": ["x"]}}', 'nosqli:operator'],
    ["x', $where: 'sleep(100)", 'nosqli:operator'],
    ["' , \"$or\": [{}]", 'nosqli:operator'],
    ['db.accounts.find({})', 'nosqli:mongo-shell'],
    ['db.getCollectionNames()', 'nosqli:mongo-shell'],
    ['1; return true', 'nosqli:js-injection'],
    ["';var x=1; while(true){}", 'nosqli:js-injection'],
    ['x = new Date(); while (new Date() - x < 5000) {}', 'nosqli:js-dos'],
    ["' || '1'=='1", 'nosqli:js-tautology'],
    ["a' && this.password.match(/^x/) //", 'nosqli:js-tautology'],
  ])('%s', (v, s) => expect(stamp(v, POST_JSON)).toBe(s));

  it.each([
    'I paid $100 for it: worth it',
    'the price is $gt than expected',
    'db.example.com',
    'var x = 5; console.log(x)',
    'return policy: 30 days',
    '{"price": 5, "currency": "$"}',
    '$ne is a Mongo operator',
    'this.state.value',
  ])('passes %s', (v) => expect(stamp(v, POST_JSON)).toBeNull());
});
