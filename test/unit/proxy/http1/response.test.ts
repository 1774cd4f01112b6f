import { describe, expect, it } from 'vitest';
import { HttpParseError, ResponseHeadParser, type ResponseHead } from '../../../../src/proxy/http1/index.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

function parse(s: string, headRequest = false): ResponseHead {
  const h = new ResponseHeadParser().execute(b(s), 0, headRequest);
  if (h === null) throw new Error('incomplete');
  return h;
}

function reject(s: string): HttpParseError {
  try {
    new ResponseHeadParser().execute(b(s));
  } catch (err) {
    if (err instanceof HttpParseError) return err;
    throw err;
  }
  throw new Error('accepted or incomplete, expected an error');
}

describe('ResponseHeadParser', () => {
  it('parses status line, fields and length framing', () => {
    const s = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n';
    const h = parse(s + 'ok');
    expect(h.status).toBe(200);
    expect(h.reason).toBe('OK');
    expect(h.headers).toEqual(['Content-Type', 'text/plain', 'Content-Length', '2']);
    expect(h.bodyKind).toBe('length');
    expect(h.contentLength).toBe(2);
    expect(h.keepAlive).toBe(true);
    expect(h.end).toBe(s.length);
  });

  it('status line variants', () => {
    expect(parse('HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n').reason).toBe('');
    expect(parse('HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n').reason).toBe('');
    expect(parse('HTTP/1.1 500 Internal \xe9rror\r\nContent-Length: 0\r\n\r\n').reason).toBe('Internal \xe9rror');
    expect(parse('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').keepAlive).toBe(false);
    expect(parse('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n').keepAlive).toBe(true);
  });

  it('chunked and close-delimited framing', () => {
    expect(parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n').bodyKind).toBe('chunked');
    const h = parse('HTTP/1.1 200 OK\r\n\r\n');
    expect(h.bodyKind).toBe('close');
    expect(h.keepAlive).toBe(false);
  });

  it('no body for HEAD, 204, 304, 1xx', () => {
    const head = parse('HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n', true);
    expect(head.bodyKind).toBe('none');
    expect(head.contentLength).toBe(20);
    expect(parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', true).bodyKind).toBe('none');
    expect(parse('HTTP/1.1 204 No Content\r\n\r\n').bodyKind).toBe('none');
    expect(parse('HTTP/1.1 204 No Content\r\n\r\n').keepAlive).toBe(true);
    expect(parse('HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n').bodyKind).toBe('none');
  });

  it('interim 100 and 103, then the final head from the same buffer', () => {
    const s = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n';
    const p = new ResponseHeadParser();
    const buf = b(s);
    const h1 = p.execute(buf)!;
    expect(h1.interim).toBe(true);
    expect(h1.status).toBe(100);
    const h2 = p.execute(buf, h1.end)!;
    expect(h2.interim).toBe(true);
    expect(h2.headers).toEqual(['Link', '</a.css>']);
    const h3 = p.execute(buf, h2.end)!;
    expect(h3.interim).toBe(false);
    expect(h3.status).toBe(200);
    expect(h3.end).toBe(buf.length);
  });

  it('101 switching protocols', () => {
    const h = parse('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    expect(h.upgrade).toBe(true);
    expect(h.upgradeProtocol).toBe('websocket');
    expect(h.bodyKind).toBe('none');
    expect(h.keepAlive).toBe(false);
  });

  it('split across chunks', () => {
    const s = b('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc');
    for (let cut = 1; cut < s.length - 3; cut++) {
      const p = new ResponseHeadParser();
      expect(p.execute(s.subarray(0, cut))).toBeNull();
      const h = p.execute(s.subarray(cut))!;
      expect(h.contentLength).toBe(3);
      expect(h.end).toBe(s.length - 3 - cut);
    }
  });

  const bad: Array<[string, string, string]> = [
    ['CL + TE', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n', 'CONTENT_LENGTH_WITH_TRANSFER_ENCODING'],
    ['conflicting CL', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n', 'DUPLICATE_CONTENT_LENGTH'],
    ['bad CL', 'HTTP/1.1 200 OK\r\nContent-Length: 2a\r\n\r\n', 'BAD_CONTENT_LENGTH'],
    ['TE gzip', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n', 'UNSUPPORTED_TRANSFER_ENCODING'],
    ['TE gzip, chunked', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', 'UNSUPPORTED_TRANSFER_ENCODING'],
    ['TE on 1.0', 'HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', 'TRANSFER_ENCODING_ON_HTTP10'],
    ['HTTP/2', 'HTTP/2 200 OK\r\n\r\n', 'BAD_STATUS_LINE'],
    ['2-digit status', 'HTTP/1.1 99 OK\r\n\r\n', 'BAD_STATUS_LINE'],
    ['4-digit status', 'HTTP/1.1 2000 OK\r\n\r\n', 'BAD_STATUS_LINE'],
    ['status 000', 'HTTP/1.1 000 OK\r\n\r\n', 'BAD_STATUS_LINE'],
    ['CTL in reason', 'HTTP/1.1 200 O\x01K\r\n\r\n', 'BAD_STATUS_LINE'],
    ['obs-fold', 'HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n', 'OBS_FOLD'],
    ['space before colon', 'HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\n', 'SPACE_BEFORE_COLON'],
    ['bare LF', 'HTTP/1.1 200 OK\nContent-Length: 2\r\n\r\n', 'BARE_LF'],
    ['not HTTP', 'SSH-2.0-OpenSSH_9.6\r\n', 'BAD_STATUS_LINE'],
  ];
  for (const [name, input, code] of bad) {
    it(`rejects ${name} with 502`, () => {
      const err = reject(input);
      expect(err.code).toBe(code);
      expect(err.status).toBe(502);
      expect(err.message).toBe('An invalid response was received from the upstream server');
    });
  }
});
