import { describe, expect, it } from 'vitest';
import { HttpParseError, RequestHeadParser, type RequestHead } from '../../../../src/proxy/http1/index.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

function parse(s: string, limits?: ConstructorParameters<typeof RequestHeadParser>[0]): RequestHead {
  const h = new RequestHeadParser(limits).execute(b(s));
  if (h === null) throw new Error('incomplete');
  return h;
}

function reject(s: string, limits?: ConstructorParameters<typeof RequestHeadParser>[0]): HttpParseError {
  try {
    const h = new RequestHeadParser(limits).execute(b(s));
    throw new Error(h === null ? 'incomplete, expected an error' : 'accepted, expected an error');
  } catch (err) {
    if (!(err instanceof HttpParseError)) throw err;
    return err;
  }
}

const H = 'Host: a.example\r\n';

describe('RequestHeadParser: valid heads', () => {
  it('parses a typical head', () => {
    const s = `GET /p?q=1 HTTP/1.1\r\n${H}Accept: */*\r\nX-Mixed-Case:  v a l \t\r\n\r\n`;
    const h = parse(s + 'BODY');
    expect(h.method).toBe('GET');
    expect(h.target).toBe('/p?q=1');
    expect(h.versionMinor).toBe(1);
    expect(h.headers).toEqual(['Host', 'a.example', 'Accept', '*/*', 'X-Mixed-Case', 'v a l']);
    expect(h.host).toBe('a.example');
    expect(h.keepAlive).toBe(true);
    expect(h.bodyKind).toBe('none');
    expect(h.contentLength).toBeNull();
    expect(h.end).toBe(s.length);
    expect(h.headSize).toBe(s.length);
  });

  it('keeps U+00A0 (0xA0) and other obs-text in values: only SP/HTAB are trimmed', () => {
    const h = parse(`GET / HTTP/1.1\r\n${H}X: \xa0v\xa0\r\n\r\n`);
    expect(h.headers[3]).toBe('\xa0v\xa0');
  });

  it('accepts an empty value', () => {
    expect(parse(`GET / HTTP/1.1\r\n${H}X:\r\n\r\n`).headers).toEqual(['Host', 'a.example', 'X', '']);
  });

  it('framing: Content-Length', () => {
    const h = parse(`POST / HTTP/1.1\r\n${H}Content-Length: 005\r\n\r\n`);
    expect(h.contentLength).toBe(5);
    expect(h.bodyKind).toBe('length');
    expect(parse(`POST / HTTP/1.1\r\n${H}Content-Length: 0\r\n\r\n`).bodyKind).toBe('none');
    expect(parse(`POST / HTTP/1.1\r\n${H}Content-Length: 999999999999999\r\n\r\n`).contentLength).toBe(999999999999999);
  });

  it('framing: chunked, case-insensitive, trailing SP allowed', () => {
    const h = parse(`POST / HTTP/1.1\r\n${H}transfer-encoding: ChunKed \r\n\r\n`);
    expect(h.chunked).toBe(true);
    expect(h.bodyKind).toBe('chunked');
    expect(h.contentLength).toBeNull();
  });

  it('connection semantics', () => {
    expect(parse(`GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n`).keepAlive).toBe(false);
    expect(parse(`GET / HTTP/1.1\r\n${H}Connection: Keep-Alive, CLOSE\r\n\r\n`).keepAlive).toBe(false);
    expect(parse('GET / HTTP/1.0\r\n\r\n').keepAlive).toBe(false);
    expect(parse('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n').keepAlive).toBe(true);
    const h = parse(`GET / HTTP/1.1\r\n${H}Connection: X-Foo, ,te\r\n\r\n`);
    expect(h.keepAlive).toBe(true);
    expect(h.connectionTokens).toEqual(['x-foo', 'te']);
  });

  it('upgrade needs Upgrade + Connection: upgrade on HTTP/1.1', () => {
    const h = parse(`GET /ws HTTP/1.1\r\n${H}Connection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n`);
    expect(h.upgrade).toBe(true);
    expect(h.upgradeProtocol).toBe('websocket');
    expect(parse(`GET / HTTP/1.1\r\n${H}Upgrade: websocket\r\n\r\n`).upgrade).toBe(false);
    expect(parse('GET / HTTP/1.0\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n').upgrade).toBe(false);
  });

  it('expect 100-continue (HTTP/1.1 only)', () => {
    expect(parse(`PUT / HTTP/1.1\r\n${H}Expect: 100-Continue\r\nContent-Length: 1\r\n\r\n`).expectContinue).toBe(true);
    expect(parse('PUT / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n').expectContinue).toBe(false);
  });

  it('target forms', () => {
    expect(parse(`OPTIONS * HTTP/1.1\r\n${H}\r\n`).target).toBe('*');
    expect(parse(`GET http://x.example/a HTTP/1.1\r\n${H}\r\n`).target).toBe('http://x.example/a');
    expect(parse(`GET /a"<>{}|\\^\`#f HTTP/1.1\r\n${H}\r\n`).target).toBe('/a"<>{}|\\^`#f');
  });

  it('HTTP/1.0 without Host, custom upper-case methods', () => {
    expect(parse('GET / HTTP/1.0\r\n\r\n').host).toBeNull();
    expect(parse(`PURGE_ALL / HTTP/1.1\r\n${H}\r\n`).method).toBe('PURGE_ALL');
  });

  it('skips leading empty lines', () => {
    const s = `\r\n\r\nGET / HTTP/1.1\r\n${H}\r\n`;
    const h = parse(s);
    expect(h.end).toBe(s.length);
    expect(h.headSize).toBe(s.length - 4);
  });
});

describe('RequestHeadParser: rejections', () => {
  const cases: Array<[string, string, number, string]> = [
    ['CL + TE', `POST / HTTP/1.1\r\n${H}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n`, 400, 'CONTENT_LENGTH_WITH_TRANSFER_ENCODING'],
    ['TE + CL', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n`, 400, 'CONTENT_LENGTH_WITH_TRANSFER_ENCODING'],
    ['differing CLs', `POST / HTTP/1.1\r\n${H}Content-Length: 3\r\nContent-Length: 4\r\n\r\n`, 400, 'DUPLICATE_CONTENT_LENGTH'],
    ['identical CLs', `POST / HTTP/1.1\r\n${H}Content-Length: 3\r\nContent-Length: 3\r\n\r\n`, 400, 'DUPLICATE_CONTENT_LENGTH'],
    ['CL list', `POST / HTTP/1.1\r\n${H}Content-Length: 3, 3\r\n\r\n`, 400, 'BAD_CONTENT_LENGTH'],
    ['CL +5', `POST / HTTP/1.1\r\n${H}Content-Length: +5\r\n\r\n`, 400, 'BAD_CONTENT_LENGTH'],
    ['CL -1', `POST / HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\n`, 400, 'BAD_CONTENT_LENGTH'],
    ['CL hex', `POST / HTTP/1.1\r\n${H}Content-Length: 0x05\r\n\r\n`, 400, 'BAD_CONTENT_LENGTH'],
    ['CL empty', `POST / HTTP/1.1\r\n${H}Content-Length: \r\n\r\n`, 400, 'BAD_CONTENT_LENGTH'],
    ['CL overflow', `POST / HTTP/1.1\r\n${H}Content-Length: 18446744073709551617\r\n\r\n`, 400, 'BAD_CONTENT_LENGTH'],
    ['CL inner space', `POST / HTTP/1.1\r\n${H}Content-Length: 1 2\r\n\r\n`, 400, 'BAD_CONTENT_LENGTH'],
    ['CL trailing tab', `POST / HTTP/1.1\r\n${H}Content-Length: 1\t\r\n\r\n`, 400, 'BAD_CONTENT_LENGTH'],
    ['xchunked', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\n\r\n`, 501, 'UNSUPPORTED_TRANSFER_ENCODING'],
    ['chunked, identity', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked, identity\r\n\r\n`, 501, 'UNSUPPORTED_TRANSFER_ENCODING'],
    ['gzip, chunked', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n`, 501, 'UNSUPPORTED_TRANSFER_ENCODING'],
    ['identity', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: identity\r\n\r\n`, 501, 'UNSUPPORTED_TRANSFER_ENCODING'],
    ['TE twice', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n`, 400, 'DUPLICATE_TRANSFER_ENCODING'],
    ['TE vertical tab', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\x0b\r\n\r\n`, 400, 'BAD_HEADER_VALUE'],
    ['TE leading vtab', `POST / HTTP/1.1\r\n${H}Transfer-Encoding:\x0bchunked\r\n\r\n`, 400, 'BAD_HEADER_VALUE'],
    ['TE trailing tab', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\t\r\n\r\n`, 400, 'BAD_HEADER_VALUE'],
    ['TE on 1.0', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n', 400, 'TRANSFER_ENCODING_ON_HTTP10'],
    ['space before colon', `GET / HTTP/1.1\r\n${H}Transfer-Encoding : chunked\r\n\r\n`, 400, 'SPACE_BEFORE_COLON'],
    ['tab before colon', `GET / HTTP/1.1\r\n${H}X\t: y\r\n\r\n`, 400, 'SPACE_BEFORE_COLON'],
    ['obs-fold', `GET / HTTP/1.1\r\n${H}X: a\r\n b\r\n\r\n`, 400, 'OBS_FOLD'],
    ['obs-fold tab', `GET / HTTP/1.1\r\n${H}X: a\r\n\tb\r\n\r\n`, 400, 'OBS_FOLD'],
    ['space after start line', `GET / HTTP/1.1\r\n X: a\r\n${H}\r\n`, 400, 'OBS_FOLD'],
    ['bare LF in value', `GET / HTTP/1.1\r\n${H}X: a\nY: b\r\n\r\n`, 400, 'BARE_LF'],
    ['bare LF line end', `GET / HTTP/1.1\n${H}\r\n`, 400, 'BAD_VERSION'],
    ['bare LF head', `GET / HTTP/1.1\r\n${H}X: y\n\n`, 400, 'BARE_LF'],
    ['bare CR in value', `GET / HTTP/1.1\r\n${H}X: a\rb\r\n\r\n`, 400, 'BARE_CR'],
    ['bare CR at line end', `GET / HTTP/1.1\r\n${H}X: a\r\r\n\r\n`, 400, 'BARE_CR'],
    ['NUL in value', `GET / HTTP/1.1\r\n${H}X: a\x00b\r\n\r\n`, 400, 'BAD_HEADER_VALUE'],
    ['DEL in value', `GET / HTTP/1.1\r\n${H}X: a\x7f\r\n\r\n`, 400, 'BAD_HEADER_VALUE'],
    ['ESC in value', `GET / HTTP/1.1\r\n${H}X: \x1b[1m\r\n\r\n`, 400, 'BAD_HEADER_VALUE'],
    ['bad name char', `GET / HTTP/1.1\r\n${H}X(: y\r\n\r\n`, 400, 'BAD_HEADER_NAME'],
    ['empty name', `GET / HTTP/1.1\r\n${H}: y\r\n\r\n`, 400, 'BAD_HEADER_NAME'],
    ['no colon', `GET / HTTP/1.1\r\n${H}Xy\r\n\r\n`, 400, 'BAD_HEADER_NAME'],
    ['NUL in name', `GET / HTTP/1.1\r\n${H}X\x00: y\r\n\r\n`, 400, 'BAD_HEADER_NAME'],
    ['obs-text in name', `GET / HTTP/1.1\r\n${H}X\xe9: y\r\n\r\n`, 400, 'BAD_HEADER_NAME'],
    ['lower-case method', `get / HTTP/1.1\r\n${H}\r\n`, 400, 'BAD_METHOD'],
    ['method with CTL', `G\x01T / HTTP/1.1\r\n${H}\r\n`, 400, 'BAD_METHOD'],
    ['CONNECT', `CONNECT a:443 HTTP/1.1\r\n${H}\r\n`, 405, 'METHOD_NOT_ALLOWED'],
    ['double space', `GET  / HTTP/1.1\r\n${H}\r\n`, 400, 'BAD_TARGET'],
    ['tab in target', `GET /a\tb HTTP/1.1\r\n${H}\r\n`, 400, 'BAD_TARGET'],
    ['DEL in target', `GET /a\x7f HTTP/1.1\r\n${H}\r\n`, 400, 'BAD_TARGET'],
    ['NUL in target', `GET /a\x00 HTTP/1.1\r\n${H}\r\n`, 400, 'BAD_TARGET'],
    ['obs-text in target', `GET /\xe9 HTTP/1.1\r\n${H}\r\n`, 400, 'BAD_TARGET'],
    ['relative target', `GET a/b HTTP/1.1\r\n${H}\r\n`, 400, 'BAD_TARGET'],
    ['authority target', `GET a:80 HTTP/1.1\r\n${H}\r\n`, 400, 'BAD_TARGET'],
    ['HTTP/0.9', 'GET /\r\n\r\n', 400, 'BAD_VERSION'],
    ['HTTP/1.2', `GET / HTTP/1.2\r\n${H}\r\n`, 400, 'BAD_VERSION'],
    ['HTTP/2.0', `GET / HTTP/2.0\r\n${H}\r\n`, 400, 'BAD_VERSION'],
    ['h2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 400, 'BAD_VERSION'],
    ['lower-case version', `GET / http/1.1\r\n${H}\r\n`, 400, 'BAD_VERSION'],
    ['space after version', `GET / HTTP/1.1 \r\n${H}\r\n`, 400, 'BAD_VERSION'],
    ['missing Host on 1.1', 'GET / HTTP/1.1\r\n\r\n', 400, 'MISSING_HOST'],
    ['two Hosts', `GET / HTTP/1.1\r\n${H}host: b\r\n\r\n`, 400, 'DUPLICATE_HOST'],
    ['empty Host', 'GET / HTTP/1.1\r\nHost: \r\n\r\n', 400, 'BAD_HOST'],
    ['Host with slash', 'GET / HTTP/1.1\r\nHost: a/b\r\n\r\n', 400, 'BAD_HOST'],
    ['Host with ..', 'GET / HTTP/1.1\r\nHost: a..b\r\n\r\n', 400, 'BAD_HOST'],
    ['Host with space', 'GET / HTTP/1.1\r\nHost: a b\r\n\r\n', 400, 'BAD_HOST'],
    ['leading bare LF', `\nGET / HTTP/1.1\r\n${H}\r\n`, 400, 'BAD_METHOD'],
    ['TLS client hello', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03', 400, 'BAD_METHOD'],
  ];
  for (const [name, input, status, code] of cases) {
    it(name, () => {
      const err = reject(input);
      expect(err.code).toBe(code);
      expect(err.status).toBe(status);
    });
  }

  it('errors carry Kong messages', () => {
    expect(reject('GET / HTTP/1.1\r\n\r\n').message).toBe('Bad request');
    expect(reject(`POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\n\r\n`).message).toBe('Not implemented');
  });
});

describe('RequestHeadParser: limits', () => {
  it('request line > 8 KB is 414, also before the head is complete', () => {
    const long = `GET /${'a'.repeat(8200)} HTTP/1.1\r\n${H}\r\n`;
    const err = reject(long);
    expect(err.status).toBe(414);
    expect(err.message).toBe('URI too long');
    const partial = reject(`GET /${'a'.repeat(8200)}`);
    expect(partial.code).toBe('URI_TOO_LONG');
  });

  it('request line of exactly the limit is accepted', () => {
    const line = `GET /${'a'.repeat(8192 - 16)} HTTP/1.1\r\n`;
    expect(line.length).toBe(8192);
    expect(parse(`${line}${H}\r\n`).target.length).toBe(8192 - 15);
  });

  it('a header line > 8 KB is 400 Request header or cookie too large', () => {
    const err = reject(`GET / HTTP/1.1\r\n${H}Cookie: ${'c'.repeat(8200)}\r\n\r\n`);
    expect(err.status).toBe(400);
    expect(err.message).toBe('Request header or cookie too large');
    expect(reject(`GET / HTTP/1.1\r\n${H}Cookie: ${'c'.repeat(8200)}`).code).toBe('HEADER_TOO_LARGE');
  });

  it('a head > 32 KB is 400 Request header or cookie too large', () => {
    const fields = Array.from({ length: 6 }, (_, i) => `X-${i}: ${'v'.repeat(6000)}\r\n`).join('');
    const err = reject(`GET / HTTP/1.1\r\n${H}${fields}\r\n`);
    expect(err.code).toBe('HEADER_TOO_LARGE');
    expect(err.message).toBe('Request header or cookie too large');
    // Incrementally too: never buffers more than maxHeadSize.
    const p = new RequestHeadParser();
    const chunks = b(`GET / HTTP/1.1\r\n${H}${fields}`);
    expect(() => {
      for (let i = 0; i < chunks.length; i += 1000) p.execute(chunks.subarray(i, i + 1000));
    }).toThrow(HttpParseError);
    expect(p.buffered).toBeLessThanOrEqual(32768);
  });

  it('more than maxHeaders fields', () => {
    const fields = (n: number): string => Array.from({ length: n }, (_, i) => `X-${i}: v\r\n`).join('');
    expect(parse(`GET / HTTP/1.1\r\n${fields(99)}${H}\r\n`).headers.length).toBe(200);
    expect(reject(`GET / HTTP/1.1\r\n${fields(100)}${H}\r\n`).code).toBe('TOO_MANY_HEADERS');
    expect(reject(`GET / HTTP/1.1\r\n${H}${fields(3)}\r\n`, { maxHeaders: 3 }).code).toBe('TOO_MANY_HEADERS');
  });
});

describe('RequestHeadParser: incremental and pipelined', () => {
  const req1 = `POST /one HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\n`;
  const req2 = `GET /two HTTP/1.1\r\n${H}Connection: close\r\n\r\n`;

  it('split at every byte boundary gives the same head and end offset', () => {
    const whole = b(req1 + 'hello');
    for (let cut = 1; cut < req1.length; cut++) {
      const p = new RequestHeadParser();
      expect(p.execute(whole.subarray(0, cut))).toBeNull();
      const h = p.execute(whole.subarray(cut));
      expect(h).not.toBeNull();
      expect(h!.target).toBe('/one');
      expect(h!.contentLength).toBe(5);
      expect(h!.end).toBe(req1.length - cut);
      expect(p.buffered).toBe(0);
    }
  });

  it('one byte at a time', () => {
    const p = new RequestHeadParser();
    const bytes = b(`\r\n${req1}`);
    let head: RequestHead | null = null;
    for (let i = 0; i < bytes.length; i++) {
      head = p.execute(bytes.subarray(i, i + 1));
      if (i < bytes.length - 1) expect(head).toBeNull();
    }
    expect(head!.headers).toEqual(['Host', 'a.example', 'Content-Length', '5']);
    expect(head!.end).toBe(1);
  });

  it('start offset and chunk reuse: pending bytes are copied', () => {
    const p = new RequestHeadParser();
    const chunk = Buffer.alloc(64);
    const first = b(`xxGET /a HTTP/1.1\r\nHo`);
    first.copy(chunk);
    expect(p.execute(chunk.subarray(0, first.length), 2)).toBeNull();
    chunk.fill(0x41); // the socket reuses its read buffer
    const h = p.execute(b(`st: z\r\n\r\n`));
    expect(h!.host).toBe('z');
  });

  it('two pipelined requests in one buffer', () => {
    const buf = b(req1 + 'hello' + req2);
    const p = new RequestHeadParser();
    const h1 = p.execute(buf)!;
    expect(h1.target).toBe('/one');
    expect(h1.end).toBe(req1.length);
    const h2 = p.execute(buf, h1.end + 5)!;
    expect(h2.target).toBe('/two');
    expect(h2.keepAlive).toBe(false);
    expect(h2.end).toBe(buf.length);
  });

  it('bare LF and non-token method bytes are refused before the head completes', () => {
    expect(() => new RequestHeadParser().execute(b('GET / HTTP/1.1\nHost'))).toThrow(HttpParseError);
    expect(() => new RequestHeadParser().execute(b('GET / HTTP/1.1\r\nHost: a\rX'))).toThrow(HttpParseError);
    const p = new RequestHeadParser();
    p.execute(b('GET / HTTP/1.1\r'));
    expect(() => p.execute(b('X'))).toThrow(HttpParseError);
  });

  it('leading CR split from its LF', () => {
    const p = new RequestHeadParser();
    expect(p.execute(b('\r'))).toBeNull();
    const h = p.execute(b(`\n${req2}`));
    expect(h!.target).toBe('/two');
    expect(() => {
      const q = new RequestHeadParser();
      q.execute(b('\r'));
      q.execute(b('G'));
    }).toThrow(HttpParseError);
  });
});
