import { describe, expect, it } from 'vitest';
import { at, collect, inspected, namesAt, req } from './helpers.js';

const post = (body: string, ct = 'application/json') => req('POST', '/', [['Content-Type', ct]], body);

describe('JSON parser', () => {
  it('yields hash and array points', () => {
    const s = collect(post('{"user":["x"],"a":{"b":"c"},"n":1,"t":true}'));
    expect(at(s, [['post'], ['json_doc'], ['hash', 'user'], ['array', 0]])).toEqual(['x']);
    expect(at(s, [['post'], ['json_doc'], ['hash', 'a'], ['hash', 'b']])).toEqual(['c']);
    expect(namesAt(s, [['post'], ['json_doc'], ['hash', 'a']])).toEqual(['a']);
  });

  it('decodes string escapes, including JS unicode escapes of a whole payload', () => {
    const s = collect(post('{"k":"\\u003cscript\\u003e","e":"a\\"b\\\\c\\n"}'));
    expect(at(s, [['post'], ['json_doc'], ['hash', 'k']])).toEqual(['<script>']);
    expect(at(s, [['post'], ['json_doc'], ['hash', 'e']])).toEqual(['a"b\\c\n']);
  });

  it('keeps every copy of a duplicated key', () => {
    const s = collect(post('{"role":"user","role":"admin\' --"}'));
    expect(at(s, [['post'], ['json_doc'], ['hash', 'role']])).toEqual(['user', "admin' --"]);
  });

  it('parses JSON nested in a string value', () => {
    const s = collect(post('{"data":"{\\"q\\":\\"1 or 1=1\\"}"}'));
    expect(at(s, [['post'], ['json_doc'], ['hash', 'data'], ['json_doc'], ['hash', 'q']])).toEqual(['1 or 1=1']);
  });

  it('caps point nesting but still inspects values deeper than the cap', () => {
    const depth = 10000;
    const body = '['.repeat(depth) + '"deep-payload"' + ']'.repeat(depth);
    const s = collect(post(body));
    const hit = inspected(s, 'deep-payload');
    expect(hit).toBeDefined();
    expect(hit!.point.length).toBeLessThanOrEqual(2 + 33);
  });

  it('inspects truncated or invalid JSON as text as well', () => {
    const s = collect(post('{"a":"x", "b": "1 union select'));
    expect(at(s, [['post'], ['json_doc'], ['hash', 'a']])).toEqual(['x']);
    expect(inspected(s, '1 union select')).toBeDefined();
  });

  it('falls back to plain text when the JSON content type lies', () => {
    const s = collect(post("<script>alert(1)</script>"));
    expect(at(s, [['post']])).toEqual(['<script>alert(1)</script>']);
  });

  it('sniffs JSON without a content type', () => {
    const s = collect(req('POST', '/', [], '{"a":"b"}'));
    expect(at(s, [['post'], ['json_doc'], ['hash', 'a']])).toEqual(['b']);
  });

  it('parses JSON sent as a form', () => {
    const s = collect(post('{"a":"b"}', 'application/x-www-form-urlencoded'));
    expect(at(s, [['post'], ['json_doc'], ['hash', 'a']])).toEqual(['b']);
  });
});
