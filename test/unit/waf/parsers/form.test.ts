import { describe, expect, it } from 'vitest';
import { at, collect, inspected, req } from './helpers.js';

const form = (body: string) => req('POST', '/', [['Content-Type', 'application/x-www-form-urlencoded']], body);

describe('form_urlencoded and plain bodies', () => {
  it('yields form fields with + as space', () => {
    const s = collect(form('a=1+2&b=%3Cx%3E&a=3'));
    expect(at(s, [['post'], ['form_urlencoded', 'a']])).toEqual(['1 2', '3']);
    expect(at(s, [['post'], ['form_urlencoded', 'b']])).toEqual(['<x>']);
    expect(at(s, [['post'], ['form_urlencoded', 'a'], ['pollution']])).toEqual(['1 2,3']);
  });

  it('inspects the whole body when the payload itself was split on & or =', () => {
    const s = collect(form('cmd=127.0.0.1 && ls /etc'));
    expect(at(s, [['post']])).toEqual(['cmd=127.0.0.1 && ls /etc']);
  });

  it('sniffs a form body without a content type', () => {
    const s = collect(req('POST', '/', [], 'user=bob&pw=x'));
    expect(at(s, [['post'], ['form_urlencoded', 'user']])).toEqual(['bob']);
  });

  it('inspects an unknown body as plain text', () => {
    const s = collect(req('POST', '/', [['Content-Type', 'text/plain']], 'just some text; with punctuation'));
    expect(at(s, [['post']])).toEqual(['just some text; with punctuation']);
  });

  it('uses printable runs of binary bodies', () => {
    const s = collect(req('PUT', '/', [['Content-Type', 'application/octet-stream']], Buffer.from([0, 1, 2, ...Buffer.from('cat /etc/passwd; id'), 0, 0xff])));
    expect(inspected(s, 'cat /etc/passwd; id')).toBeDefined();
  });
});

describe('charsets', () => {
  const ebcdic = (s: string): Buffer => {
    const map: Record<string, number> = { ' ': 0x40, '<': 0x4c, '(': 0x4d, '+': 0x4e, '&': 0x50, ')': 0x5d, ';': 0x5e, '-': 0x60, '/': 0x61, ',': 0x6b, '%': 0x6c, '_': 0x6d, '>': 0x6e, '?': 0x6f, ':': 0x7a, "'": 0x7d, '=': 0x7e, '"': 0x7f, '.': 0x4b };
    return Buffer.from([...s].map((ch) => {
      if (map[ch] !== undefined) return map[ch]!;
      const c = ch.charCodeAt(0);
      if (ch >= 'a' && ch <= 'i') return 0x81 + c - 97;
      if (ch >= 'j' && ch <= 'r') return 0x91 + c - 106;
      if (ch >= 's' && ch <= 'z') return 0xa2 + c - 115;
      if (ch >= 'A' && ch <= 'I') return 0xc1 + c - 65;
      if (ch >= 'J' && ch <= 'R') return 0xd1 + c - 74;
      if (ch >= 'S' && ch <= 'Z') return 0xe2 + c - 83;
      if (ch >= '0' && ch <= '9') return 0xf0 + c - 48;
      throw new Error('unmapped ' + ch);
    }));
  };

  it('decodes EBCDIC (charset=ibm037) form bodies', () => {
    const s = collect(req('POST', '/', [['Content-Type', 'application/x-www-form-urlencoded; charset=ibm037']], ebcdic("q=1' or '1'='1")));
    expect(at(s, [['post'], ['form_urlencoded', 'q']])).toEqual(["1' or '1'='1"]);
  });

  it('decodes UTF-16BE text bodies', () => {
    const le = Buffer.from('<script>x</script>', 'utf16le');
    const be = Buffer.alloc(le.length);
    for (let i = 0; i < le.length; i += 2) { be[i] = le[i + 1]!; be[i + 1] = le[i]!; }
    const s = collect(req('POST', '/', [['Content-Type', 'text/plain; charset=utf-16be']], be));
    expect(at(s, [['post']])).toEqual(['<script>x</script>']);
  });

  it('recognises UTF-16 bodies that name no charset by their bytes', () => {
    const json = collect(req('POST', '/', [['Content-Type', 'application/json']], Buffer.from('{"q":"<script>x</script>"}', 'utf16le')));
    expect(at(json, [['post'], ['json_doc'], ['hash', 'q']])).toEqual(['<script>x</script>']);
    const form = collect(req('POST', '/', [['Content-Type', 'application/x-www-form-urlencoded']], Buffer.from('a=1&b=2', 'utf16le').swap16()));
    expect(at(form, [['post'], ['form_urlencoded', 'b']])).toEqual(['2']);
    // binary that only starts with a NUL is not taken for UTF-16
    const bin = collect(req('PUT', '/', [['Content-Type', 'application/octet-stream']], Buffer.from([0, 1, 0, 2, ...Buffer.from('cat /etc/passwd; id'), 0])));
    expect(bin.some((x) => x.value.includes('cat /etc/passwd'))).toBe(true);
  });

  it('normalises fullwidth forms under ["unicode"]', () => {
    const s = collect(req('GET', '/?q=' + encodeURIComponent('＜script＞')));
    expect(at(s, [['get', 'q'], ['unicode']])).toEqual(['<script>']);
  });
});
