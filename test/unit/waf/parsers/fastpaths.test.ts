// Fast paths in the parsers must give the same answers as the full work they skip.
import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { decodeBase64 } from '../../../../src/waf/parsers/base64.js';
import { parseUrlEncoded } from '../../../../src/waf/parsers/urlencoded.js';
import { decodeUtf8Lenient } from '../../../../src/waf/parsers/text.js';
import { CollectSink } from '../../../../src/waf/parsers/sink.js';
import { pointToString } from '../../../../src/waf/point.js';

describe('decodeBase64 without bytes', () => {
  it('turns down short tokens that cannot decode to text, as the full decode does', () => {
    for (const tok of ['blue', 'cotton', 'abcd', 'Zm9v/w', 'AAAAAAAA']) {
      const full = decodeBase64(tok, 4);
      expect(full === null || full.text === null, tok).toBe(true);
      expect(decodeBase64(tok, 4, false), tok).toBeNull();
    }
  });

  it('decodes short and long text, url-safe and space-for-plus forms alike', () => {
    for (const text of ["' or 1=1--", '<svg onload=x>', 'test', 'a'.repeat(40) + ' <script>']) {
      const b64 = Buffer.from(text).toString('base64');
      expect(decodeBase64(b64, 4, false)?.text, text).toBe(text);
      expect(decodeBase64(Buffer.from(text).toString('base64url'), 4, false)?.text, text).toBe(text);
    }
    const b64 = Buffer.from('ok>>>???').toString('base64');
    expect(b64).toContain('+');
    expect(decodeBase64(b64, 4, false)?.text).toBe('ok>>>???');
    expect(decodeBase64(b64.replace(/\+/g, ' '), 4, false)?.text).toBe('ok>>>???'); // '+' read as ' ' by a form decoder
  });

  it('keeps gzip streams for the caller to inflate', () => {
    const gz = gzipSync(Buffer.from('x')).toString('base64');
    expect(gz.startsWith('H4sI')).toBe(true);
    expect(decodeBase64(gz, 4, false)?.bytes[0]).toBe(0x1f);
  });
});

describe('parseUrlEncoded pollution', () => {
  const parse = (s: string): CollectSink => {
    const sink = new CollectSink();
    parseUrlEncoded(s, [], 'get', 0, sink);
    return sink;
  };

  it('joins repeated names in first-appearance order, valueless pairs as empty values', () => {
    const sink = parse('a=1&b=2&a=3&c&b=&c=5&d=x&a=%41');
    const joined = sink.values.filter((v) => pointToString(v.point).endsWith('pollution')).map((v) => [pointToString(v.point), v.value]);
    expect(joined).toEqual([['get.a.pollution', '1,3,A'], ['get.b.pollution', '2,'], ['get.c.pollution', ',5']]);
  });

  it('does not report a name repeated without values', () => {
    expect(parse('x&x').values).toEqual([]);
  });

  it('finds a name repeated across tens of thousands of others, equal once decoded', () => {
    // the name index grows and rehashes several times between the first and the later occurrences
    const middle = Array.from({ length: 30000 }, (_, i) => `f${i}=v${i}`).join('&');
    const sink = parse(`id=1&${middle}&%69d=2&i%64=3&a+b=x&${middle}&a%20b=y&f17=again`);
    const joined = sink.values.filter((v) => pointToString(v.point).endsWith('pollution')).map((v) => [pointToString(v.point), v.value]);
    expect(joined.slice(0, 3)).toEqual([['get.id.pollution', '1,2,3'], ['get.f0.pollution', 'v0,v0'], ['get.f1.pollution', 'v1,v1']]);
    expect(joined).toContainEqual(['get.a b.pollution', 'x,y']);
    expect(joined).toContainEqual(['get.f17.pollution', 'v17,v17,again']);
    expect(joined).toHaveLength(30000 + 2);
  });

  it("turns '+' into a space before percent-decoding, in long and non-Latin-1 forms too", () => {
    const pad = 'p=' + 'x'.repeat(5000);
    for (const extra of ['', '&w=\u2603+\u2603']) {
      const sink = parse(`${pad}&q=a+b%2Bc&n%2B1+2=v+%252B${extra}`);
      const vals = Object.fromEntries(sink.values.map((v) => [pointToString(v.point), v.value]));
      expect(vals['get.q']).toBe('a b+c');
      expect(vals['get.n+1 2']).toBe('v %2B');
      if (extra) expect(vals['get.w']).toBe('\u2603 \u2603');
    }
  });

  it('parses many pairs without values followed by one with a value', () => {
    const sink = parse('a&'.repeat(20000) + 'b=1');
    expect(sink.names).toHaveLength(20001);
    expect(sink.values.map((v) => [pointToString(v.point), v.value])).toEqual([['get.b', '1']]);
  });
});

describe('decodeUtf8Lenient', () => {
  it('reads ASCII, UTF-8, and invalid or overlong bytes the same from Buffer and Uint8Array', () => {
    const cases = [Buffer.from('plain ascii'), Buffer.from('h\u00e9llo \u4e16\u754c'), Buffer.from([0x61, 0xc0, 0xaf, 0x62, 0xff])];
    for (const b of cases) expect(decodeUtf8Lenient(new Uint8Array(b))).toBe(decodeUtf8Lenient(b));
    expect(decodeUtf8Lenient(cases[1]!)).toBe('h\u00e9llo \u4e16\u754c');
    expect(decodeUtf8Lenient(cases[2]!)).toBe('a/b\u00ff');
  });
});
