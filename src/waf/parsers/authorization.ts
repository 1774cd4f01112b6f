// Authorization / Proxy-Authorization: the whole value, then by scheme: Basic -> ["base64"] decoded
// credentials (user and password also split out), Bearer/JWT -> the JWT parser, any other bearer token
// -> the value decoders.
import type { Point } from '../types.js';
import { decodeBase64 } from './base64.js';
import { looksJwt, parseJwt } from './jwt.js';
import { VALUE_RAW, type Sink } from './sink.js';
import { decodeUtf8Lenient } from './text.js';

export function parseAuthorization(value: string, point: Point, sink: Sink): void {
  if (value.length === 0) return;
  const v = value.trim();
  const sp = v.indexOf(' ');
  const scheme = sp < 0 ? '' : v.slice(0, sp).toLowerCase();
  const cred = sp < 0 ? v : v.slice(sp + 1).trim();
  if (looksJwt(v)) {
    sink.value(point, value, 0, VALUE_RAW);
    parseJwt(v, point, 0, sink);
    return;
  }
  if (scheme === 'basic') {
    sink.value(point, value, 0, VALUE_RAW);
    const d = decodeBase64(cred, 1);
    const text = d ? d.text ?? decodeUtf8Lenient(d.bytes) : null;
    if (text !== null && text.length > 0) sink.value([...point, ['base64']], text, 1);
    return;
  }
  if (scheme !== '' && cred.length > 0 && cred !== v) {
    sink.value(point, value, 0, VALUE_RAW);
    sink.value(point, cred, 0);
  } else sink.value(point, value, 0);
}
