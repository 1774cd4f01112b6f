/**
 * XML external entities and other parser-driven fetches.
 *
 * Reads the DTD the way an XML parser would: `<!ENTITY name SYSTEM|PUBLIC "uri">` (external
 * entity), `<!ENTITY % name ...>` (parameter entity, the out-of-band XXE building block), a
 * `<!DOCTYPE>` whose external DTD is foreign (xxe/refs.ts: a well-known publisher's DTD is ordinary,
 * another host, a local file or a protocol handler is not), internal entities that expand other
 * entities (billion-laughs style). Also XInclude, schema hints that point somewhere foreign
 * (`xsi:schemaLocation`, `noNamespaceSchemaLocation`, `xs:import schemaLocation`), and XSLT that
 * reaches out through extension functions or resource functions (xxe/xslt.ts). UTF-7 encoded
 * documents (`+ADw-!DOCTYPE`) are decoded first.
 * The XML parser hands over parts alone: a DTD entity (point `xml_dtd_entity`) with an external
 * identifier is enough; an attribute (`xml_attr`) is judged by its name (namespace declarations,
 * schema locations, include hrefs) and as XPath.
 */
import type { Detector, DetectorMatch, DetectContext, Point } from '../types.js';
import { F, charFlags, excerpt } from '../lexers/text.js';
import { foreignDoctype, foreignRef, foreignSchemaLocation } from './xxe/refs.js';
import { foreignStylesheetPi, runtimeNamespace, xpathCall, xsltInMarkup } from './xxe/xslt.js';

const B64 = new Int8Array(128).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split('').forEach((c, i) => (B64[c.charCodeAt(0)] = i));

/** Decode UTF-7 shifted sequences (`+ADw-` = `<`). Linear: plain runs are copied as slices. */
export function decodeUtf7(s: string): string {
  let i = s.indexOf('+');
  if (i < 0) return s;
  let out = '';
  let last = 0;
  while (i >= 0) {
    out += s.slice(last, i);
    let j = i + 1;
    if (s.charCodeAt(j) === 45 /* - */) {
      out += '+';
      last = j + 1;
      i = s.indexOf('+', last);
      continue;
    }
    let bits = 0;
    let acc = 0;
    const units: number[] = [];
    while (j < s.length) {
      const c = s.charCodeAt(j);
      const v = c < 128 ? B64[c]! : -1;
      if (v < 0) break;
      acc = ((acc << 6) | v) & 0xffffff;
      bits += 6;
      if (bits >= 16) {
        bits -= 16;
        units.push((acc >> bits) & 0xffff);
      }
      j++;
    }
    if (j === i + 1) {
      out += '+';
      last = j;
    } else {
      for (let k = 0; k < units.length; k += 4096) out += String.fromCharCode(...units.slice(k, k + 4096));
      if (s.charCodeAt(j) === 45) j++;
      last = j;
    }
    i = s.indexOf('+', last);
  }
  return out + s.slice(last);
}

const ENTITY_EXT = /<!ENTITY\s+(%\s*)?[^\s>]+\s+(?:SYSTEM|PUBLIC)\b/i;
const ENTITY_PARAM = /<!ENTITY\s+%\s*[^\s>]+\s/i;
const ENTITY_INTERNAL_REF = /<!ENTITY\s+[^\s>%]+\s+(["'])[^"']{0,2000}&[\w.:-]+;/i;
const XINCLUDE_NS = /^\s*https?:\/\/www\.w3\.org\/2001\/xinclude/i;
const XINCLUDE = /<(?!xsl:)(?:[\w-]+:)?include\b[^<>]{0,500}\bhref\s*=|xmlns(?::\w+)?\s*=\s*["']https?:\/\/www\.w3\.org\/2001\/xinclude/i;
const SCHEMA_ATTR = /\b(?:noNamespaceSchemaLocation|schemaLocation)\s*=\s*(["'])([^"']{0,2000})\1/gi;

type Found = { stamp: string; s: number; e: number } | null;

/** A document (or a fragment of markup) read as text. */
function check(v: string): Found {
  let m: RegExpExecArray | null;
  if ((m = ENTITY_EXT.exec(v))) return { stamp: m[1] ? 'xxe:parameter-entity' : 'xxe:external-entity', s: m.index, e: m.index + m[0].length + 40 };
  if ((m = ENTITY_PARAM.exec(v))) return { stamp: 'xxe:parameter-entity', s: m.index, e: m.index + m[0].length + 40 };
  const dt = foreignDoctype(v);
  if (dt) return { stamp: 'xxe:external-dtd', s: dt[0], e: dt[1] };
  if ((m = ENTITY_INTERNAL_REF.exec(v))) return { stamp: 'xxe:entity-expansion', s: m.index, e: m.index + 60 };
  if ((m = XINCLUDE.exec(v))) return { stamp: 'xxe:xinclude', s: m.index, e: m.index + 60 };
  SCHEMA_ATTR.lastIndex = 0;
  for (let k = 0; k < 32 && (m = SCHEMA_ATTR.exec(v)) !== null; k++) {
    if (foreignSchemaLocation(m[2]!) !== null) return { stamp: 'xxe:external-schema', s: m.index, e: m.index + 80 };
  }
  const x = xsltInMarkup(v) ?? (v.indexOf('(') >= 0 ? xpathCall(v) : null);
  if (x) return { stamp: x.stamp, s: x.at, e: x.at + 60 };
  return null;
}

/** The element an attribute at `point` belongs to (its last xml_tag), or ''. */
function elementOf(point: Point): string {
  for (let i = point.length - 2; i >= 0; i--) {
    const p = point[i]!;
    if (p[0] === 'xml_tag') return String(p[1] ?? '');
    if (p[0] === 'xml') break;
  }
  return '';
}

/** An attribute value the XML parser handed over, judged by the attribute's name and as XPath. */
function checkAttr(name: string, value: string, point: Point): string | null {
  const colon = name.indexOf(':');
  const local = (colon >= 0 ? name.slice(colon + 1) : name).toLowerCase();
  if (name.startsWith('xmlns')) {
    if (XINCLUDE_NS.test(value)) return 'xxe:xinclude';
    if (runtimeNamespace(value)) return 'xxe:xslt-extension';
    return null;
  }
  if (local === 'schemalocation' || local === 'nonamespaceschemalocation') return foreignSchemaLocation(value) !== null ? 'xxe:external-schema' : null;
  if (local === 'implements-prefix') return 'xxe:xslt-extension';
  if (local === 'href') {
    const el = elementOf(point);
    const elColon = el.indexOf(':');
    const elLocal = (elColon >= 0 ? el.slice(elColon + 1) : el).toLowerCase();
    const xsl = el.slice(0, elColon).toLowerCase() === 'xsl';
    if (elLocal === 'include' && !xsl && elColon > 0) return 'xxe:xinclude';
    if ((elLocal === 'include' || elLocal === 'import') && xsl && foreignRef(value)) return 'xxe:xslt-import';
  }
  if (value.indexOf('(') >= 0) {
    const x = xpathCall(value);
    if (x) return x.stamp;
  }
  return null;
}

const UTF7_NAME = /utf-?7/i;

export const xxe: Detector = {
  type: 'xxe',
  description: 'XXE: external / parameter entities, foreign external DTDs and schemas, entity expansion, XInclude, XSLT extensions (UTF-7 aware)',
  detect(value: string, ctx: DetectContext): DetectorMatch | null {
    if (value.length < 4) return null;
    const point = ctx.point;
    const last = point[point.length - 1];
    if (last !== undefined && last[0] === 'xml_pi' && value.startsWith('xml-stylesheet') && foreignStylesheetPi(value) >= 0) {
      return { stamp: 'xxe:xslt-import', payload: excerpt(value, 0, 80) };
    }
    if (last !== undefined && last.length > 1 && ctx.kind === 'value') {
      if (last[0] === 'xml_dtd_entity' && /^\s*(?:SYSTEM|PUBLIC)\b/i.test(value)) {
        return { stamp: 'xxe:external-entity', payload: excerpt(value, 0, 80) };
      }
      if (last[0] === 'xml_attr') {
        const st = checkAttr(String(last[1]), value, point);
        if (st) return { stamp: st, payload: excerpt(value, 0, 80) };
      }
    }
    if (value.length < 8) return null;
    const flags = charFlags(value);
    let v = value;
    if (flags & F.LT) {
      const r = check(v);
      if (r) return { stamp: r.stamp, payload: excerpt(v, r.s, r.e) };
    } else if (flags & F.LPAREN && flags & (F.COLON | F.SQUOTE | F.DQUOTE)) {
      // an XPath expression alone (a stylesheet parameter, a select value)
      const x = xpathCall(v);
      if (x) return { stamp: x.stamp, payload: excerpt(v, x.at, x.at + 60) };
    }
    if (value.indexOf('+AD') >= 0 || (flags & F.DIGIT && UTF7_NAME.test(value.length > 200 ? value.slice(0, 200) : value))) {
      v = decodeUtf7(value);
      if (v !== value) {
        const r = check(v);
        if (r) return { stamp: r.stamp, payload: excerpt(v, r.s, r.e) };
      }
    }
    return null;
  },
};
