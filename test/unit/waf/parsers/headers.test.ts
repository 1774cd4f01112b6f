import { describe, expect, it } from 'vitest';
import { at, collect, namesAt, req } from './helpers.js';

const b64url = (s: string): string => Buffer.from(s).toString('base64url');

describe('headers, cookies and authorization', () => {
  it('upper-cases header names and joins repeated headers', () => {
    const s = collect(req('GET', '/', [['X-Test', 'a'], ['x-test', 'b'], ['X-Other', 'c']]));
    expect(at(s, [['header', 'X-TEST']])).toEqual(['a', 'b']);
    expect(at(s, [['header', 'X-TEST'], ['pollution']])).toEqual(['a,b']);
    expect(namesAt(s, [['header', 'X-OTHER']])).toEqual(['X-OTHER']);
  });

  it('splits cookies into ["cookie", name] and decodes them', () => {
    const s = collect(req('GET', '/', [['Cookie', 'sid=abc; pref=%3Cb%3E; "q"=1'], ['Cookie', 'sid=def']]));
    expect(at(s, [['cookie', 'sid']])).toEqual(['abc', 'def']);
    expect(at(s, [['cookie', 'sid'], ['pollution']])).toEqual(['abc,def']);
    expect(at(s, [['cookie', 'pref']])).toEqual(['<b>']);
    expect(at(s, [['header', 'COOKIE']])).toEqual([]);
  });

  it('decodes Basic credentials', () => {
    const s = collect(req('GET', '/', [['Authorization', 'Basic ' + Buffer.from("admin' OR 1=1--:pw").toString('base64')]]));
    expect(at(s, [['header', 'AUTHORIZATION'], ['base64']])).toEqual(["admin' OR 1=1--:pw"]);
  });

  it('parses a JWT in Authorization down to its claims', () => {
    const jwt = `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url('{"sub":"1 union select 1","roles":["a"]}')}.c2ln`;
    const s = collect(req('GET', '/', [['Authorization', 'Bearer ' + jwt]]));
    expect(at(s, [['header', 'AUTHORIZATION'], ['jwt', 'jwt_payload'], ['base64'], ['json_doc'], ['hash', 'sub']])).toEqual(['1 union select 1']);
    expect(at(s, [['header', 'AUTHORIZATION'], ['jwt', 'jwt_payload'], ['base64'], ['json_doc'], ['hash', 'roles'], ['array', 0]])).toEqual(['a']);
    expect(at(s, [['header', 'AUTHORIZATION'], ['jwt', 'jwt_header'], ['base64'], ['json_doc'], ['hash', 'alg']])).toEqual(['HS256']);
    expect(at(s, [['header', 'AUTHORIZATION'], ['jwt', 'jwt_prefix']])).toEqual(['Bearer']);
  });

  it('finds a JWT in any header or cookie', () => {
    const jwt = `${b64url('{"alg":"none"}')}.${b64url('{"u":"x"}')}.`;
    const s = collect(req('GET', '/', [['X-Token', jwt], ['Cookie', 'jwt=' + jwt]]));
    expect(at(s, [['header', 'X-TOKEN'], ['jwt', 'jwt_payload'], ['base64'], ['json_doc'], ['hash', 'u']])).toEqual(['x']);
    expect(at(s, [['cookie', 'jwt'], ['jwt', 'jwt_payload'], ['base64'], ['json_doc'], ['hash', 'u']])).toEqual(['x']);
  });

  it('passes the upper-cased header name to detectors', () => {
    const s = collect(req('GET', '/', [['user-agent', 'sqlmap/1.0']]));
    const ua = s.find((x) => x.value === 'sqlmap/1.0');
    expect(ua?.point).toEqual([['header', 'USER-AGENT']]);
  });
});
