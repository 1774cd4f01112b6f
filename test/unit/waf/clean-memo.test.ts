import { describe, expect, it } from 'vitest';
import { CleanMemo } from '../../../src/waf/clean-memo.js';
import type { Point } from '../../../src/waf/types.js';

const at = (key: string): Point => [['post'], ['json_doc'], ['hash', key]];

describe('CleanMemo', () => {
  it('answers only for the same value in an equal context', () => {
    const m = new CleanMemo();
    expect(m.passed('blue', at('color'), 'value', 'post', undefined)).toBe(false);
    m.remember('blue', at('color'), 'value', 'post', undefined);
    expect(m.passed('blue', [['post'], ['json_doc'], ['array', 3], ['hash', 'color']], 'value', 'post', undefined)).toBe(true);
    expect(m.passed('blue', at('url'), 'value', 'post', undefined)).toBe(false); // another key: redir/ssrf read it
    expect(m.passed('blue', at('color'), 'name', 'post', undefined)).toBe(false);
    expect(m.passed('blue', [['get', 'color']], 'value', 'get', undefined)).toBe(false);
    expect(m.passed('blue', [['post'], ['xml'], ['xml_dtd'], ['hash', 'color']], 'value', 'post', undefined)).toBe(false);
  });

  it('starts after the first values, skips long ones, and steps aside for a kind that never hits', () => {
    const m = new CleanMemo();
    expect(m.applies('x', 'value', 10)).toBe(false);
    expect(m.applies('x'.repeat(200), 'value', 1000)).toBe(false);
    expect(m.applies('x', 'value', 1000)).toBe(true);
    for (let i = 0; i < 1024; i++) m.passed(`v${i}`, at('k'), 'value', 'post', undefined);
    expect(m.applies('x', 'value', 2000)).toBe(false);
    expect(m.applies('x', 'name', 2000)).toBe(true);
  });

  it('keeps going for a kind whose values repeat', () => {
    const m = new CleanMemo();
    m.remember('id', at('id'), 'name', 'post', undefined);
    for (let i = 0; i < 1024; i++) m.passed(i % 4 === 0 ? 'id' : `k${i}`, at('id'), 'name', 'post', undefined);
    expect(m.applies('id', 'name', 2000)).toBe(true);
  });
});
