// XSLT sent by the client: a stylesheet the server runs can reach beyond the document through its
// processor's extensions and its resource functions.
// - Language bindings: a namespace that maps a prefix onto PHP functions (`http://php.net/xsl`) or
//   Java classes (Xalan `http://xml.apache.org/xalan/java/...`, `xalan://`, Saxon/XT `java:...`),
//   and calls through it: `php:function('system','id')`. MSXML/.NET script blocks (`<msxsl:script
//   implements-prefix=...>`) embed C#/JScript.
// - Resource functions: `document()`, `unparsed-text()` reading a local file or a foreign URL, and
//   `xsl:include` / `xsl:import` / an `<?xml-stylesheet?>` instruction naming a foreign stylesheet.
// Ordinary stylesheets (templates, for-each, value-of over the input, document('') or a relative
// lookup file) pass.
import { foreignRef } from './refs.js';

/** Namespace URIs that bind a prefix to a language runtime's functions or classes. */
const RUNTIME_NS = /^\s*(?:https?:\/\/php\.net\/xsl|https?:\/\/xml\.apache\.org\/(?:xalan|xslt)\/java\b|xalan:\/\/|java:|https?:\/\/saxon\.sf\.net\/java-type|https?:\/\/www\.jclark\.com\/xt\/java)/i;

/** PHP's XSL bridge (`php:function`, `php:functionString`) and resource-reading XPath functions. */
const XPATH_CALL = /(:function(?:String)?|\bdocument|\bunparsed-text(?:-lines|-available)?)\s*\(\s*(["']?)([^"')]{0,300})/g;

function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45 || c === 46;
}

export interface XsltFinding {
  stamp: string;
  at: number;
}

/** Is the namespace URI a binding to a language runtime? */
export function runtimeNamespace(uri: string): boolean {
  return RUNTIME_NS.test(uri);
}

/** An extension-function call or a resource function on a local file / foreign URL in an XPath text. */
export function xpathCall(v: string): XsltFinding | null {
  XPATH_CALL.lastIndex = 0;
  let m: RegExpExecArray | null;
  for (let k = 0; k < 32 && (m = XPATH_CALL.exec(v)) !== null; k++) {
    if (m[1]!.charCodeAt(0) === 58 /* : */) {
      // the PHP bridge (`php:function('system', ...)`): a prefix, then the PHP function's name as a string
      const before = m.index > 0 ? v.charCodeAt(m.index - 1) : 0;
      if (m[2] && isNameChar(before)) return { stamp: 'xxe:xslt-extension', at: m.index };
      continue;
    }
    if (m[2] && foreignRef(m[3]!)) return { stamp: 'xxe:xslt-document', at: m.index };
  }
  return null;
}

const STYLESHEET_PI = /xml-stylesheet\b([^?>]{0,500})/g;

/**
 * `<?xml-stylesheet type="text/xsl" href=...?>` naming a foreign XSLT: toolchains that honour the
 * instruction (associated-stylesheet lookups, xsltproc) run a stylesheet the sender chose. CSS
 * stylesheets only style the document in a browser and pass.
 */
export function foreignStylesheetPi(v: string): number {
  STYLESHEET_PI.lastIndex = 0;
  let m: RegExpExecArray | null;
  for (let k = 0; k < 8 && (m = STYLESHEET_PI.exec(v)) !== null; k++) {
    const attrs = m[1]!;
    const type = /\btype\s*=\s*["']([^"']*)/i.exec(attrs);
    if (type && !/xsl|xml/i.test(type[1]!)) continue;
    // the instruction is a browser's: a rooted or relative path is the document's own site
    const href = /\bhref\s*=\s*(["'])\s*((?:[a-z][a-z0-9+.-]*:|\/\/|\\\\)[^"']*)\1/i.exec(attrs);
    if (href && foreignRef(href[2]!)) return m.index;
  }
  return -1;
}

const NS_DECL = /\bxmlns:[\w.-]+\s*=\s*(["'])([^"']{0,300})\1/g;
const SCRIPT_BLOCK = /<[\w.-]+:script\b[^<>]{0,300}\bimplements-prefix\s*=/i;
const XSL_IMPORT = /<[\w.-]+:(?:include|import)\b[^<>]{0,500}\bhref\s*=\s*(["'])([^"']{0,500})\1/g;

/** The raw text of a stylesheet (or anything holding markup): bindings, script blocks, imports, calls. */
export function xsltInMarkup(v: string): XsltFinding | null {
  NS_DECL.lastIndex = 0;
  let m: RegExpExecArray | null;
  if (v.indexOf('xmlns:') >= 0) {
    for (let k = 0; k < 64 && (m = NS_DECL.exec(v)) !== null; k++) {
      if (runtimeNamespace(m[2]!)) return { stamp: 'xxe:xslt-extension', at: m.index };
    }
  }
  if ((m = SCRIPT_BLOCK.exec(v))) return { stamp: 'xxe:xslt-extension', at: m.index };
  const pi = v.indexOf('<?xml-stylesheet') >= 0 ? foreignStylesheetPi(v) : -1;
  if (pi >= 0) return { stamp: 'xxe:xslt-import', at: pi };
  XSL_IMPORT.lastIndex = 0;
  for (let k = 0; k < 32 && (m = XSL_IMPORT.exec(v)) !== null; k++) {
    // XInclude is judged on its own; here the stylesheet imports of an `xsl` prefix
    if (/^<xsl:/i.test(m[0]) && foreignRef(m[2]!)) return { stamp: 'xxe:xslt-import', at: m.index };
  }
  return null;
}
