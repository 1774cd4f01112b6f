// Request bodies under ["post"]: undo Content-Encoding, then parse by the declared media type, and
// by sniffing when the type is absent, generic, or lies (a JSON body sent as a form, XML as text/plain):
// form_urlencoded, multipart, JSON, XML/SOAP, GraphQL, gRPC/protobuf, else plain text. Without a
// charset, UTF-16 is recognised by its bytes (BOM or NULs between ASCII characters).
import type { MediaType, NormalizedRequest } from '../request.js';
import { parseMediaType } from '../request.js';
import type { Point } from '../types.js';
import { looksGraphql, parseGraphql } from './graphql.js';
import { parseGrpc, parseProtobuf } from './grpc.js';
import { inflateBody } from './gzip.js';
import { parseJson } from './json.js';
import { parseMultipart } from './multipart.js';
import { VALUE_NO_STRUCT, type Sink } from './sink.js';
import { decodeEbcdic, isEbcdicName } from './ebcdic.js';
import { decodeUtf8Lenient, latin1, latin1Bytes, looksBinary } from './text.js';
import { parseUrlEncoded } from './urlencoded.js';
import { decodeXmlBytes, parseXml } from './xml.js';
import { decodeUtf16, sniffUtf16 } from './xml-encoding.js';

export interface BodyResult {
  /** Part of the body was not inspected (over maxBodyBytes, or a bomb). */
  truncated: boolean;
}

type Kind = 'json' | 'xml' | 'form' | 'multipart' | 'graphql' | 'grpc' | 'protobuf' | 'other';

export function kindOf(type: string): Kind {
  if (type === '') return 'other';
  if (type.startsWith('multipart/')) return 'multipart';
  if (type === 'application/x-www-form-urlencoded') return 'form';
  if (type.endsWith('/json') || type.endsWith('+json') || type.endsWith('-json') || type === 'application/csp-report' || type.endsWith('/x-ndjson') || type.endsWith('/jsonl')) return 'json';
  if (type.endsWith('/xml') || type.endsWith('+xml') || type === 'application/soap') return 'xml';
  if (type === 'application/graphql' || type.endsWith('+graphql')) return 'graphql';
  if (type.startsWith('application/grpc')) return 'grpc';
  if (type.endsWith('protobuf') || type.endsWith('x-proto')) return 'protobuf';
  return 'other';
}

/** Text of bytes without a charset that show themselves as UTF-16 (a byte-order mark or NULs between ASCII characters), else null. */
function sniffedUtf16Text(b: Uint8Array): string | null {
  const u16 = sniffUtf16(b);
  return u16 ? decodeUtf16(b.subarray(u16.bom), u16.encoding) : null;
}

function bytesToText(b: Uint8Array, charset: string | undefined): string {
  const cs = (charset ?? '').toLowerCase();
  if (cs === '') {
    const u16 = sniffedUtf16Text(b);
    if (u16 !== null) return u16;
  }
  if (cs === 'utf-16be' || ((cs === 'utf-16' || cs === 'utf16') && b[0] === 0xfe && b[1] === 0xff)) return decodeUtf16(b, 'utf-16be');
  if (cs === 'utf-16' || cs === 'utf-16le' || cs === 'utf16') return decodeUtf16(b, 'utf-16le');
  if (cs.length > 0 && isEbcdicName(cs)) return decodeEbcdic(b);
  if (cs === 'iso-8859-1' || cs === 'latin1' || cs === 'windows-1252') return latin1(b);
  return decodeUtf8Lenient(b);
}

/**
 * Printable ASCII runs of 16+ chars from a binary blob (what `strings -n 16` shows): long enough that
 * random bytes almost never produce one (p ~ 1e-7 per offset), short enough for an embedded script.
 */
function printableRuns(s: string, max = 65536): string {
  const runs = s.match(/[\x20-\x7e\t\r\n]{16,}/g);
  if (!runs) return '';
  let out = runs.join('\n');
  if (out.length > max) out = out.slice(0, max);
  return out;
}

const FORM_SNIFF = /^[A-Za-z0-9_.\-[\]%]+=[^\r\n]*$/;

export function parseBody(req: NormalizedRequest, sink: Sink): BodyResult {
  const res: BodyResult = { truncated: false };
  if (req.body === null) return res;
  const inf = inflateBody(req.body, req.contentEncoding, [['post']], sink);
  if (inf.bomb) { res.truncated = true; return res; }
  let bytes = inf.bytes;
  if (bytes.length > sink.limits.maxBodyBytes) {
    bytes = bytes.subarray(0, sink.limits.maxBodyBytes);
    res.truncated = true;
  }
  dispatchBytes(bytes, req.contentType, inf.point, 0, sink);
  return res;
}

/** Parse bytes of a declared media type at `point` (body, or a multipart part). */
export function dispatchBytes(bytes: Uint8Array, ct: MediaType, point: Point, depth: number, sink: Sink): void {
  const kind = kindOf(ct.type);
  switch (kind) {
    case 'multipart': {
      const cs = ct.params['charset'];
      const n = parseMultipart(cs && isEbcdicName(cs) ? decodeEbcdic(bytes) : latin1(bytes), ct.params['boundary'], point, depth, sink, dispatchPart);
      if (n >= 0) return;
      break;
    }
    case 'json': {
      const text = bytesToText(bytes, ct.params['charset']);
      const r = parseJson(text, point, depth, sink);
      if (r.ok && !r.error) return;
      if (r.ok) { sink.value(point, text, depth, VALUE_NO_STRUCT); return; }
      return sniffText(text, bytes, point, depth, sink, 'json');
    }
    case 'xml': {
      const x = decodeXmlBytes(bytes, ct.params['charset'] ?? '');
      if (x.mismatch) sink.hit('invalid_xml', [...point, ['xml']], x.mismatch, 'invalid_xml:encoding-mismatch');
      const r = parseXml(x.text, point, depth, sink);
      // UTF-7 turns "+ADw-" into markup: inspect the decoded document whole as well.
      if (x.declared === 'utf-7' || x.declared === 'utf7') { sink.value(point, x.text, depth, VALUE_NO_STRUCT); return; }
      if (r.ok && !r.error) return;
      if (r.ok) { sink.value(point, x.text, depth, VALUE_NO_STRUCT); return; }
      return sniffText(x.text, bytes, point, depth, sink, 'xml');
    }
    case 'form': {
      const text = bytesToText(bytes, ct.params['charset']);
      return parseForm(text, bytes, point, depth, sink);
    }
    case 'graphql': {
      const text = bytesToText(bytes, ct.params['charset']);
      parseGraphql(text, point, depth, sink);
      sink.value(point, text, depth, VALUE_NO_STRUCT);
      return;
    }
    case 'grpc': {
      if (parseGrpc(bytes, point, depth, sink) >= 0) return;
      break;
    }
    case 'protobuf': {
      if (parseProtobuf(bytes, [...point, ['protobuf']], depth, sink) > 0) return;
      break;
    }
    default:
      break;
  }
  const text = bytesToText(bytes, ct.params['charset']);
  sniffText(text, bytes, point, depth, sink, kind);
}

function parseForm(text: string, bytes: Uint8Array, point: Point, depth: number, sink: Sink): void {
  const t = text.trimStart();
  if (t.startsWith('{') || t.startsWith('[')) {
    // A form content type on a JSON body: parse what the application will likely parse.
    const r = parseJson(text, point, depth, sink);
    if (r.ok && !r.error) return;
  }
  if (t.startsWith('<')) return sniffText(text, bytes, point, depth, sink, 'form');
  const r = parseUrlEncoded(text, point, 'form_urlencoded', depth, sink);
  // A name that is not a name means the payload itself holds '&' or '=': inspect the whole body too.
  if (r.oddNames || r.pairs === 0) sink.value(point, text, depth, VALUE_NO_STRUCT);
}

/** The type is absent, generic, or did not parse: find out what the body is. */
function sniffText(text: string, bytes: Uint8Array, point: Point, depth: number, sink: Sink, tried: Kind): void {
  if (looksBinary(text)) {
    if ((bytes[0] === 0 || bytes[0] === 1) && tried !== 'grpc' && parseGrpc(bytes, point, depth, sink) > 0) return;
    const runs = printableRuns(text);
    if (runs.length > 0) sink.value(point, runs, depth, VALUE_NO_STRUCT);
    return;
  }
  let i = 0;
  while (i < text.length && text.charCodeAt(i) <= 32) i++;
  const c = text.charCodeAt(i);
  if ((c === 0x7b || c === 0x5b) && tried !== 'json') {
    const r = parseJson(text, point, depth, sink);
    if (r.ok && !r.error) return;
  } else if (c === 0x3c && tried !== 'xml') {
    const x = decodeXmlBytes(bytes);
    if (x.mismatch && x.declared) sink.hit('invalid_xml', [...point, ['xml']], x.mismatch, 'invalid_xml:encoding-mismatch');
    parseXml(x.text, point, depth, sink);
    // Undeclared markup may just as well be HTML: inspect it whole too (below).
  } else if (c === 0x2d && text.startsWith('--', i) && tried !== 'multipart' && /content-disposition/i.test(text.slice(0, 2048))) {
    if (parseMultipart(latin1(bytes), undefined, point, depth, sink, dispatchPart) > 0) return;
  } else if ((bytes[0] === 0 || bytes[0] === 1) && tried !== 'grpc' && bytes.length >= 5) {
    if (parseGrpc(bytes, point, depth, sink) > 0) return;
  } else if (tried !== 'form' && FORM_SNIFF.test(text.slice(0, 4096)) && text.indexOf('\n') < 0) {
    const r = parseUrlEncoded(text, point, 'form_urlencoded', depth, sink);
    if (!r.oddNames && r.pairs > 0 && text.indexOf(' ') < 0) return;
  }
  // A GraphQL document posted without its content type (clients and scanners both do): its argument
  // values are what the resolvers see. The whole text is still inspected below.
  if (tried !== 'graphql' && (c === 0x7b || (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) && looksGraphql(text)) parseGraphql(text, point, depth, sink);
  // Structure sniffing was just done here; the value decoders need not redo it.
  sink.value(point, text, depth, tried === 'other' && c !== 0x7b && c !== 0x5b && c !== 0x3c ? 0 : VALUE_NO_STRUCT);
}

/** A multipart part: parse by its own Content-Type, else inspect as text (decoders may still sniff). */
function dispatchPart(content: string, contentType: string, point: Point, depth: number, sink: Sink): void {
  const mt = parseMediaType(contentType);
  const kind = kindOf(mt.type);
  const bytes = latin1Bytes(content);
  if (kind !== 'other') return dispatchBytes(bytes, mt, point, depth, sink);
  const u16 = mt.params['charset'] ? null : sniffedUtf16Text(bytes);
  if (u16 !== null) return sink.value(point, u16, depth);
  if (looksBinary(content)) {
    const runs = printableRuns(content);
    if (runs.length > 0) sink.value(point, runs, depth, VALUE_NO_STRUCT);
    return;
  }
  sink.value(point, bytesToText(bytes, mt.params['charset']), depth);
}
