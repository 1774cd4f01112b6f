// Deserialization payloads, recognised by the structure that makes a parser instantiate a type:
// a type key (`@type` fastjson, `$type` Json.NET, `@class` Jackson), the class name heading a
// Jackson polymorphic array, a `class` attribute or a class-named element (XMLDecoder, XStream),
// an XAML namespace importing the process API, a serialized-object header (Java `rO0AB`/`aced0005`,
// .NET BinaryFormatter `AAEAAAD/////`, PHP `O:8:"Foo":`, pickle opcodes, base64 pickle), or a YAML
// type tag (`!!python/`, `!ruby/object:`). The class names are the known gadget families (as OWASP
// CRS 944xxx keys on them), but only in those positions: prose naming ProcessBuilder passes.
import type { DetectContext, PointPart } from '../../types.js';
import { F } from '../../lexers/text.js';
import type { Found } from './commands.js';

/**
 * Classes whose instantiation or bean wiring runs code or a lookup: process and script APIs,
 * reflection, class loaders, the XMLDecoder/XStream/ysoserial gadget chains, .NET process and XAML
 * gadgets. Wherever a deserializer reads a type (XML class attributes included).
 */
const EXEC_GADGET =
  /^(?:java\.lang\.(?:Runtime|ProcessBuilder|ProcessImpl|reflect\.|invoke\.|ClassLoader|AutoCloseable)|java\.beans\.(?:XMLDecoder|EventHandler|Expression|Statement)|java\.net\.URLClassLoader|java\.rmi\.|javax\.(?:script|naming|management|imageio|sql\.rowset|xml\.transform|el)\.|jdk\.nashorn\.|com\.sun\.(?:org\.apache\.(?:xalan|xpath|bcel)|rowset|jndi|xml\.internal|syndication)\.|sun\.(?:rmi|misc|reflect|print)\.|org\.apache\.(?:commons\.(?:collections|beanutils)|xalan|xbean|naming)\.|org\.springframework\.(?:beans\.factory\.(?:config\.(?:MethodInvokingFactoryBean|PropertyPathFactoryBean)|ObjectFactory)|aop\.|jndi\.|context\.support\.(?:FileSystem|ClassPath)XmlApplicationContext|transaction\.jta)|org\.codehaus\.groovy\.runtime|groovy\.(?:util\.Expando|lang\.GroovyShell)|bsh\.|clojure\.|org\.mozilla\.javascript|org\.python\.|System\.(?:Diagnostics\.Process|Windows\.(?:Data\.ObjectDataProvider|Forms|Markup)|Management\.Automation|IO\.FileInfo|Configuration\.Install|Security\.(?:Principal\.WindowsIdentity|Claims)|Data\.(?:DataSet|Services\.Internal\.ExpandedWrapper)|Web\.Security|Activities|Runtime\.Remoting|Workflow|Xml\.XmlDocument|CodeDom|DelegateSerializationHolder)|Microsoft\.(?:PowerShell|VisualStudio\.Text|Exchange|ApplicationId|Build))/;
/**
 * Plus the JNDI / JDBC data-source gadgets, dangerous only where a JSON deserializer picks the type
 * from the request (a Spring XML file naming HikariDataSource is ordinary configuration).
 */
const LOOKUP_GADGET =
  /^(?:oracle\.jdbc|com\.mysql\.(?:cj\.)?jdbc|org\.h2\.|org\.postgresql\.|ch\.qos\.logback|com\.mchange|com\.zaxxer\.hikari|org\.apache\.(?:tomcat\.dbcp|commons\.(?:dbcp|configuration)|ibatis|log4j|shiro|openjpa|cxf|axis|batik|wicket|myfaces)|org\.hibernate|net\.sf\.json|com\.alibaba\.fastjson|org\.jboss|br\.com\.anteros|com\.caucho|org\.slf4j\.ext|org\.eclipse\.jetty|weblogic\.|com\.ibm\.|org\.springframework\.|org\.yaml\.snakeyaml|com\.sun\.|java\.lang\.(?:System|Thread))/;
const GADGET = { test: (c: string): boolean => EXEC_GADGET.test(c) || LOOKUP_GADGET.test(c) };
/** What a type key or class attribute may hold around the class name (`Name, Assembly`, `{x:Type ...}`). */
const CLASS_TOKEN = /(?<![\w$.-])[A-Za-z_$][\w$]{0,80}(?:\.[\w$-]{1,80}){2,24}/;
const TYPE_KEYS = new Set(['@type', '$type', '@class', '__type', '$class', 'javaclass', '@c', 'class']);

function gadgetIn(s: string, re: { test(c: string): boolean }): boolean {
  const m = CLASS_TOKEN.exec(s.length > 512 ? s.slice(0, 512) : s);
  return m !== null && re.test(m[0]);
}

/** The value sits where a deserializer reads a type: a type key, `class` attributes, a Jackson array head. */
function typePosition(point: PointPart[]): 'type' | 'array0' | 'xml' | null {
  const last = point[point.length - 1];
  if (!last || last.length < 2) return null;
  const tag = last[0];
  if (tag === 'hash' || tag === 'xml_attr') return typeof last[1] === 'string' && TYPE_KEYS.has(last[1].toLowerCase()) ? 'type' : null;
  if (tag === 'array' && last[1] === 0) return 'array0';
  if (tag === 'xml_tag') return 'xml';
  return null;
}

/** XStream names elements after classes (`<java.lang.ProcessBuilder>`, `<jdk.nashorn...NativeString>`). */
function classNamedElement(point: PointPart[]): string | null {
  for (const p of point) {
    if (p[0] === 'xml_tag' && typeof p[1] === 'string' && p[1].indexOf('.') > 0 && EXEC_GADGET.test(p[1])) return p[1];
  }
  return null;
}

/** YAML type tags that instantiate Python / Ruby / Java objects. */
const YAML_TAG = /!(?:!(?:python|ruby)\/|(?:python|ruby)\/(?:object|hash|struct|marshal|class|module|name|sym|regexp|array|string|range)\b|!(?:javax?\.|com\.sun\.|org\.(?:apache|springframework)\.))/;
/** PHP `O:8:"Foo":1:{` / `C:11:"ArrayObject":21:{`. */
const PHP_OBJECT = /\b[OC]:\d{1,4}:"[\w\\]{1,200}":\d{1,4}:\{/;
/** Raw JSON: a type key, or a Jackson `["class.Name", {...}]` array; the class is checked apart. */
const JSON_TYPE = /"[@$](?:type|class)"\s*:\s*"([^"]{1,200})"|\[\s*"((?:[\w$]+\.){2,}[\w$]+)"\s*,/g;
/** Raw XML: `class="a.b.C"` attributes and `<a.b.C>` class-named elements; the class is checked apart. */
const XML_CLASS_ATTR = /\b(?:class|type)\s*=\s*["']((?:[\w$]+\.){2,}[\w$]+)["']/g;
const XML_CLASS_ELEMENT = /<((?:[a-z_$][\w$]*\.){2,}[A-Z][\w$-]*)[\s>/]/g;
/** XAML reaching the process API: an ObjectDataProvider calling a method, a clr-namespace import of it. */
const XAML = /clr-namespace:System\.(?:Diagnostics|Management\.Automation|Reflection|IO)\b|<ObjectDataProvider\b[^>]{0,300}\bMethodName\b/;
/** Pickle protocol 0: a `c<module>` GLOBAL opcode line naming the OS, then a dangerous callable. */
const TEXT_PICKLE = /(?:^|\n)c(?:os|posix|nt|subprocess|builtins|__builtin__|commands|pty)\n(?:system|popen|exec|eval|call|check_output|getoutput|spawn\w*|Popen|run)(?:\n|$)/;
/** Serialized-object headers: Java (base64, hex), .NET BinaryFormatter. */
const MAGIC = /rO0AB|aced0005|AAEAAAD\/\/\/\/\//;

/** The first match of global `re` in `value` whose class group holds a gadget of `gadgets`. */
function classMatch(re: RegExp, value: string, gadgets: { test(c: string): boolean }): RegExpExecArray | null {
  re.lastIndex = 0;
  for (let m = re.exec(value), k = 0; m !== null && k < 64; m = re.exec(value), k++) {
    const cls = m[1] ?? m[2];
    if (cls !== undefined && gadgetIn(cls, gadgets)) return m;
  }
  return null;
}

/** Raw serialized forms, wherever the value came from. */
function rawSerialized(value: string, flags: number): Found | null {
  const h = value.length >= 12 ? MAGIC.exec(value) : null;
  if (h) return { stamp: 'rce:deserialization', s: h.index, e: h.index + 40 };
  let m: RegExpExecArray | null = null;
  if (flags & F.EXCL) m = YAML_TAG.exec(value);
  if (!m && flags & F.DQUOTE && flags & F.COLON && flags & F.LBRACE && /[OC]:\d/.test(value)) m = PHP_OBJECT.exec(value);
  if (!m && flags & F.DQUOTE && /"[@$]|\["/.test(value)) m = classMatch(JSON_TYPE, value, GADGET);
  if (!m && flags & F.EQ && /class|type/.test(value)) m = classMatch(XML_CLASS_ATTR, value, EXEC_GADGET);
  if (!m && flags & F.LT) m = classMatch(XML_CLASS_ELEMENT, value, EXEC_GADGET);
  if (!m && flags & (F.COLON | F.LT) && /clr-namespace:|ObjectDataProvider/.test(value)) m = XAML.exec(value);
  if (m) return { stamp: 'rce:deserialization', s: m.index, e: m.index + m[0].length + 20 };
  if (flags & F.NEWLINE && (value.charCodeAt(0) === 99 || value.indexOf('\nc') >= 0)) {
    const p = TEXT_PICKLE.exec(value);
    if (p) return { stamp: 'rce:deserialization', s: p.index, e: p.index + 30 };
  }
  return null;
}

/** `gASV...`, `gAJj...`: base64 of a pickle (protocol 2+) whose globals reach the OS or an evaluator. */
function base64Pickle(value: string): boolean {
  const m = /^gA[JNSW][A-Za-z0-9+/]{12,8192}={0,2}/.exec(value);
  if (m === null) return false;
  const bytes = Buffer.from(m![0], 'base64').toString('latin1');
  return /(?:posix|os|nt|subprocess|builtins|__builtin__|commands|pty|socket)[\s\S]{1,4}(?:system|popen|exec|eval|call|check_output|getoutput|spawn|Popen|run)/.test(bytes);
}

export function deserialization(value: string, flags: number, ctx: DetectContext): Found | null {
  // a type key, an array item or an XML part sits at least three parts deep (post, json_doc, hash);
  // a type or class name has dots, and any value under an XStream class-named element counts
  const point = ctx.point;
  const pos = point.length > 2 && (flags & F.DOT || point[point.length - 1]![0] === 'xml_tag') ? typePosition(point) : null;
  if (pos === 'type' || pos === 'array0') {
    // fastjson autoType (`@type`) of any JDK class (`java.lang.AutoCloseable`) is itself the exploit
    const m = CLASS_TOKEN.exec(value.length > 512 ? value.slice(0, 512) : value);
    const last = ctx.point[ctx.point.length - 1]!;
    const xml = last[0] === 'xml_attr';
    if (m && ((xml ? EXEC_GADGET : GADGET).test(m[0]) || (last[1] === '@type' && /^(?:java|javax|jdk)\./.test(m[0])))) return { stamp: 'rce:deserialization', s: m.index, e: m.index + m[0].length };
  } else if (pos === 'xml') {
    const el = classNamedElement(ctx.point);
    if (el) return { stamp: 'rce:deserialization', s: 0, e: Math.min(value.length, 40) };
  }
  const raw = rawSerialized(value, flags);
  if (raw) return raw;
  // a base64 pickle is a token of its own: `gA` (the PROTO opcode) starts the value
  if (value.length >= 16 && value.charCodeAt(0) === 103 && value.charCodeAt(1) === 65 && base64Pickle(value)) return { stamp: 'rce:deserialization', s: 0, e: 40 };
  return null;
}
