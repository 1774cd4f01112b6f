import { describe, it, expect } from 'vitest';
import { analysePath, decodePath } from '../../../../src/waf/lexers/path.js';

describe('path normaliser', () => {
  it('counts .. and how far the path climbs', () => {
    expect(analysePath('a/b/../../../x')).toMatchObject({ dotdot: 3, escapes: 1 });
    expect(analysePath('/a/b/../c')).toMatchObject({ dotdot: 1, escapes: 0 });
    expect(analysePath('..\\..\\x')).toMatchObject({ dotdot: 2, escapes: 2 });
  });
  it('understands Windows and filter-bypass spellings', () => {
    expect(analysePath('.../.. ./x').dotdot).toBe(2);
    expect(analysePath('..;/..;jsessionid=1/x').dotdot).toBe(2);
    expect(analysePath('....//....//x').dotdot).toBe(2);
  });
  it('decodes what file APIs decode', () => {
    expect(decodePath('%252e%252e%252f').text).toBe('../');
    expect(decodePath('%c0%ae%c0%ae%c0%af').text).toBe('../');
    expect(decodePath('%u002e%u002e%u2215').text).toBe('../');
    expect(decodePath('\uff0e\uff0e\uff0f').text).toBe('../');
    expect(decodePath('plain').encoded).toBe(false);
    expect(analysePath('a%00b').nul).toBe(true);
  });
  it('normalises for target matching', () => {
    expect(analysePath('FILE:///etc/./passwd').norm).toBe('file:/etc/passwd');
    expect(analysePath('C:\\Windows\\win.ini').norm).toBe('c:/windows/win.ini');
  });
});
