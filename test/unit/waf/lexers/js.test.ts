import { describe, it, expect } from 'vitest';
import { findJsSink, lexJs, looksLikeJs } from '../../../../src/waf/lexers/js.js';

const sink = (s: string) => findJsSink(s)?.stamp ?? null;

describe('JS tokenizer and sinks', () => {
  it('tokenizes identifiers, strings, templates and punctuation, dropping comments', () => {
    expect(lexJs("a/*x*/.b('c', `d`) // e").map((t) => `${t.t}:${t.v}`)).toEqual(['id:a', 'p:.', 'id:b', 'p:(', "str:'c'", 'p:,', 'tpl:`d`', 'p:)']);
    expect(lexJs('x?.(1)').map((t) => t.v)).toEqual(['x', '?.', '(', '1', ')']);
  });
  it('finds sink calls in their spellings', () => {
    expect(sink('alert(1)')).toBe('xss:js-call');
    expect(sink('(prompt)(1)')).toBe('xss:js-call');
    expect(sink('confirm.call(null, 1)')).toBe('xss:js-call');
    expect(sink('alert`1`')).toBe('xss:js-call');
    expect(sink('eval?.(code)')).toBe('xss:js-call');
    expect(sink("setTimeout('x()')")).toBe('xss:js-call');
    expect(sink('[2].find(alert)')).toBe('xss:js-sink-ref');
    expect(sink("top['ev'+'al'](x)")).toBe('xss:dynamic-call');
    expect(sink("x.constructor('y')()")).toBe('xss:function-constructor');
  });
  it('reads the value as if spliced into a quoted JS string', () => {
    expect(sink("';alert(1)//")).toBe('xss:js-call');
    expect(sink('");confirm(1);("')).toBe('xss:js-call');
  });
  it('rejects prose-shaped arguments', () => {
    expect(sink('alert (level 2)')).toBeNull();
    expect(sink('confirm(yes or no)')).toBeNull();
    expect(sink('alert(s)')).toBeNull();
    expect(sink('setTimeout(fn, 10)')).toBeNull();
    expect(sink('regex.exec(x)')).toBeNull();
  });
  it('tells JavaScript from prose after a scheme', () => {
    expect(looksLikeJs('go()')).toBe(true);
    expect(looksLikeJs('x=1')).toBe(true);
    expect(looksLikeJs('window.name')).toBe(true);
    expect(looksLikeJs(' the good parts')).toBe(false);
    expect(looksLikeJs(' Basics of the language')).toBe(false);
  });
});
