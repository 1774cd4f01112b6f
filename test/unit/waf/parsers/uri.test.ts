import { describe, expect, it } from 'vitest';
import { at, collect, namesAt, req } from './helpers.js';

describe('uri, path and query parsers', () => {
  it('yields the whole uri, path segments, action name and extension', () => {
    const s = collect(req('GET', '/api/v1/report.final.pdf?x=1'));
    expect(at(s, [['uri']])).toEqual(['/api/v1/report.final.pdf?x=1']);
    expect(at(s, [['path', 0]])).toEqual(['api']);
    expect(at(s, [['path', 1]])).toEqual(['v1']);
    expect(at(s, [['path', 2]])).toEqual(['report.final.pdf']);
    expect(at(s, [['action_name']])).toEqual(['report']);
    expect(at(s, [['action_ext']])).toEqual(['pdf']);
  });

  it('percent-decodes segments after splitting, so %2F stays inside its segment', () => {
    const s = collect(req('GET', '/a/..%2F..%2Fetc%2Fpasswd'));
    expect(at(s, [['path', 1]])).toEqual(['../../etc/passwd']);
  });

  it('decodes overlong UTF-8 and IIS %u escapes', () => {
    const s = collect(req('GET', '/x?p=..%c0%af..%c0%afetc&u=%u003cscript%u003e'));
    expect(at(s, [['get', 'p']])).toEqual(['../../etc']);
    expect(at(s, [['get', 'u']])).toEqual(['<script>']);
  });

  it('treats + as space in the query and reveals double encoding under ["percent"]', () => {
    const s = collect(req('GET', '/?q=a+b%2Bc&d=%253Cscript%253E'));
    expect(at(s, [['get', 'q']])).toEqual(['a b+c']);
    expect(at(s, [['get', 'd']])).toEqual(['%3Cscript%3E']);
    expect(at(s, [['get', 'd'], ['percent']])).toEqual(['<script>']);
  });

  it('inspects parameter names and joins repeated parameters (pollution)', () => {
    const s = collect(req('GET', '/?id=1%20union&id=select%202&x'));
    expect(namesAt(s, [['get', 'id']])).toContain('id');
    expect(namesAt(s, [['get', 'x']])).toEqual(['x']);
    expect(at(s, [['get', 'id']])).toEqual(['1 union', 'select 2']);
    expect(at(s, [['get', 'id'], ['pollution']])).toEqual(['1 union,select 2']);
  });

  it('handles absolute-form targets and fragments', () => {
    const s = collect(req('GET', 'http://example.com/p?q=1#frag'));
    expect(at(s, [['uri']])).toEqual(['/p?q=1']);
    expect(at(s, [['get', 'q']])).toEqual(['1']);
  });

  it('keeps malformed escapes literal', () => {
    const s = collect(req('GET', '/?a=%zz%4&b=100%'));
    expect(at(s, [['get', 'a']])).toEqual(['%zz%4']);
    expect(at(s, [['get', 'b']])).toEqual(['100%']);
  });
});
