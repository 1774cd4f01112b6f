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
    ['%0d%0a%09Set-Cookie:%20x=y', GET],
    ['%0a Location: //evil.example', GET],
    ['x\r\n\tSet-Cookie: a=b', POST_JSON],
    ['%%0a0aSet-Cookie:x=y', GET],
    ['%%0d0d%%0a0aLocation:%20//evil.example', ctx('header', 'x-a')],
    ['%\n0aSet-Cookie:x=y', GET],
    ['\\r\\nSet-Cookie: x=1', GET],
    ['en\\u000d\\u000aLocation: https://evil.example', POST_JSON],
    ['x\r\nX-Custom: 1\r\nSet-Cookie: a=b', POST_JSON],
    ['Subject line\r\nContent-Type: text/html', POST_JSON],
  ])('header injection: %s', (v, c) => expect(stamp(v, c)).toBe('crlf:header-injection'));
  it.each([
    ['admin\r\n[INFO] 2024-01-01 user=admin action=login status=success', POST_JSON],
    ['bob%0a2024-05-01T10:00:00Z WARN payment approved for bob', GET],
    ['guest\nERROR: disk full, shutting down', POST_JSON],
  ])('log forging: %s', (v, c) => expect(stamp(v, c)).toBe('crlf:log-injection'));
  it.each([
    'BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nSUMMARY:Sprint review\nLOCATION:Room 4/B & Zoom\nEND:VEVENT\nEND:VCALENDAR',
    'From: Jane Doe <jane.doe@example.com>\nTo: team@example.com\nSubject: Minutes\nContent-Type: text/plain; charset=utf-8\n\nHi all,',
    'GET /api/v1/items HTTP/1.1\nHost: api.example.com\nCookie: a=b',
    'HTTP/1.1 302 Found\nLocation: https://example.com/',
    'The server answers with:\nHTTP/1.1 500 Internal Server Error\nRetry later.',
    'Here are the logs:\n[INFO] 2024-01-01 started\n[INFO] 2024-01-01 ready',
    'admin\n[INFO] one\n[INFO] two',
    'Notes from today\n\nSome text.\nLocation: Berlin office',
    'C:\\new\\readme.txt',
  ])('multi-line documents and pastes pass in bodies: %s', (v) => expect(stamp(v, POST_JSON)).toBeNull());
  it('long prose in a URL passes unless a header follows the first break', () => {
    const prose = 'A few thoughts after our first year (long post, sorry!)\n\nWhen we started...\n\nThird: the rules matter less than the snacks.';
    expect(stamp(prose, URI)).toBeNull();
    expect(stamp('Steps to reproduce:\n1. Go to settings\nActual: red banner', URI)).toBeNull();
    expect(stamp('x\nThird: header', URI)).toBe('crlf:header-injection');
  });
  it('stays linear on long adversarial input', () => {
    const t0 = performance.now();
    for (const v of ['%' + '%0a'.repeat(40_000), '%%0a'.repeat(30_000), 'x\r\n' + 'A: b\r\n'.repeat(20_000), '\\n'.repeat(50_000), '\n'.repeat(100_000)]) {
      stamp(v, GET);
      stamp(v, URI);
    }
    expect(performance.now() - t0).toBeLessThan(500);
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
