import { describe, expect, it } from 'vitest';
import { computePriority, splitPathGroups } from '../../../src/router/index.js';
import { compileRegex, literalPrefix, translateRegex } from '../../../src/router/regex.js';
import { route } from './helpers.js';

describe('computePriority (64-bit layout)', () => {
  it('packs weight, plain-host bit, header count, regex bit, regex_priority and prefix length', () => {
    const r = route({ methods: ['GET'], hosts: ['a.test'], headers: { a: ['1'], b: ['2'] }, paths: ['/abc'] });
    const p = computePriority(r, { kind: 'prefix', length: 4, paths: ['/abc'] });
    expect(p).toBe((4n << 61n) | (1n << 60n) | (2n << 52n) | 4n);
  });

  it('regex groups set bit 51 and carry regex_priority (biased by 2^31), never the length', () => {
    const r = route({ paths: ['~/x'], regex_priority: 7 });
    const p = computePriority(r, { kind: 'regex', paths: ['~/x'] });
    expect(p).toBe((1n << 61n) | (1n << 51n) | ((7n + 0x80000000n) << 19n));
    const neg = computePriority(route({ regex_priority: -1 }), { kind: 'regex', paths: ['~/x'] });
    const zero = computePriority(route({ regex_priority: 0 }), { kind: 'regex', paths: ['~/x'] });
    expect(neg < zero).toBe(true);
  });

  it('prefix groups ignore regex_priority', () => {
    const a = computePriority(route({ regex_priority: 99 }), { kind: 'prefix', length: 2, paths: ['/a'] });
    const b = computePriority(route({ regex_priority: 0 }), { kind: 'prefix', length: 2, paths: ['/a'] });
    expect(a).toBe(b);
  });

  it('wildcard hosts clear the plain-host bit; header count is capped at 255', () => {
    const w = computePriority(route({ hosts: ['a.test', '*.b.test'] }), { kind: 'none' });
    expect(w).toBe(1n << 61n);
    const many: Record<string, string[]> = {};
    for (let i = 0; i < 300; i++) many[`h${i}`] = ['v'];
    expect(computePriority(route({ headers: many }), { kind: 'none' })).toBe((1n << 61n) | (255n << 52n));
  });

  it('snis, sources and destinations count towards the weight', () => {
    const r = route({ snis: ['a.test'], sources: [{ ip: '10.0.0.1' }], destinations: [{ port: 80 }] });
    expect(computePriority(r, { kind: 'none' }) >> 61n).toBe(3n);
  });
});

describe('splitPathGroups', () => {
  it('regexes together, prefixes grouped by length (longest first)', () => {
    expect(splitPathGroups(['/a', '~/r1', '/bcd', '/b', '~/r2'])).toEqual([
      { kind: 'regex', paths: ['~/r1', '~/r2'] },
      { kind: 'prefix', length: 4, paths: ['/bcd'] },
      { kind: 'prefix', length: 2, paths: ['/a', '/b'] },
    ]);
    expect(splitPathGroups(null)).toEqual([{ kind: 'none' }]);
    expect(splitPathGroups([])).toEqual([{ kind: 'none' }]);
  });
});

describe('regex translation', () => {
  it('translates PCRE-isms', () => {
    expect(translateRegex('/(?P<id>\\d+)/(?P=id)\\z')).toEqual({ source: '/(?<id>\\d+)/\\k<id>$', flags: '' });
    expect(translateRegex('(?i)/abc')).toEqual({ source: '/abc', flags: 'i' });
    expect(translateRegex('\\A/x')).toEqual({ source: '^/x', flags: '' });
    expect(translateRegex('/\\p{L}+').flags).toBe('u');
    expect(() => translateRegex('(?x)/a b')).toThrow();
  });

  it('finds a sound literal prefix for the index', () => {
    const lp = (p: string) => literalPrefix(compileRegex(p, '', true));
    expect(lp('/users/(\\d+)')).toBe('/users/');
    expect(lp('/api\\/v1\\.0/x')).toBe('/api/v1.0/x');
    expect(lp('/ab?c')).toBe('/a');
    expect(lp('/ab*')).toBe('/a');
    expect(lp('/ab{2}')).toBe('/a');
    expect(lp('/ab+c')).toBe('/ab');
    expect(lp('/a.b')).toBe('/a');
    expect(lp('/a|/b')).toBe('');
    expect(lp('/(a|b)/c')).toBe('/');
    expect(lp('(?i)/abc')).toBe('');
    expect(lp('/\\d+')).toBe('/');
  });
});
