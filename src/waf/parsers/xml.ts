// XML / SOAP: a small tolerant tokenizer, never an entity-expanding parser. Points under ["xml"]:
// ["xml_tag", name] per element level (text and CDATA), ["xml_attr", name] for attributes,
// ["xml_comment"], ["xml_pi"] (processing instructions other than the declaration), ["xml_dtd"] (the
// whole DOCTYPE) and ["xml_dtd_entity", name] for each entity declaration. Text or CDATA that is
// itself an XML document (SOAP carrying an escaped document) is parsed in place, one more ["xml"]
// deep. Entity-expansion bombs (billion laughs, quadratic blowup, recursive entities) are measured
// without expanding and reported as data_bomb (xml-dtd.ts) past the byte limit, and as xxe when a
// small document expands to many times its size; a body whose bytes contradict its declared encoding
// is reported as invalid_xml (xml-encoding.ts).
import type { Point, PointPart } from '../types.js';
import { VALUE_NO_STRUCT, type Sink } from './sink.js';
import { decodeXmlText, entityExpansion, parseEntities } from './xml-dtd.js';

export { decodeXmlBytes, type XmlBytes } from './xml-encoding.js';
export { decodeXmlText, entityExpansion } from './xml-dtd.js';

export interface XmlResult {
  ok: boolean;
  elements: number;
  error: boolean;
}

const XML_NAME_END = /[\s/>]/;
/** Entity amplification reported as an attack: at least this many characters, this many times the document. */
const AMP_MIN = 1024;
const AMP_RATIO = 10;

export function parseXml(s: string, base: Point, depth: number, sink: Sink): XmlResult {
  const res: XmlResult = { ok: false, elements: 0, error: false };
  const root: Point = [...base, ['xml']];
  const d = depth + 1;
  const maxNest = sink.limits.maxNesting;
  const limit = sink.limits.maxEntityExpansion;
  const stack: Array<{ name: string; point: Point }> = [];
  let sizes: Map<string, number> | null = null;
  let refTotal = 0;
  let bombReported = false;
  const n = s.length;
  let i = 0;
  let steps = 0;

  const cur = (): Point => (stack.length > 0 ? stack[stack.length - 1]!.point : root);
  const countRefs = (text: string): void => {
    if (sizes === null || bombReported || text.indexOf('&') < 0) return;
    const re = /&([A-Za-z_:][\w.:-]*);/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
      const sz = sizes.get('&' + m[1]!);
      if (sz !== undefined) refTotal += sz;
    }
    if (refTotal > limit) {
      bombReported = true;
      sink.hit('data_bomb', [...root, ['xml_dtd']], `entity references expand to more than ${limit} bytes`, 'data_bomb:xml-entity-expansion');
    }
  };
  // Text that is itself an XML document (escaped or in CDATA, as SOAP carries payloads) is parsed
  // like a body of its own, not inspected as flat markup: a well-formed inner document yields its
  // tags, attributes and DTD only, a damaged one its parts and its text whole.
  const emitDocOrText = (text: string, point: Point): void => {
    if (d < sink.limits.maxDepth && looksXmlDocument(text)) {
      const r = parseXml(text, point, d, sink);
      if (!(r.ok && !r.error)) sink.value(point, text, d, VALUE_NO_STRUCT);
      return;
    }
    sink.value(point, text, d);
  };
  const emitText = (raw: string, point: Point): void => {
    let a = 0, b = raw.length;
    while (a < b && raw.charCodeAt(a) <= 32) a++;
    while (b > a && raw.charCodeAt(b - 1) <= 32) b--;
    if (a === b) return;
    const t = raw.slice(a, b);
    countRefs(t);
    emitDocOrText(decodeXmlText(t), point);
  };
  // A small document whose entity references expand to many times its own size is a bomb in
  // miniature (quadratic blowup: one big entity referenced over and over), even under the byte limit.
  const amplification = (): void => {
    if (bombReported || refTotal < AMP_MIN || refTotal < AMP_RATIO * n) return;
    sink.hit('xxe', [...root, ['xml_dtd']], `entity references expand to ${refTotal} characters from a ${n}-character document`, 'xxe:entity-amplification');
  };

  while (i < n) {
    if ((++steps & 255) === 0 && sink.stopped()) return res;
    const lt = s.indexOf('<', i);
    if (lt < 0) { if (res.ok) emitText(s.slice(i), cur()); break; }
    if (lt > i && res.ok) emitText(s.slice(i, lt), cur());
    else if (lt > i && !res.ok && s.slice(i, lt).trim().length > 0) { res.error = true; }
    const c1 = s.charCodeAt(lt + 1);
    if (c1 === 0x21) { // <!
      if (s.startsWith('<!--', lt)) {
        let end = s.indexOf('-->', lt + 4);
        if (end < 0) { end = n; res.error = true; }
        const body = s.slice(lt + 4, end).trim();
        if (body.length > 0) sink.value([...cur(), ['xml_comment']], body, d);
        res.ok = true;
        i = end + 3;
        continue;
      }
      if (s.startsWith('<![CDATA[', lt)) {
        let end = s.indexOf(']]>', lt + 9);
        if (end < 0) { end = n; res.error = true; }
        const body = s.slice(lt + 9, end);
        if (body.trim().length > 0) emitDocOrText(body, cur());
        i = end + 3;
        continue;
      }
      // <!DOCTYPE ...> (possibly with an internal subset), or a stray declaration.
      let j = lt + 2, bracket = 0, quote = 0;
      for (; j < n; j++) {
        const c = s.charCodeAt(j);
        if (quote !== 0) { if (c === quote) quote = 0; continue; }
        if (c === 0x22 || c === 0x27) quote = c;
        else if (c === 0x5b) bracket++;
        else if (c === 0x5d) bracket--;
        else if (c === 0x3e && bracket <= 0) break;
      }
      if (j >= n) res.error = true;
      const decl = s.slice(lt, Math.min(j + 1, n));
      res.ok = true;
      // the declaration is inspected whole; re-reading it as a document would only find itself again
      sink.value([...root, ['xml_dtd']], decl, d, VALUE_NO_STRUCT);
      const ents = parseEntities(decl);
      for (const e of ents) {
        const v = e.value !== null ? decodeXmlText(e.value) : e.external ?? '';
        if (v.length > 0) sink.value([...root, ['xml_dtd_entity', e.name]], v, d);
      }
      if (ents.length > 0) {
        const ex = entityExpansion(ents, limit);
        sizes = ex.sizes;
        if (ex.max > limit && !bombReported) {
          bombReported = true;
          sink.hit('data_bomb', [...root, ['xml_dtd']], ex.max === Infinity ? 'recursive XML entity' : `XML entity expands to more than ${limit} bytes`, 'data_bomb:xml-entity-expansion');
        }
      }
      i = j + 1;
      continue;
    }
    if (c1 === 0x3f) { // <? ... ?>
      let end = s.indexOf('?>', lt + 2);
      if (end < 0) { end = n; res.error = true; }
      const body = s.slice(lt + 2, end);
      const sp = body.search(/\s/);
      const target = sp < 0 ? body : body.slice(0, sp);
      if (target.toLowerCase() !== 'xml') {
        const content = sp < 0 ? '' : body.slice(sp + 1).trim();
        sink.value([...cur(), ['xml_pi']], target + (content ? ' ' + content : ''), d);
      }
      res.ok = true;
      i = end + 2;
      continue;
    }
    if (c1 === 0x2f) { // </name>
      let end = s.indexOf('>', lt + 2);
      if (end < 0) { end = n; res.error = true; }
      const name = s.slice(lt + 2, end).trim();
      for (let k = stack.length - 1; k >= 0; k--) {
        if (stack[k]!.name === name) { stack.length = k; break; }
      }
      i = end + 1;
      continue;
    }
    // Start tag: <name attr="v" ...> or />
    let j = lt + 1;
    while (j < n && !XML_NAME_END.test(s[j]!)) j++;
    const name = s.slice(lt + 1, j);
    if (name.length === 0 || !/^[A-Za-z_:\u00c0-\uffff]/.test(name)) {
      // Not markup ("a < b"): treat '<' as text.
      if (res.ok) emitText('<', cur());
      res.error = true;
      i = lt + 1;
      continue;
    }
    res.ok = true;
    res.elements++;
    const parent = cur();
    const ep: Point = stack.length >= maxNest ? parent : [...parent, ['xml_tag', name] as PointPart];
    // Attributes
    let selfClose = false;
    while (j < n) {
      while (j < n && s.charCodeAt(j) <= 32) j++;
      const c = s.charCodeAt(j);
      if (c === 0x3e) { j++; break; }
      if (c === 0x2f && s.charCodeAt(j + 1) === 0x3e) { selfClose = true; j += 2; break; }
      if (c === 0x3c) break; // unterminated tag
      let k = j;
      while (k < n) { const x = s.charCodeAt(k); if (x <= 32 || x === 0x3d || x === 0x3e || (x === 0x2f && s.charCodeAt(k + 1) === 0x3e)) break; k++; }
      const an = s.slice(j, k);
      j = k;
      while (j < n && s.charCodeAt(j) <= 32) j++;
      let av = '';
      if (s.charCodeAt(j) === 0x3d) {
        j++;
        while (j < n && s.charCodeAt(j) <= 32) j++;
        const q = s.charCodeAt(j);
        if (q === 0x22 || q === 0x27) {
          let e = s.indexOf(q === 0x22 ? '"' : "'", j + 1);
          if (e < 0) { e = n; res.error = true; }
          av = s.slice(j + 1, e);
          j = e + 1;
        } else {
          let e = j;
          while (e < n && s.charCodeAt(e) > 32 && s.charCodeAt(e) !== 0x3e) e++;
          av = s.slice(j, e);
          j = e;
        }
      }
      if (an.length === 0) { j++; continue; }
      const ap: Point = [...ep, ['xml_attr', an]];
      sink.name(ap, an);
      if (av.length > 0) { countRefs(av); sink.value(ap, decodeXmlText(av), d); }
    }
    if (j >= n && !selfClose) res.error = true;
    if (!selfClose) stack.push({ name, point: ep });
    i = j;
  }
  if (stack.length > 0) res.error = true;
  amplification();
  return res;
}

/** Cheap sniff for XML in a value (not a whole body): a declaration, DOCTYPE or namespaced root. */
export function looksXmlDocument(s: string): boolean {
  let i = 0;
  while (i < s.length && s.charCodeAt(i) <= 32) i++;
  if (s.charCodeAt(i) !== 0x3c) return false;
  const head = s.slice(i, i + 10).toLowerCase();
  if (head.startsWith('<?xml') || head.startsWith('<!doctype') || head.startsWith('<!entity')) return true;
  // a root element declaring a namespace; looked for in its start tag only, without backtracking
  let tag = s.slice(i, i + 512);
  const gt = tag.indexOf('>');
  if (gt >= 0) tag = tag.slice(0, gt);
  return /^<[\w:.-]+\s/.test(tag) && /\sxmlns[:=]/.test(tag);
}
