import { deflateSync, gzipSync, brotliCompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { WafEngine } from '../../../../src/waf/engine.js';
import { at, collect, req } from './helpers.js';

describe('content-encoding', () => {
  it('inflates gzip, deflate and br bodies under ["gzip"]', () => {
    const body = '{"a":"b"}';
    for (const [enc, bytes] of [['gzip', gzipSync(body)], ['deflate', deflateSync(body)], ['br', brotliCompressSync(body)]] as const) {
      const s = collect(req('POST', '/', [['Content-Type', 'application/json'], ['Content-Encoding', enc]], bytes));
      expect(at(s, [['post'], ['gzip'], ['json_doc'], ['hash', 'a']]), enc).toEqual(['b']);
    }
  });

  it('inspects a body that claims gzip but is not compressed as sent', () => {
    const s = collect(req('POST', '/', [['Content-Type', 'application/x-www-form-urlencoded'], ['Content-Encoding', 'gzip']], 'cmd=cat /etc/passwd'));
    expect(at(s, [['post'], ['form_urlencoded', 'cmd']])).toEqual(['cat /etc/passwd']);
  });

  it('reports a decompression bomb as data_bomb, quickly', () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024));
    const eng = new WafEngine({ detectors: [], maxInflateBytes: 10 * 1024 * 1024 });
    const r = eng.analyze(req('POST', '/', [['Content-Encoding', 'gzip']], bomb));
    expect(r.hits.map((h) => h.type)).toEqual(['data_bomb']);
    expect(r.hits[0]!.point).toEqual([['post'], ['gzip']]);
    expect(r.truncated).toBe(true);
  });

  it('inflates a gzip body without Content-Encoding by its magic bytes', () => {
    const s = collect(req('POST', '/', [], gzipSync('plain text inside')));
    expect(at(s, [['post'], ['gzip']])).toEqual(['plain text inside']);
  });
});
