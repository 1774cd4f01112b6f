import { describe, it, expect } from 'vitest';
import { crlf } from '../../../../src/waf/detectors/crlf.js';
import { GET, POST_JSON, URI, ctx } from './helpers.js';

const stamp = (v: string, c = GET) => crlf.detect(v, c)?.stamp ?? null;

describe('crlf detector', () => {
  it('has the right type', () => expect(crlf.type).toBe('crlf'));
  it.each([
    ['en\r\nSet-Cookie: sid=attacker', GET],
    ['x\nLocation: https://evil.example', GET],
    ['/path\r\nX-Injected: 1', URI],
    ['a%0d%0aContent-Length:%200', GET],
    ['a%250d%250aRefresh:0', URI],
    ['q\u560d\u560aSet-Cookie:a=b', URI],
    ['v\r\nSomething: injected', ctx('header', 'x-forwarded-for')],
    ['v\r\nset-cookie:z=1', POST_JSON],
  ])('%s', (v, c) => expect(stamp(v, c)).toBe('crlf:header-injection'));
  it('response splitting', () => {
    expect(stamp('x\r\n\r\nHTTP/1.1 200 OK', GET)).toBe('crlf:response-splitting');
    expect(stamp('x\r\n\r\n<html>owned</html>', URI)).toBe('crlf:response-splitting');
  });
  it.each([
    'Dear team,\nthanks.\nRegards: John',
    'line one\nline two',
    'Note: 5\nTime: 10:30',
    '100%0 sure',
  ])('passes in bodies and params: %s', (v) => {
    expect(stamp(v, POST_JSON)).toBeNull();
    expect(stamp(v, GET)).toBeNull();
  });
});
