import { describe, expect, it } from 'vitest';
import { WafEngine } from '../../../../src/waf/engine.js';
import { at, collect, inspected, req } from './helpers.js';
import { decodeXmlBytes, looksXmlDocument } from '../../../../src/waf/parsers/xml.js';

const post = (body: string | Uint8Array, ct = 'application/xml') => req('POST', '/', [['Content-Type', ct]], body);
const X: ['xml'] = ['xml'];

describe('XML parser', () => {
  it('yields tags, attributes, comments, PIs and CDATA', () => {
    const s = collect(post('<?xml version="1.0"?><a x="1&amp;2"><b>t&lt;x&#x3e;</b><!-- note --><?php echo 1 ?><c><![CDATA[<raw>]]></c></a>'));
    expect(at(s, [['post'], X, ['xml_tag', 'a'], ['xml_attr', 'x']])).toEqual(['1&2']);
    expect(at(s, [['post'], X, ['xml_tag', 'a'], ['xml_tag', 'b']])).toEqual(['t<x>']);
    expect(at(s, [['post'], X, ['xml_tag', 'a'], ['xml_comment']])).toEqual(['note']);
    expect(at(s, [['post'], X, ['xml_tag', 'a'], ['xml_pi']])).toEqual(['php echo 1']);
    expect(at(s, [['post'], X, ['xml_tag', 'a'], ['xml_tag', 'c']])).toEqual(['<raw>']);
  });

  it('yields the DTD and entity declarations without expanding them', () => {
    const s = collect(post('<!DOCTYPE foo [<!ELEMENT foo ANY><!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>'));
    expect(at(s, [['post'], X, ['xml_dtd']])[0]).toContain('<!ENTITY xxe SYSTEM');
    expect(at(s, [['post'], X, ['xml_dtd_entity', 'xxe']])).toEqual(['SYSTEM "file:///etc/passwd"']);
    expect(at(s, [['post'], X, ['xml_tag', 'foo']])).toEqual(['&xxe;']);
  });

  it('reports a billion-laughs bomb as data_bomb', () => {
    let dtd = '<!ENTITY lol "lol">';
    for (let i = 1; i <= 9; i++) dtd += `<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`;
    const r = new WafEngine({ detectors: [] }).analyze(post(`<?xml version="1.0"?><!DOCTYPE lolz [${dtd}]><lolz>&lol9;</lolz>`));
    expect(r.hits.map((h) => h.type)).toContain('data_bomb');
  });

  it('reports recursive entities and quadratic blowup', () => {
    const eng = new WafEngine({ detectors: [], maxEntityExpansion: 100000 });
    const rec = eng.analyze(post('<!DOCTYPE a [<!ENTITY a "&b;"><!ENTITY b "&a;">]><a>&a;</a>'));
    expect(rec.hits.map((h) => h.type)).toContain('data_bomb');
    const big = 'x'.repeat(1000);
    const quad = eng.analyze(post(`<!DOCTYPE a [<!ENTITY e "${big}">]><a>${'&e;'.repeat(200)}</a>`));
    expect(quad.hits.map((h) => h.type)).toContain('data_bomb');
    const ok = eng.analyze(post(`<!DOCTYPE a [<!ENTITY e "${big}">]><a>&e;&e;</a>`));
    expect(ok.hits).toEqual([]);
  });

  it('reports a declared encoding that contradicts the bytes as invalid_xml', () => {
    const eng = new WafEngine({ detectors: [] });
    const r = eng.analyze(post('<?xml version="1.0" encoding="UTF-16"?><a>x</a>'));
    expect(r.hits.map((h) => h.type)).toEqual(['invalid_xml']);
    const ok = eng.analyze(post('<?xml version="1.0" encoding="UTF-8"?><a>x</a>'));
    expect(ok.hits).toEqual([]);
  });

  it('decodes UTF-16 bodies by their bytes', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<?xml version="1.0" encoding="UTF-16"?><a>hidden-payload</a>', 'utf16le')]);
    const s = collect(post(bytes));
    expect(at(s, [['post'], X, ['xml_tag', 'a']])).toEqual(['hidden-payload']);
    const r = new WafEngine({ detectors: [] }).analyze(post(bytes));
    expect(r.hits).toEqual([]);
    const lie = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<?xml version="1.0" encoding="UTF-8"?><a>x</a>', 'utf16le')]);
    expect(new WafEngine({ detectors: [] }).analyze(post(lie)).hits.map((h) => h.type)).toEqual(['invalid_xml']);
  });

  it('decodes UTF-7 declared documents', () => {
    const s = collect(post('<?xml version="1.0" encoding="UTF-7"?><a>+ADw-script+AD4-</a>'));
    expect(at(s, [['post']])).toEqual(['<?xml version="1.0" encoding="UTF-7"?><a><script></a>']);
  });

  it('parses SOAP and decodes entities in text', () => {
    const soap = '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><q><string>&#39;-alert(1)//</string></q></soapenv:Body></soapenv:Envelope>';
    const s = collect(post(soap, 'text/xml'));
    expect(at(s, [['post'], X, ['xml_tag', 'soapenv:Envelope'], ['xml_tag', 'soapenv:Body'], ['xml_tag', 'q'], ['xml_tag', 'string']])).toEqual(["'-alert(1)//"]);
  });

  describe('a document inside a document (SOAP carrying escaped XML)', () => {
    const esc = (x: string) => x.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    const wrap = (inner: string) => `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><q><string>${inner}</string></q></soapenv:Body></soapenv:Envelope>`;
    const S: Array<[string] | [string, string]> = [['post'], X, ['xml_tag', 'soapenv:Envelope'], ['xml_tag', 'soapenv:Body'], ['xml_tag', 'q'], ['xml_tag', 'string']];
    const pom = '<?xml version="1.0"?><project xmlns="http://maven.apache.org/POM/4.0.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd"><name>demo</name></project>';

    it('parses an escaped inner document like a body of its own, without the flat text', () => {
      const s = collect(post(wrap(esc(pom)), 'text/xml'));
      expect(at(s, S)).toEqual([]);
      expect(at(s, [...S, X, ['xml_tag', 'project'], ['xml_tag', 'name']])).toEqual(['demo']);
      expect(at(s, [...S, X, ['xml_tag', 'project'], ['xml_attr', 'xsi:schemaLocation']])).toHaveLength(1);
    });

    it('parses a document in CDATA the same way', () => {
      const s = collect(post(wrap(`<![CDATA[${pom}]]>`), 'text/xml'));
      expect(at(s, S)).toEqual([]);
      expect(at(s, [...S, X, ['xml_tag', 'project'], ['xml_tag', 'name']])).toEqual(['demo']);
    });

    it('inspects a damaged inner document whole as well', () => {
      const bad = '<?xml version="1.0"?><a><b>x</b>';
      const s = collect(post(wrap(esc(bad)), 'text/xml'));
      expect(at(s, S)).toEqual([bad]);
      expect(at(s, [...S, X, ['xml_tag', 'a'], ['xml_tag', 'b']])).toEqual(['x']);
    });

    it('keeps inspecting text that is not a document', () => {
      const s = collect(post(wrap(esc('<script>alert(1)</script>')), 'text/xml'));
      expect(at(s, S)).toEqual(['<script>alert(1)</script>']);
    });

    it('gives wrapped documents the verdicts of top-level ones', () => {
      const eng = new WafEngine();
      const docs = [
        pom,
        '<?xml version="1.0" encoding="utf-8"?><LinearLayout xmlns:android="http://schemas.android.com/apk/res/android"><Button android:id="@+id/delete" android:onClick="onDeleteClicked" /></LinearLayout>',
        '<?xml version="1.0"?><!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd"><plist version="1.0"><dict><key>a</key><string>b</string></dict></plist>',
      ];
      for (const d of docs) {
        expect(eng.analyze(post(d)).hits, d).toEqual([]);
        expect(eng.analyze(post(wrap(esc(d)), 'text/xml')).hits, d).toEqual([]);
      }
      const attack = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/hostname">]><r>&x;</r>';
      expect(eng.analyze(post(wrap(esc(attack)), 'text/xml')).hits.map((h) => h.type)).toContain('xxe');
    });
  });

  it('inspects the DOCTYPE whole once, without re-reading it as a document', () => {
    const s = collect(post('<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd"><plist/>'));
    expect(s.filter((x) => x.path.includes('xml_dtd'))).toHaveLength(1);
  });

  it('reports entity amplification well under the byte limit (quadratic blowup in miniature)', () => {
    const eng = new WafEngine({ detectors: [] });
    const ent = 'A'.repeat(120);
    const r = eng.analyze(post(`<!DOCTYPE r [<!ENTITY a "${ent}">]><r>${'&a;'.repeat(40)}</r>`));
    expect(r.hits.map((h) => h.detector)).toEqual(['xxe:entity-amplification']);
    // attribute values expand too
    const r2 = eng.analyze(post(`<!DOCTYPE r [<!ENTITY a "${ent}">]><r x="${'&a;'.repeat(40)}"/>`));
    expect(r2.hits.map((h) => h.detector)).toEqual(['xxe:entity-amplification']);
    // an entity used a few times, or a short one used often, is ordinary
    expect(eng.analyze(post(`<!DOCTYPE r [<!ENTITY co "Example Corporation International">]><r><a>&co;</a><b>&co; and &co;</b></r>`)).hits).toEqual([]);
    expect(eng.analyze(post(`<!DOCTYPE r [<!ENTITY c "&#169;">]><r>${'<i>&c; 2024</i>'.repeat(50)}</r>`)).hits).toEqual([]);
  });

  describe('UTF-16 documents without a charset', () => {
    const doc = '<?xml version="1.0" encoding="UTF-16"?><a>hidden-payload</a>';
    const le = Buffer.from(doc, 'utf16le');
    const be = Buffer.from(le).swap16();
    it.each([
      ['LE, no BOM', le],
      ['BE, no BOM', be],
      ['LE with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), le])],
    ])('as a body without a content type: %s', (_n, bytes) => {
      const s = collect(req('POST', '/', [], bytes));
      expect(at(s, [['post'], X, ['xml_tag', 'a']])).toEqual(['hidden-payload']);
    });
    it('as a multipart part', () => {
      const B = 'XyZ';
      const body = Buffer.concat([Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="f"; filename="a.xml"\r\n\r\n`), le, Buffer.from(`\r\n--${B}--\r\n`)]);
      const s = collect(req('POST', '/', [['Content-Type', `multipart/form-data; boundary=${B}`]], body));
      expect(inspected(s, 'hidden-payload')).toBeDefined();
    });
    it('as text of a field, NULs (or the U+FFFD an XML serializer puts for them) between the characters', () => {
      const nul = Array.from(doc, (c) => c + '\u0000').join('');
      const s = collect(req('POST', '/', [['Content-Type', 'application/json']], JSON.stringify({ x: nul })));
      expect(at(s, [['post'], ['json_doc'], ['hash', 'x'], ['utf16']])).toEqual([doc]);
      const fffd = Array.from(doc, (c) => c + '\ufffd').join('');
      const s2 = collect(req('POST', '/', [['Content-Type', 'application/json']], JSON.stringify({ x: fffd })));
      expect(at(s2, [['post'], ['json_doc'], ['hash', 'x'], ['utf16']])).toEqual([doc]);
    });
    it('sniffs UTF-16 from any two ASCII characters, not only a declaration', () => {
      expect(decodeXmlBytes(Buffer.from('<r>x</r>', 'utf16le')).text).toBe('<r>x</r>');
      expect(decodeXmlBytes(Buffer.from('<r>x</r>', 'utf16le').swap16()).actual).toBe('utf-16be');
    });
    it('leaves ordinary text and binary alone', () => {
      const s = collect(req('POST', '/', [['Content-Type', 'application/json']], JSON.stringify({ x: 'a\u0000b' })));
      expect(s.some((x) => x.path.includes('utf16'))).toBe(false);
    });
  });

  it('sniffs a namespaced root in linear time', () => {
    expect(looksXmlDocument('<a:b c="1" xmlns:a="urn:x"><x/></a:b>')).toBe(true);
    expect(looksXmlDocument('<p class="x">xmlns: is a word</p>')).toBe(false);
    const t = performance.now();
    for (let i = 0; i < 200; i++) looksXmlDocument('<' + 'a'.repeat(300) + ' ' + 'b '.repeat(100));
    expect(performance.now() - t).toBeLessThan(200);
  });

  it('tolerates broken markup and still inspects the text', () => {
    const s = collect(post('<a><b>1 < 2 <c attr=unquoted>x</a'));
    expect(inspected(s, 'unquoted')).toBeDefined();
    expect(inspected(s, 'x')).toBeDefined();
  });

  it('inspects undeclared markup both as XML and as a whole', () => {
    const s = collect(req('POST', '/', [], '<script>alert(1)</script>'));
    expect(at(s, [['post']])).toEqual(['<script>alert(1)</script>']);
  });
});
