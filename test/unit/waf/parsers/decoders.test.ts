import { describe, expect, it } from 'vitest';
import { decodeBase64 } from '../../../../src/waf/parsers/base64.js';
import { decodeHex } from '../../../../src/waf/parsers/hex.js';
import { decodeHtmlJs } from '../../../../src/waf/parsers/htmljs.js';
import { percentDecode } from '../../../../src/waf/parsers/percent.js';
import { decodeUtf7 } from '../../../../src/waf/parsers/utf7.js';
import { at, collect, req } from './helpers.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('value decoders', () => {
  it('decodes standard, URL-safe and unpadded base64 when the result is text', () => {
    expect(decodeBase64(b64("' or 1=1 --"))?.text).toBe("' or 1=1 --");
    expect(decodeBase64(b64('<a href=x>?>').replace(/=+$/, ''))?.text).toBe('<a href=x>?>');
    expect(decodeBase64(Buffer.from("<b x='1'>??").toString('base64url'))?.text).toBe("<b x='1'>??");
    // '+' turned into ' ' by a query/form decoder
    expect(b64('a>>>?>')).toContain('+');
    expect(decodeBase64(b64('a>>>?>').replace(/\+/g, ' '))?.text).toBe('a>>>?>');
  });

  it('decodes base64 of symbol-heavy payloads (globs, operators), printable ASCII with few letters', () => {
    for (const p of [';/???/??t /???/p??s??', '|/b??/?c /???/pa??w?', "'||(?:)||'--&&$(($((1))))"]) expect(decodeBase64(b64(p))?.text).toBe(p);
  });

  it('does not decode ordinary tokens as base64', () => {
    for (const tok of ['navigate', 'document', 'password', 'username', 'localhost', 'keep-alive', 'no-cache', 'Chromium', 'deadbeefdeadbeef', '1234567890', 'abcd', 'application', 'JavaScript', 'controller', 'serviceCode', 'Windows']) {
      const r = decodeBase64(tok);
      expect(r === null || r.text === null, tok).toBe(true);
    }
  });

  it('decodes hex only to plausible text', () => {
    expect(decodeHex('0x3c7363726970743e')).toBe('<script>');
    expect(decodeHex('3c7363726970743e')).toBe('<script>');
    expect(decodeHex('d41d8cd98f00b204e9800998ecf8427e')).toBeNull();
    expect(decodeHex('12345678')).toBeNull();
  });

  it('decodes HTML entities and JS escapes', () => {
    expect(decodeHtmlJs('&lt;img src=x onerror&equals;alert&lpar;1&rpar;&gt;')).toBe('<img src=x onerror=alert(1)>');
    expect(decodeHtmlJs('&#60;&#x3C;&#0000060&#X3c;')).toBe('<<<<');
    expect(decodeHtmlJs('\\u003cscript\\x3e\\u{2f}\\074')).toBe('<script>/<');
  });

  it('decodes UTF-7 shifted sequences', () => {
    expect(decodeUtf7('+ADw-script+AD4-alert(1)+ADw-/script+AD4-')).toBe('<script>alert(1)</script>');
    expect(decodeUtf7('1+1=2')).toBe('1+1=2');
  });

  it('percent-decodes with and without + as space', () => {
    expect(percentDecode('a+b%20c', true)).toBe('a b c');
    expect(percentDecode('a+b%20c', false)).toBe('a+b c');
    expect(percentDecode('%e2%82%ac')).toBe('€');
    expect(percentDecode('%e0%80%af')).toBe('/');
  });

  it('chains decoders: base64 inside percent inside JSON', () => {
    const inner = encodeURIComponent(b64('<svg onload=alert(1)>'));
    const s = collect(req('POST', '/', [['Content-Type', 'application/json']], JSON.stringify({ d: inner })));
    const p = [['post'], ['json_doc'], ['hash', 'd'], ['percent'], ['base64']] as const;
    expect(at(s, p.map((x) => [...x]) as never)).toEqual(['<svg onload=alert(1)>']);
  });

  it('decodes base64 in query values (Base64Flat with + as space)', () => {
    const enc = b64('<img src=x onerror=alert(1)>?').replace(/=+$/, '');
    const s = collect(req('GET', '/?p=' + enc.replace(/\//g, '%2F')));
    expect(at(s, [['get', 'p'], ['base64']])).toEqual(['<img src=x onerror=alert(1)>?']);
  });

  it('inflates gzip inside base64', async () => {
    const { gzipSync } = await import('node:zlib');
    const s = collect(req('GET', '/?z=' + encodeURIComponent(gzipSync('hidden <script> payload').toString('base64'))));
    expect(at(s, [['get', 'z'], ['base64'], ['gzip']])).toEqual(['hidden <script> payload']);
  });

  it('decodes data: URIs', () => {
    const s = collect(req('GET', '/?u=' + encodeURIComponent('data:text/html;base64,' + b64('<script>alert(1)</script>'))));
    expect(at(s, [['get', 'u'], ['base64']])).toEqual(['<script>alert(1)</script>']);
  });
});
