import { describe, it, expect } from 'vitest';
import { parseTagAt, scanTags } from '../../../../src/waf/lexers/html.js';

describe('HTML tag scanner', () => {
  it('parses names and attributes like a browser tokenizer', () => {
    const t = parseTagAt('<IMG SRC="a b" alt=x/onerror = \'go()\' checked>', 0)!;
    expect(t.name).toBe('img');
    expect(t.attrs.map((a) => [a.name, a.value])).toEqual([
      ['src', 'a b'],
      ['alt', 'x/onerror'],
      ['=', null],
      ["'go()'", null],
      ['checked', null],
    ]);
  });
  it('separates attributes with slashes and keeps odd attribute names', () => {
    const t = parseTagAt('<svg/x=">"/onload=go()//', 0)!;
    expect(t.name).toBe('svg');
    expect(t.attrs.map((a) => a.name)).toEqual(['x', 'onload']);
    expect(t.attrs[1]!.value).toBe('go()//');
    const b = parseTagAt('<body \\< onscroll =1>', 0)!;
    expect(b.attrs.map((a) => a.name)).toEqual(['\\<', 'onscroll']);
  });
  it('an unterminated tag still counts', () => {
    expect(parseTagAt('<svg\nonload=go()', 0)!.attrs[0]!.name).toBe('onload');
  });
  it('is not a tag without a letter after <', () => {
    expect(parseTagAt('< script>', 0)).toBeNull();
    expect(parseTagAt('<1>', 0)).toBeNull();
    expect(parseTagAt('<' + 'a'.repeat(100), 0)).toBeNull();
  });
  it('finds all tags, including ones hidden in attribute values', () => {
    const tags = scanTags('x<p title="<img src=1 onerror=go()>">y</p><b>');
    expect(tags.map((t) => t.name)).toEqual(['p', 'img', 'b']);
  });
});
