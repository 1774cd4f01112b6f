/**
 * XML external entities and other parser-driven fetches.
 *
 * Reads the DTD the way an XML parser would: `<!ENTITY name SYSTEM|PUBLIC "uri">` (external
 * entity), `<!ENTITY % name ...>` (parameter entity, the out-of-band XXE building block),
 * `<!DOCTYPE root SYSTEM "uri">` / non-W3C `PUBLIC` ids (external DTD), internal entities that
 * expand other entities (billion-laughs style). Also XInclude, and schema documents the parser may
 * fetch (`xsi:schemaLocation` / `noNamespaceSchemaLocation` with a URL, `xs:include` / `xs:import` /
 * `xs:redefine`). UTF-7 encoded documents (`+ADw-!DOCTYPE`) are decoded first. When the engine hands
 * over a DTD entity value alone (point `xml_dtd_entity`), an external identifier there is enough.
 */
import type { Detector, DetectorMatch, DetectContext } from '../types.js';
import { F, charFlags, excerpt } from '../lexers/text.js';

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
const DOCTYPE_EXT = /<!DOCTYPE\s+[^\s>[]+\s+(SYSTEM|PUBLIC)\s*(["'])([^"']{0,300})\2/i;
const ENTITY_INTERNAL_REF = /<!ENTITY\s+[^\s>%]+\s+(["'])[^"']{0,2000}&[\w.:-]+;/i;
const XINCLUDE = /<(?:[\w-]+:)?include\b[^>]{0,500}\bhref\s*=|xmlns(?::\w+)?\s*=\s*["']https?:\/\/www\.w3\.org\/2001\/xinclude/i;
const SCHEMA_LOC = /\b(?:schemaLocation|noNamespaceSchemaLocation)\s*=\s*["']\s*(?:[^"'\s]+\s+)?(?:[a-z][a-z0-9+.-]*:|\/\/)/i;
const SCHEMA_INCLUDE = /<(?:xsd?|xml-?schema):(?:include|import|redefine|override)\b[^>]{0,500}=\s*["']\s*(?:[a-z][a-z0-9+.-]*:|\/\/)/i;

function check(v: string): { stamp: string; s: number; e: number } | null {
  let m: RegExpExecArray | null;
  if ((m = ENTITY_EXT.exec(v))) return { stamp: m[1] ? 'xxe:parameter-entity' : 'xxe:external-entity', s: m.index, e: m.index + m[0].length + 40 };
  if ((m = ENTITY_PARAM.exec(v))) return { stamp: 'xxe:parameter-entity', s: m.index, e: m.index + m[0].length + 40 };
  if ((m = DOCTYPE_EXT.exec(v))) {
    const isW3c = m[1]!.toUpperCase() === 'PUBLIC' && /^-\/\/W3C\/\//i.test(m[3]!);
    if (!isW3c) return { stamp: 'xxe:external-dtd', s: m.index, e: m.index + m[0].length };
  }
  if ((m = ENTITY_INTERNAL_REF.exec(v))) return { stamp: 'xxe:entity-expansion', s: m.index, e: m.index + 60 };
  if ((m = XINCLUDE.exec(v))) return { stamp: 'xxe:xinclude', s: m.index, e: m.index + 60 };
  if ((m = SCHEMA_INCLUDE.exec(v))) return { stamp: 'xxe:external-schema', s: m.index, e: m.index + 80 };
  if ((m = SCHEMA_LOC.exec(v))) return { stamp: 'xxe:external-schema', s: m.index, e: m.index + 80 };
  return null;
}

const UTF7_NAME = /utf-?7/i;

function inDtd(point: DetectContext['point']): boolean {
  for (let i = 0; i < point.length; i++) {
    const tag = point[i]![0];
    if (tag === 'xml_dtd_entity' || tag === 'xml_dtd') return true;
  }
  return false;
}

export const xxe: Detector = {
  type: 'xxe',
  description: 'XXE: external / parameter entities, external DTDs, entity expansion, XInclude, remote schemas (UTF-7 aware)',
  detect(value: string, ctx: DetectContext): DetectorMatch | null {
    if (value.length < 8) {
      return null;
    }
    if (inDtd(ctx.point) && /^\s*(?:SYSTEM|PUBLIC)\b|^\s*(?:file|https?|ftp|jar|netdoc|gopher|php|expect|data):/i.test(value)) {
      return { stamp: 'xxe:external-entity', payload: excerpt(value, 0, 80) };
    }
    const flags = charFlags(value);
    let v = value;
    if (flags & F.LT) {
      const r = check(v);
      if (r) return { stamp: r.stamp, payload: excerpt(v, r.s, r.e) };
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
