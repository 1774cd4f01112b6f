// Content-Encoding: gzip / x-gzip / deflate (zlib or raw) / br, undone in reverse order of
// application with a hard cap on output (limits.maxInflateBytes): going over it is a decompression
// bomb (data_bomb hit) and the body is not inspected further. A body that claims an encoding but is
// not actually encoded is inspected as sent. Each layer undone adds ["gzip"] to the point.
import { brotliDecompressSync, constants, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import type { Point } from '../types.js';
import type { Sink } from './sink.js';

export interface InflateResult {
  bytes: Uint8Array;
  point: Point;
  /** A bomb was found: stop inspecting the body. */
  bomb: boolean;
}

function inflateOne(b: Uint8Array, coding: string, max: number): Buffer {
  const opts = { maxOutputLength: max, finishFlush: constants.Z_SYNC_FLUSH };
  if (coding === 'gzip' || coding === 'x-gzip') return gunzipSync(b, opts);
  if (coding === 'deflate') {
    try { return inflateSync(b, opts); }
    catch (e) { if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw e; return inflateRawSync(b, opts); }
  }
  if (coding === 'br') return brotliDecompressSync(b, { maxOutputLength: max });
  throw new Error('unsupported coding');
}

export function isGzipMagic(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0x1f && b[1] === 0x8b && b[2] === 0x08;
}

export function inflateBody(bytes: Uint8Array, codings: string[], base: Point, sink: Sink): InflateResult {
  let cur = bytes;
  let point = base;
  const list = codings.length > 0 ? codings.slice().reverse() : isGzipMagic(bytes) ? ['gzip'] : [];
  for (const coding of list) {
    if (coding !== 'gzip' && coding !== 'x-gzip' && coding !== 'deflate' && coding !== 'br') continue;
    try {
      const out = inflateOne(cur, coding, sink.limits.maxInflateBytes);
      if (out.length === 0 && cur.length > 0) continue;
      cur = out;
      point = [...point, ['gzip']];
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
        sink.hit('data_bomb', [...point, ['gzip']], `${coding} body inflates past ${sink.limits.maxInflateBytes} bytes (${cur.length} bytes sent)`, 'data_bomb:inflate-limit');
        return { bytes: cur, point, bomb: true };
      }
      // Not actually encoded (or corrupt): inspect as sent.
    }
  }
  return { bytes: cur, point, bomb: false };
}

/** Inflate a gzip stream found inside a value (base64 of gzip); null when it is not one. */
export function inflateValue(bytes: Uint8Array, point: Point, sink: Sink): Buffer | null {
  try {
    return gunzipSync(bytes, { maxOutputLength: sink.limits.maxInflateBytes, finishFlush: constants.Z_SYNC_FLUSH });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) sink.hit('data_bomb', [...point, ['gzip']], 'embedded gzip inflates past the limit', 'data_bomb:inflate-limit');
    return null;
  }
}
