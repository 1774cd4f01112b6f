// gRPC / protobuf bodies: ["grpc"] frames (1-byte compressed flag, 4-byte length, message), then the
// protobuf wire format under ["protobuf", fieldNumber]. Length-delimited fields that read as text are
// inspected as strings; others are tried as nested messages. Without a schema this is a heuristic,
// but payloads in string fields are what matter.
import { gunzipSync } from 'node:zlib';
import type { Point } from '../types.js';
import type { Sink } from './sink.js';
import { decodeUtf8Lenient, isPlausibleText } from './text.js';

function readVarint(b: Uint8Array, i: number): [number, number] | null {
  let v = 0, mul = 1;
  for (let k = 0; k < 10; k++) {
    if (i >= b.length) return null;
    const x = b[i++]!;
    v += (x & 0x7f) * mul;
    if ((x & 0x80) === 0) return [v, i];
    mul *= 128;
  }
  return null;
}

/** Validate that b is a well-formed protobuf message (every field parses and ends exactly). */
function isMessage(b: Uint8Array): boolean {
  if (b.length === 0) return false;
  let i = 0, fields = 0;
  while (i < b.length) {
    const t = readVarint(b, i);
    if (!t) return false;
    const [tag, j] = t;
    const wt = tag % 8, fno = Math.floor(tag / 8);
    if (fno < 1 || fno > 536870911) return false;
    i = j;
    if (wt === 0) { const v = readVarint(b, i); if (!v) return false; i = v[1]; }
    else if (wt === 1) i += 8;
    else if (wt === 5) i += 4;
    else if (wt === 2) { const l = readVarint(b, i); if (!l) return false; i = l[1] + l[0]; }
    else return false;
    if (i > b.length) return false;
    fields++;
  }
  return fields > 0;
}

export function parseProtobuf(b: Uint8Array, base: Point, depth: number, sink: Sink, nest = 0): number {
  let i = 0, emitted = 0;
  while (i < b.length) {
    if (sink.stopped()) break;
    const t = readVarint(b, i);
    if (!t) break;
    const [tag, j] = t;
    const wt = tag % 8, fno = Math.floor(tag / 8);
    i = j;
    if (wt === 0) { const v = readVarint(b, i); if (!v) break; i = v[1]; continue; }
    if (wt === 1) { i += 8; continue; }
    if (wt === 5) { i += 4; continue; }
    if (wt !== 2) break;
    const l = readVarint(b, i);
    if (!l) break;
    const start = l[1], end = start + l[0];
    if (end > b.length) break;
    const sub = b.subarray(start, end);
    const p: Point = [...base, ['protobuf', fno]];
    const text = decodeUtf8Lenient(sub);
    // Text without control bytes is a string field; a nested message starts with a tag byte, which is
    // usually a control char (field 1 length-delimited = 0x0a, varint = 0x08).
    if (!/[\x00-\x08\x0b\x0c\x0e-\x1f]/.test(text) && isPlausibleText(text, 1)) { sink.value(p, text, depth + 1); emitted++; }
    else if (nest < sink.limits.maxNesting && isMessage(sub)) emitted += parseProtobuf(sub, p, depth, sink, nest + 1);
    else if (isPlausibleText(text, 1)) { sink.value(p, text, depth + 1); emitted++; }
    i = end;
  }
  return emitted;
}

/** gRPC length-prefixed frames; returns -1 when b is not framed like gRPC. */
export function parseGrpc(b: Uint8Array, base: Point, depth: number, sink: Sink): number {
  let i = 0, emitted = 0, frames = 0;
  const root: Point = [...base, ['grpc']];
  while (i + 5 <= b.length) {
    const flag = b[i]!;
    const len = ((b[i + 1]! << 24) >>> 0) + (b[i + 2]! << 16) + (b[i + 3]! << 8) + b[i + 4]!;
    if (flag > 1 || i + 5 + len > b.length) return frames === 0 ? -1 : emitted;
    let msg: Uint8Array = b.subarray(i + 5, i + 5 + len);
    if (flag === 1) {
      try { msg = gunzipSync(msg, { maxOutputLength: sink.limits.maxInflateBytes }); }
      catch (e) {
        if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') sink.hit('data_bomb', root, 'compressed gRPC message exceeds the inflate limit', 'data_bomb:grpc-inflate');
        return emitted;
      }
    }
    frames++;
    emitted += parseProtobuf(msg, root, depth + 1, sink);
    i += 5 + len;
  }
  return frames === 0 ? -1 : emitted;
}
