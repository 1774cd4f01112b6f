// multipart/form-data (and other multipart/* bodies): ["multipart", name] for each part's content,
// ["multipart", name],["file"] for an upload's file name, ["multipart", name],["header", NAME] for
// each part header, and the part name itself inspected as a name. Tolerant of LF-only line breaks, a
// missing or wrong boundary parameter (the boundary is then taken from the body's first line), a
// missing closing delimiter, and Content-Transfer-Encoding base64/quoted-printable. A part whose
// Content-Type is JSON or XML is parsed as such.
import type { Point } from '../types.js';
import { parseMediaType } from '../request.js';
import { VALUE_RAW, type Sink } from './sink.js';
import { binaryToText } from './text.js';

export interface MultipartPart {
  name: string;
  filename: string | null;
  headers: Array<[string, string]>;
  contentType: string;
  /** Content as a binary (Latin-1) string. */
  content: string;
}

/** Find the boundary: the declared one when the body uses it, else the first "--token" line. */
export function findBoundary(body: string, declared: string | undefined): string | null {
  if (declared && declared.length > 0 && body.indexOf('--' + declared) >= 0) return declared;
  const m = /^(?:\r?\n)*--([^\r\n]{1,200}?)[ \t]*\r?\n/.exec(body.slice(0, 512));
  if (m) return m[1]!;
  return declared && declared.length > 0 ? declared : null;
}

function decodeQuotedPrintable(s: string): string {
  return s.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** Content-Disposition params, including RFC 5987 `filename*=UTF-8''...`. */
function dispositionParams(v: string): { name: string | null; filename: string | null } {
  const mt = parseMediaType('x/' + v);
  let filename = mt.params['filename'] ?? null;
  const star = mt.params['filename*'];
  if (star !== undefined) {
    const q = star.indexOf("''");
    const raw = q >= 0 ? star.slice(q + 2) : star;
    try { filename = decodeURIComponent(raw); } catch { filename = raw; }
  }
  let name = mt.params['name'] ?? null;
  if (name === null) {
    // name without quotes that contains ';' or odd chars: fall back to a loose match
    const m = /\bname\s*=\s*("?)([^";\r\n]*)\1/i.exec(v);
    if (m) name = m[2]!;
  }
  return { name, filename };
}

export function splitMultipart(body: string, boundary: string, maxParts = 1000): MultipartPart[] {
  const parts: MultipartPart[] = [];
  const delim = '--' + boundary;
  let pos = body.indexOf(delim);
  if (pos < 0) return parts;
  while (pos >= 0 && parts.length < maxParts) {
    let start = pos + delim.length;
    if (body.startsWith('--', start)) break; // closing delimiter
    // rest of the delimiter line
    const eol = body.indexOf('\n', start);
    if (eol < 0) break;
    start = eol + 1;
    let next = body.indexOf(delim, start);
    const end = next < 0 ? body.length : next;
    let chunk = body.slice(start, end);
    // strip the line break that belongs to the next delimiter
    if (next >= 0) {
      if (chunk.endsWith('\r\n')) chunk = chunk.slice(0, -2);
      else if (chunk.endsWith('\n')) chunk = chunk.slice(0, -1);
    }
    // headers end at the first empty line
    let hEnd = -1, cStart = 0;
    if (chunk.startsWith('\r\n')) { hEnd = 0; cStart = 2; }
    else if (chunk.startsWith('\n')) { hEnd = 0; cStart = 1; }
    else {
      const a = chunk.indexOf('\r\n\r\n'), b = chunk.indexOf('\n\n');
      if (a >= 0 && (b < 0 || a <= b)) { hEnd = a; cStart = a + 4; }
      else if (b >= 0) { hEnd = b; cStart = b + 2; }
    }
    const headText = hEnd < 0 ? chunk : chunk.slice(0, hEnd);
    const content = hEnd < 0 ? '' : chunk.slice(cStart);
    const headers: Array<[string, string]> = [];
    for (const line of headText.split(/\r?\n/)) {
      const c = line.indexOf(':');
      if (c <= 0) continue;
      headers.push([line.slice(0, c).trim().toUpperCase(), line.slice(c + 1).trim()]);
    }
    let name = '', filename: string | null = null, ctype = '', cte = '';
    for (const [k, v] of headers) {
      if (k === 'CONTENT-DISPOSITION') { const p = dispositionParams(v); name = p.name ?? name; filename = p.filename; }
      else if (k === 'CONTENT-TYPE') ctype = v;
      else if (k === 'CONTENT-TRANSFER-ENCODING') cte = v.toLowerCase();
    }
    let data = content;
    if (cte === 'base64') data = Buffer.from(content.replace(/\s+/g, ''), 'base64').toString('latin1');
    else if (cte === 'quoted-printable') data = decodeQuotedPrintable(content);
    parts.push({ name: binaryToText(name), filename: filename === null ? null : binaryToText(filename), headers, contentType: ctype, content: data });
    if (next < 0) break;
    pos = next;
  }
  return parts;
}

export type BodyDispatch = (content: string, contentType: string, point: Point, depth: number, sink: Sink) => void;

/**
 * Parse a multipart body given as a binary (Latin-1) string. `dispatch` inspects each part's content
 * (the body parser, so nested JSON/XML/multipart parts are parsed by type). Returns parts seen, or -1
 * when no boundary could be found.
 */
export function parseMultipart(body: string, declaredBoundary: string | undefined, base: Point, depth: number, sink: Sink, dispatch: BodyDispatch): number {
  const boundary = findBoundary(body, declaredBoundary);
  if (boundary === null) return -1;
  const parts = splitMultipart(body, boundary);
  if (parts.length === 0) return -1;
  const d = depth + 1;
  for (const p of parts) {
    if (sink.stopped()) break;
    const pp: Point = [...base, ['multipart', p.name]];
    if (p.name.length > 0) sink.name(pp, p.name);
    for (const [k, v] of p.headers) {
      if (k === 'CONTENT-DISPOSITION' || v.length === 0) { if (k === 'CONTENT-DISPOSITION') sink.value([...pp, ['header', k]], binaryToText(v), d, VALUE_RAW); continue; }
      sink.value([...pp, ['header', k]], binaryToText(v), d);
    }
    if (p.filename !== null && p.filename.length > 0) sink.value([...pp, ['file']], p.filename, d);
    if (p.content.length > 0) dispatch(p.content, p.contentType, pp, d, sink);
  }
  return parts.length;
}

