import { describe, it, expect } from 'vitest';
import { xxe, decodeUtf7 } from '../../../../src/waf/detectors/xxe.js';
import type { DetectContext } from '../../../../src/waf/types.js';

const XML: DetectContext = { point: [['post'], ['xml']], kind: 'value', root: 'post' };
const stamp = (v: string, c = XML) => xxe.detect(v, c)?.stamp ?? null;

describe('xxe detector', () => {
  it('has the right type', () => expect(xxe.type).toBe('xxe'));
  it.each([
    ['<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/hostname">]><r>&e;</r>', 'xxe:external-entity'],
    ['<!DOCTYPE r [<!ENTITY  ext  PUBLIC "x" "http://198.51.100.2/e.dtd">]><r/>', 'xxe:external-entity'],
    ['<!DOCTYPE r [<!ENTITY % p SYSTEM "http://x/p.dtd"> %p;]><r/>', 'xxe:parameter-entity'],
    ['<!DOCTYPE r [<!ENTITY % a "<!ENTITY b \'x\'>"> %a;]>', 'xxe:parameter-entity'],
    ['<!DOCTYPE note SYSTEM "http://evil.example/n.dtd"><note/>', 'xxe:external-dtd'],
    ['<!DOCTYPE l [<!ENTITY a "x"><!ENTITY b "&a;&a;&a;&a;">]><l>&b;</l>', 'xxe:entity-expansion'],
    ['<r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include parse="text" href="file:///etc/hosts"/></r>', 'xxe:xinclude'],
    ['<r xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="http://evil.example/s.xsd"/>', 'xxe:external-schema'],
    ['<xsd:schema><xsd:import schemaLocation="//evil.example/a.xsd"/></xsd:schema>', 'xxe:external-schema'],
    ['<?xml version="1.0" encoding="UTF-7"?>+ADwAIQ-DOCTYPE r +AFsAPAAh-ENTITY e SYSTEM +ACI-file:///x+ACIAPgBd-', 'xxe:external-entity'],
  ])('%s', (v, s) => expect(stamp(v)).toBe(s));

  it('flags an external identifier handed over as a DTD entity value', () => {
    const c: DetectContext = { point: [['post'], ['xml'], ['xml_dtd_entity', 'e']], kind: 'value', root: 'post' };
    expect(stamp('http://198.51.100.3/x', c)).toBe('xxe:external-entity');
  });

  it.each([
    '<?xml version="1.0" encoding="UTF-8"?><order><id>5</id><note>a &amp; b</note></order>',
    '<!DOCTYPE html><html><body>hi</body></html>',
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">',
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body/></soapenv:Envelope>',
    '<!DOCTYPE r [<!ENTITY copy "(c) 2024">]><r>&copy;</r>',
    'I like C++ and +ADw- is UTF-7 for <',
  ])('passes %s', (v) => expect(stamp(v)).toBeNull());

  it('decodes UTF-7', () => expect(decodeUtf7('+ADw-a+AD4-')).toBe('<a>'));
});
