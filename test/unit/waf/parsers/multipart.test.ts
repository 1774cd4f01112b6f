import { describe, expect, it } from 'vitest';
import { at, collect, inspected, namesAt, req } from './helpers.js';

const B = 'XyZ123';
const mp = (body: string, ct = `multipart/form-data; boundary=${B}`) => req('POST', '/up', [['Content-Type', ct]], body);

describe('multipart parser', () => {
  it('yields fields, file names, file contents and part headers', () => {
    const body = [
      `--${B}`, 'Content-Disposition: form-data; name="title"', '', 'hello',
      `--${B}`, 'Content-Disposition: form-data; name="doc"; filename="../../shell.php"', 'Content-Type: text/plain', '', '<?php system($_GET[1]); ?>',
      `--${B}--`, '',
    ].join('\r\n');
    const s = collect(mp(body));
    expect(at(s, [['post'], ['multipart', 'title']])).toEqual(['hello']);
    expect(namesAt(s, [['post'], ['multipart', 'title']])).toEqual(['title']);
    expect(at(s, [['post'], ['multipart', 'doc'], ['file']])).toEqual(['../../shell.php']);
    expect(at(s, [['post'], ['multipart', 'doc']])).toEqual(['<?php system($_GET[1]); ?>']);
    expect(at(s, [['post'], ['multipart', 'doc'], ['header', 'CONTENT-TYPE']])).toEqual(['text/plain']);
  });

  it('accepts LF-only line breaks and a name holding the payload', () => {
    const body = `--${B}\nContent-disposition: form-data; name="/static/../../etc/passwd"\n\nTest\n--${B}--\n`;
    const s = collect(mp(body));
    expect(namesAt(s, [['post'], ['multipart', '/static/../../etc/passwd']])).toEqual(['/static/../../etc/passwd']);
    expect(at(s, [['post'], ['multipart', '/static/../../etc/passwd']])).toEqual(['Test']);
  });

  it('finds the boundary in the body when the header lies or omits it', () => {
    const body = `--other\r\nContent-Disposition: form-data; name="a"\r\n\r\nv1\r\n--other--\r\n`;
    expect(at(collect(mp(body)), [['post'], ['multipart', 'a']])).toEqual(['v1']);
    expect(at(collect(mp(body, 'multipart/form-data')), [['post'], ['multipart', 'a']])).toEqual(['v1']);
    expect(at(collect(req('POST', '/', [], body)), [['post'], ['multipart', 'a']])).toEqual(['v1']);
  });

  it('parses JSON parts and base64 transfer encoding', () => {
    const body = [
      `--${B}`, 'Content-Disposition: form-data; name="meta"', 'Content-Type: application/json', '', '{"k":"v"}',
      `--${B}`, 'Content-Disposition: form-data; name="enc"', 'Content-Transfer-Encoding: base64', '', Buffer.from('secret text').toString('base64'),
      `--${B}--`,
    ].join('\r\n');
    const s = collect(mp(body));
    expect(at(s, [['post'], ['multipart', 'meta'], ['json_doc'], ['hash', 'k']])).toEqual(['v']);
    expect(at(s, [['post'], ['multipart', 'enc']])).toEqual(['secret text']);
  });

  it('inspects only printable runs of binary file contents', () => {
    const bin = String.fromCharCode(0, 1, 2, 3) + 'GIF89a' + String.fromCharCode(0, 0) + '<?php eval($_POST[x]); ?>' + String.fromCharCode(0xff, 0);
    const body = `--${B}\r\nContent-Disposition: form-data; name="f"; filename="a.gif"\r\nContent-Type: image/gif\r\n\r\n${bin}\r\n--${B}--\r\n`;
    const s = collect(mp(body));
    expect(inspected(s, '<?php eval($_POST[x]); ?>')).toBeDefined();
  });

  it('handles a missing closing delimiter', () => {
    const s = collect(mp(`--${B}\r\nContent-Disposition: form-data; name="a"\r\n\r\ntail-value`));
    expect(at(s, [['post'], ['multipart', 'a']])).toEqual(['tail-value']);
  });

  it('decodes RFC 5987 file names', () => {
    const body = `--${B}\r\nContent-Disposition: form-data; name="f"; filename*=UTF-8''%3Cimg%3E.png\r\n\r\nx\r\n--${B}--`;
    expect(at(collect(mp(body)), [['post'], ['multipart', 'f'], ['file']])).toEqual(['<img>.png']);
  });
});
