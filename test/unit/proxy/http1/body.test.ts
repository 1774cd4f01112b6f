import { describe, expect, it } from 'vitest';
import { ChunkedBodyParser, ContentLengthBody, HttpParseError } from '../../../../src/proxy/http1/index.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

function whole(s: string, side: 'request' | 'response' = 'request'): { end: number; data: number } {
  const p = new ChunkedBodyParser(side);
  const end = p.execute(b(s));
  return { end, data: p.dataBytes };
}

function fails(s: string, limits?: ConstructorParameters<typeof ChunkedBodyParser>[1]): HttpParseError {
  try {
    const r = new ChunkedBodyParser('request', limits).execute(b(s));
    throw new Error(`no error (${r})`);
  } catch (err) {
    if (err instanceof HttpParseError) return err;
    throw err;
  }
}

const valid = [
  '0\r\n\r\n',
  '5\r\nhello\r\n0\r\n\r\n',
  'A\r\n0123456789\r\n00\r\n\r\n',
  'a;ext\r\n0123456789\r\n0;last=1;q="a \\"b\\" c"\r\n\r\n',
  '3\r\nabc\r\n0\r\nX-Checksum: 1\r\nX-Other:\tv v\r\n\r\n',
  '0000000000000003\r\nabc\r\n0\r\n\r\n',
];

describe('ChunkedBodyParser', () => {
  it('finds the end and counts data bytes', () => {
    expect(whole('5\r\nhello\r\n0\r\n\r\nGET')).toEqual({ end: 15, data: 5 });
    expect(whole('a;ext\r\n0123456789\r\n0;last=1;q="a \\"b\\" c"\r\n\r\n').data).toBe(10);
  });

  it('split at every byte boundary, and byte by byte', () => {
    for (const s of valid) {
      const buf = b(s + 'NEXT');
      for (let cut = 0; cut <= s.length; cut++) {
        const p = new ChunkedBodyParser();
        const r1 = p.execute(buf.subarray(0, cut));
        if (cut < s.length) {
          expect(r1).toBe(-1);
          expect(p.execute(buf.subarray(cut))).toBe(s.length - cut);
        } else {
          expect(r1).toBe(s.length);
        }
        expect(p.done).toBe(true);
      }
      const p = new ChunkedBodyParser();
      let end = -1;
      for (let i = 0; i < buf.length && end === -1; i++) end = p.execute(buf, i, i + 1);
      expect(end).toBe(s.length);
    }
  });

  it('execute with start/end offsets and after done', () => {
    const buf = b('xx5\r\nhello\r\n0\r\n\r\nyy');
    const p = new ChunkedBodyParser();
    expect(p.execute(buf, 2, buf.length)).toBe(buf.length - 2);
    expect(p.execute(buf, 3)).toBe(3);
    p.reset();
    expect(p.done).toBe(false);
  });

  const bad: Array<[string, string]> = [
    ['empty size', '\r\n'],
    ['space after size', '5 \r\nhello\r\n0\r\n\r\n'],
    ['space before size', ' 5\r\nhello\r\n0\r\n\r\n'],
    ['tab after size', '5\t\r\nhello\r\n0\r\n\r\n'],
    ['0x prefix', '0x5\r\nhello\r\n0\r\n\r\n'],
    ['negative', '-5\r\nhello\r\n0\r\n\r\n'],
    ['17 digits', '00000000000000005\r\nhello\r\n0\r\n\r\n'],
    ['overflow', 'fffffffffffffff\r\n'],
    ['bare LF after size', '5\nhello\r\n0\r\n\r\n'],
    ['bare CR after size', '5\rhello\r\n0\r\n\r\n'],
    ['data longer than size', '5\r\nhelloX\r\n0\r\n\r\n'],
    ['data shorter than size', '5\r\nhell\r\n0\r\n\r\n'],
    ['LF only after data', '5\r\nhello\n0\r\n\r\n'],
    ['empty ext name', '5;\r\nhello\r\n0\r\n\r\n'],
    ['ext = without name', '5;=x\r\nhello\r\n0\r\n\r\n'],
    ['ext without value', '5;a=\r\nhello\r\n0\r\n\r\n'],
    ['ext with space', '5; a=b\r\nhello\r\n0\r\n\r\n'],
    ['ext with CTL', '5;a=\x01\r\nhello\r\n0\r\n\r\n'],
    ['unterminated quote', '5;a="b\r\nhello\r\n0\r\n\r\n'],
    ['junk after quote', '5;a="b"c\r\nhello\r\n0\r\n\r\n'],
    ['trailer obs-fold', '0\r\nX: a\r\n b\r\n\r\n'],
    ['trailer space before colon', '0\r\nX : a\r\n\r\n'],
    ['trailer bare LF', '0\r\nX: a\n\r\n'],
    ['trailer CTL', '0\r\nX: a\x00\r\n\r\n'],
    ['trailer without colon', '0\r\nX\r\n\r\n'],
    ['final bare LF', '0\r\n\n'],
  ];
  for (const [name, input] of bad) {
    it(`rejects ${name}`, () => {
      const err = fails(input);
      expect(err.status).toBe(400);
    });
  }

  it('bounds extensions, trailers and body size', () => {
    expect(fails(`1;a=${'x'.repeat(5000)}\r\n`).code).toBe('BAD_CHUNK');
    expect(fails(`0\r\nX: ${'v'.repeat(20000)}\r\n\r\n`).code).toBe('TRAILERS_TOO_LARGE');
    expect(fails('0\r\nA: 1\r\nB: 2\r\n\r\n', { maxTrailers: 1 }).code).toBe('TRAILERS_TOO_LARGE');
    const big = fails('10\r\n', { maxBodySize: 15 });
    expect(big.status).toBe(413);
    expect(big.message).toBe('Payload too large');
  });

  it('upstream errors are 502', () => {
    expect(() => new ChunkedBodyParser('response').execute(b('z\r\n'))).toThrow(
      expect.objectContaining({ status: 502 }) as Error,
    );
  });
});

describe('ContentLengthBody', () => {
  it('counts down across buffers and reports the end offset', () => {
    const c = new ContentLengthBody(7);
    expect(c.execute(b('abc'))).toBe(-1);
    expect(c.remaining).toBe(4);
    expect(c.execute(b('defgNEXT'))).toBe(4);
    expect(c.done).toBe(true);
    expect(new ContentLengthBody(0).execute(b('x'), 1)).toBe(1);
    expect(new ContentLengthBody(2).execute(b('xxab'), 2, 4)).toBe(4);
  });
});

describe('ChunkedBodyParser trailer position', () => {
  it('marks where the trailer fields start, for a forwarder that stops before them', () => {
    const s = '3\r\nabc\r\n0\r\nX-A: 1\r\nX-B: 2\r\n\r\nNEXT';
    const p = new ChunkedBodyParser('response');
    const end = p.execute(b(s));
    expect(end).toBe(s.length - 4);
    expect(p.trailers).toBe(2);
    expect(s.slice(0, p.trailerStart)).toBe('3\r\nabc\r\n0\r\n');
  });

  it('is -1 without trailers, and in calls after the one where they began', () => {
    const none = new ChunkedBodyParser('request');
    none.execute(b('3\r\nabc\r\n0\r\n\r\n'));
    expect(none.trailers).toBe(0);
    expect(none.trailerStart).toBe(-1);
    const split = new ChunkedBodyParser('request');
    expect(split.execute(b('3\r\nabc\r\n0\r\n'))).toBe(-1);
    expect(split.trailerStart).toBe(-1);
    expect(split.execute(b('X-A'))).toBe(-1);
    expect(split.trailerStart).toBe(0);
    expect(split.execute(b(': 1\r\n\r\n'))).toBe(7);
    expect(split.trailerStart).toBe(-1);
    expect(split.trailers).toBe(1);
  });

  it('counts from the given start offset', () => {
    const p = new ChunkedBodyParser('request');
    const s = 'HEAD0\r\nT: v\r\n\r\n';
    expect(p.execute(b(s), 4)).toBe(s.length);
    expect(p.trailerStart).toBe(7);
  });

  it('a length body has none', () => {
    const body = new ContentLengthBody(3);
    body.execute(b('abc'));
    expect(body.trailers).toBe(0);
    expect(body.trailerStart).toBe(-1);
  });
});
