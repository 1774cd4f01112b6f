import { describe, expect, it } from 'vitest';
import {
  RequestHeadParser,
  buildRequestHead,
  buildResponseHead,
  isHopByHop,
  isValidFieldName,
  isValidFieldValue,
  stripHopByHop,
} from '../../../../src/proxy/http1/index.js';

describe('head writer', () => {
  it('drops hop-by-hop and framing fields and writes exactly one framing field', () => {
    const req = new RequestHeadParser().execute(
      Buffer.from(
        'POST /a HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, X-Secret\r\nKeep-Alive: timeout=5\r\n' +
          'Proxy-Connection: x\r\nTE: trailers\r\nTrailer: X-T\r\nX-Secret: s\r\nContent-Length: 3\r\nAccept: */*\r\n\r\n',
        'latin1',
      ),
    )!;
    const s = buildRequestHead(
      req.method,
      '/b',
      req.headers,
      { chunked: false, contentLength: 3, connection: 'keep-alive' },
      req.connectionTokens,
    );
    expect(s).toBe('POST /b HTTP/1.1\r\nHost: h\r\nAccept: */*\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\n');
  });

  it('chunked wins over content-length; upgrade and close', () => {
    expect(buildRequestHead('GET', '/', ['Upgrade', 'x'], { chunked: true, contentLength: 5, connection: null })).toBe(
      'GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n',
    );
    expect(
      buildRequestHead('GET', '/', [], { chunked: false, contentLength: null, connection: 'upgrade', upgrade: 'websocket' }),
    ).toBe('GET / HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n');
    expect(buildResponseHead(200, null, ['Transfer-Encoding', 'chunked', 'X', 'y'], { chunked: false, contentLength: null, connection: 'close' })).toBe(
      'HTTP/1.1 200 OK\r\nX: y\r\nConnection: close\r\n\r\n',
    );
    expect(buildResponseHead(599, null, [], { chunked: false, contentLength: 0, connection: null })).toBe(
      'HTTP/1.1 599 \r\nContent-Length: 0\r\n\r\n',
    );
  });

  it('written heads parse back', () => {
    const s = buildRequestHead('PUT', '/x?y', ['Host', 'h', 'X-A', 'a b'], { chunked: true, contentLength: null, connection: 'close' });
    const h = new RequestHeadParser().execute(Buffer.from(s, 'latin1'))!;
    expect(h.chunked).toBe(true);
    expect(h.keepAlive).toBe(false);
    expect(h.headers).toEqual(['Host', 'h', 'X-A', 'a b', 'Transfer-Encoding', 'chunked', 'Connection', 'close']);
  });

  it('hop-by-hop helpers', () => {
    for (const n of ['Connection', 'KEEP-ALIVE', 'proxy-connection', 'TE', 'Trailer', 'Transfer-Encoding', 'Upgrade', 'Content-Length']) {
      expect(isHopByHop(n)).toBe(true);
    }
    for (const n of ['Host', 'Te-x', 'Trailers', 'Content-Type', 'Proxy-Authorization']) expect(isHopByHop(n)).toBe(false);
    expect(stripHopByHop(['A', '1', 'te', 'x', 'X-Drop', '2', 'B', '3'], ['x-drop'])).toEqual(['A', '1', 'B', '3']);
  });

  it('field validation helpers', () => {
    expect(isValidFieldName('X-Good_1')).toBe(true);
    expect(isValidFieldName('X Bad')).toBe(false);
    expect(isValidFieldName('')).toBe(false);
    expect(isValidFieldValue('a\tb \xe9')).toBe(true);
    expect(isValidFieldValue('a\r\nX-Injected: 1')).toBe(false);
    expect(isValidFieldValue('\u2028')).toBe(false);
  });
});
