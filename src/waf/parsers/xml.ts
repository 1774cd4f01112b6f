// XML / SOAP: a small tolerant tokenizer, never an entity-expanding parser. Points under ["xml"]:
// ["xml_tag", name] per element level (text and CDATA), ["xml_attr", name] for attributes,
// ["xml_comment"], ["xml_pi"] (processing instructions other than the declaration), ["xml_dtd"] (the
// whole DOCTYPE) and ["xml_dtd_entity", name] for each entity declaration. Entity-expansion bombs
// (billion laughs, quadratic blowup, recursive entities) are measured without expanding and reported
// as data_bomb; a body whose bytes contradict its declared encoding is reported as invalid_xml.
import type { Point, PointPart } from '../types.js';
import { decodeEbcdic, isEbcdicName, looksEbcdicXml } from './ebcdic.js';
import { decodeUtf7 } from './utf7.js';
import type { Sink } from './sink.js';
import { decodeUtf8Lenient, latin1 } from './text.js';

export interface XmlResult {
  ok: boolean;
  elements: number;
  error: boolean;
}

const PREDEF: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decode predefined and numeric character references; other entity references stay as written. */
export function decodeXmlText(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(/&(?:#[xX]([0-9a-fA-F]{1,6})|#([0-9]{1,7})|([A-Za-z_][\w.-]*));/g, (m, hx: string | undefined, dc: string | undefined, nm: string | undefined) => {
    if (hx !== undefined || dc !== undefined) {
      const cp = hx !== undefined ? parseInt(hx, 16) : parseInt(dc!, 10);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
    }
    return PREDEF[nm!] ?? m;
  });
}

const NAME_END = /[\s/>]/;

interface EntityDecl {
  name: string;
  param: boolean;
  value: string | null; // internal literal
  external: string | null; // SYSTEM/PUBLIC declaration text
}

function parseEntities(subset: string): EntityDecl[] {
  const out: EntityDecl[] = [];
  const re = /<!ENTITY\s+(%\s+)?([^\s%"'>]+)\s+((?:"[^"]*"|'[^']*'|[^>"'])*)>/gi;
  let m: RegExpExecArray | null;
  while ((m = re.exec(subset)) !== null) {
    const body = m[3]!.trim();
    const lit = /^(?:"([^"]*)"|'([^']*)')/.exec(body);
    const isExt = /^(?:SYSTEM|PUBLIC)\b/i.test(body);
    out.push({ name: m[2]!, param: !!m[1], value: !isExt && lit ? (lit[1] ?? lit[2] ?? '') : null, external: isExt ? body : null });
    if (out.length > 10000) break;
  }
  return out;
}

/**
 * Expansion size of each internal entity, computed on the declaration graph (memoised, cycle-aware)
 * instead of expanding. Returns the largest size, Infinity on a reference cycle.
 */
export function entityExpansion(decls: EntityDecl[], limit: number): { max: number; sizes: Map<string, number> } {
  const byName = new Map<string, EntityDecl>();
  for (const d of decls) {
    const k = (d.param ? '%' : '&') + d.name;
    if (!byName.has(k)) byName.set(k, d); // first declaration wins (XML 1.0 §4.2)
  }
  const sizes = new Map<string, number>();
  const visiting = new Set<string>();
  let max = 0;
  const refRe = /([&%])([A-Za-z_:][\w.:-]*);/g;
  const size = (k: string, depth: number): number => {
    const known = sizes.get(k);
    if (known !== undefined) return known;
    const d = byName.get(k);
    if (!d || d.value === null) return 0;
    if (visiting.has(k) || depth > 64) return Infinity;
    visiting.add(k);
    let total = 0, stripped = d.value.length;
    const refs: string[] = [];
    refRe.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = refRe.exec(d.value)) !== null) { refs.push(m[1]! + m[2]!); stripped -= m[0].length; }
    total = stripped;
    for (const r of refs) {
      if (!byName.has(r)) { total += r.length + 1; continue; }
      total += size(r, depth + 1);
      if (total > limit) { total = total === Infinity ? Infinity : limit + 1; break; }
    }
    visiting.delete(k);
    sizes.set(k, total);
    return total;
  };
  for (const k of byName.keys()) {
    const s = size(k, 0);
    if (s > max) max = s;
    if (max > limit) break;
  }
  return { max, sizes };
}

/** Parse already-decoded XML text at base+["xml"]. */
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
  const emitText = (raw: string, point: Point): void => {
    let a = 0, b = raw.length;
    while (a < b && raw.charCodeAt(a) <= 32) a++;
    while (b > a && raw.charCodeAt(b - 1) <= 32) b--;
    if (a === b) return;
    const t = raw.slice(a, b);
    countRefs(t);
    sink.value(point, decodeXmlText(t), d);
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
        if (body.trim().length > 0) sink.value(cur(), body, d);
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
      sink.value([...root, ['xml_dtd']], decl, d);
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
    while (j < n && !NAME_END.test(s[j]!)) j++;
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
  return res;
}

// ---- encodings ----

const UTF16 = /^(?:utf-?16(?:le|be)?|ucs-?2|unicode|iso-10646-ucs-2)$/;
const UTF32 = /^(?:utf-?32(?:le|be)?|ucs-?4|iso-10646-ucs-4)$/;
const EBCDIC = /^(?:ibm-?0?37|cp-?0?37|ebcdic.*|ibm-?500|cp-?500|ibm-?1047|cp-?1047|ibm-?1140|cp-?1140|ibm-?273|ibm-?277|ibm-?278|ibm-?280|ibm-?284|ibm-?285|ibm-?297|ibm-?871)$/;
const EIGHT_BIT = /^(?:utf-?8|us-ascii|ascii|iso-?8859-\d+|latin-?1|windows-125\d|cp125\d|koi8-[ru]|shift_jis|euc-jp|euc-kr|gb2312|gbk|gb18030|big5)$/;

export interface XmlBytes {
  text: string;
  /** Encoding the bytes are in: 'utf-8' (any ASCII-compatible), 'utf-16le', 'utf-16be', 'ebcdic'. */
  actual: string;
  /** Encoding named by the declaration (lower-cased), '' when none. */
  declared: string;
  /** Why the declared encoding contradicts the bytes, or null. */
  mismatch: string | null;
}

function swap16(b: Uint8Array): Buffer {
  const out = Buffer.alloc(b.length & ~1);
  for (let i = 0; i + 1 < b.length; i += 2) { out[i] = b[i + 1]!; out[i + 1] = b[i]!; }
  return out;
}

/** Decode an XML body by its bytes (BOM / NUL pattern), then check the declared encoding agrees. */
export function decodeXmlBytes(bytes: Uint8Array, headerCharset = ''): XmlBytes {
  let actual = 'utf-8', off = 0;
  const b0 = bytes[0], b1 = bytes[1], b2 = bytes[2], b3 = bytes[3];
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) off = 3;
  else if (b0 === 0xfe && b1 === 0xff) { actual = 'utf-16be'; off = 2; }
  else if (b0 === 0xff && b1 === 0xfe) { actual = 'utf-16le'; off = 2; }
  else if (b0 === 0x00 && b1 === 0x3c && b2 === 0x00 && b3 === 0x3f) actual = 'utf-16be';
  else if (b0 === 0x3c && b1 === 0x00 && b2 === 0x3f && b3 === 0x00) actual = 'utf-16le';
  else if (looksEbcdicXml(bytes) || (headerCharset && isEbcdicName(headerCharset))) actual = 'ebcdic';
  const body = bytes.subarray(off);
  let text: string;
  if (actual === 'ebcdic') text = decodeEbcdic(body);
  else if (actual === 'utf-16le') text = Buffer.from(body.buffer, body.byteOffset, body.byteLength & ~1).toString('utf16le');
  else if (actual === 'utf-16be') text = swap16(body).toString('utf16le');
  else text = decodeUtf8Lenient(body);
  const m = /^\s*<\?xml\s[^>]*?encoding\s*=\s*["']([^"']*)["']/i.exec(text.slice(0, 256));
  const declared = m ? m[1]!.trim().toLowerCase() : '';
  let mismatch: string | null = null;
  const check = (name: string, label: string): void => {
    if (!name || mismatch) return;
    if (UTF16.test(name)) { if (actual === 'utf-8') mismatch = `${label} ${name} but the bytes are 8-bit`; }
    else if (UTF32.test(name)) mismatch = `${label} ${name} but the bytes are ${actual}`;
    else if (EBCDIC.test(name)) { if (actual !== 'ebcdic') mismatch = `${label} ${name} (EBCDIC) but the bytes are ${actual}`; }
    else if (EIGHT_BIT.test(name) || name === 'utf-7' || name === 'utf7') { if (actual !== 'utf-8') mismatch = `${label} ${name} but the bytes are ${actual}`; }
  };
  check(declared, 'declaration says');
  check(headerCharset.toLowerCase(), 'Content-Type charset says');
  if (actual === 'utf-8') {
    if (declared === 'utf-7' || declared === 'utf7') text = decodeUtf7(text);
    else if (/^(?:iso-?8859-1|latin-?1|windows-1252|cp1252|us-ascii|ascii)$/.test(declared)) text = latin1(body);
  }
  return { text, actual, declared, mismatch };
}

/** Cheap sniff for XML in a value (not a whole body): a declaration, DOCTYPE or namespaced root. */
export function looksXmlDocument(s: string): boolean {
  let i = 0;
  while (i < s.length && s.charCodeAt(i) <= 32) i++;
  if (s.charCodeAt(i) !== 0x3c) return false;
  const head = s.slice(i, i + 10).toLowerCase();
  return head.startsWith('<?xml') || head.startsWith('<!doctype') || head.startsWith('<!entity') || /^<[\w:.-]+[^>]*\sxmlns[:=]/.test(s.slice(i, i + 512));
}
