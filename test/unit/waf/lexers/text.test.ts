import { describe, it, expect } from 'vitest';
import { F, charFlags, decodeEntities, decodeJsEscapes, excerpt, paramName, percentDecode, percentDecodeDeep } from '../../../../src/waf/lexers/text.js';

describe('text helpers', () => {
  it('summarises character classes', () => {
    const f = charFlags("a'<(");
    expect(f & F.SQUOTE && f & F.LT && f & F.LPAREN).toBeTruthy();
    expect(charFlags('abc') & F.SQUOTE).toBe(0);
    expect(charFlags('é') & F.NONASCII).toBeTruthy();
  });
  it('decodes HTML entities leniently', () => {
    expect(decodeEntities('&lt;a&gt; &#x3C;b&#62; &#0000060c &colon;&lpar;&Tab;')).toBe('<a> <b> <c :(\t');
    expect(decodeEntities('&amp;lt;')).toBe('<');
    expect(decodeEntities('AT&T R&D')).toBe('AT&T R&D');
  });
  it('decodes JS escapes', () => {
    expect(decodeJsEscapes('\\u003cx\\x3e\\u{41}\\n')).toBe('<x>A\n');
    expect(decodeJsEscapes('C:\\Users')).toBe('C:\\Users');
  });
  it('percent-decodes without throwing, keeping invalid UTF-8 as Latin-1', () => {
    expect(percentDecode('%3Cx%3E%e5%98%8a')).toBe('<x>\u560a');
    expect(percentDecode('%c0%ae%zz%')).toBe('\u00c0\u00ae%zz%');
    expect(percentDecodeDeep('%25252e')).toBe('.');
  });
  it('bounds excerpts and reads parameter names', () => {
    expect(excerpt('x'.repeat(1000), 500, 900).length).toBeLessThanOrEqual(120);
    expect(excerpt('abc', 1, 2)).toBe('abc');
    expect(paramName([['post'], ['json_doc'], ['hash', 'ReturnUrl']])).toBe('returnurl');
    expect(paramName([['uri']])).toBe('');
  });
});
