import { describe, expect, it } from 'vitest';
import { WafEngine } from '../../../../src/waf/engine.js';
import { at, collect, inspected, req } from './helpers.js';

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
