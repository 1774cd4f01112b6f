// What the attack log never stores: credential headers and cookies, and values named by the configured
// secret keys (attack_log.redact_keys), at their own point or inside a raw URI or body snippet.
import type { Point } from '../waf/index.js';

const SENSITIVE_HEADERS = new Set(['AUTHORIZATION', 'COOKIE', 'PROXY-AUTHORIZATION', 'SET-COOKIE']);
export const REDACTED = '[redacted]';

/**
 * True when a value at this point is a credential and must never be stored: a cookie, a credential
 * header, or any step of the point named by one of `keys` (upper-cased secret names from the config).
 */
export function isSensitivePoint(point: Point, keys?: ReadonlySet<string>): boolean {
  const first = point[0];
  if (!first) return false;
  if (first[0] === 'cookie') return true;
  if (first[0] === 'header' && first.length > 1 && SENSITIVE_HEADERS.has(String(first[1]).toUpperCase())) return true;
  if (keys && keys.size) for (const step of point) if (step.length > 1 && typeof step[1] === 'string' && keys.has(step[1].toUpperCase())) return true;
  return false;
}

/**
 * True when a raw (unparsed) value of this request may hold a secret: a query parameter, or a field
 * named anywhere in the body (first 64 KiB), is one of `keys`. A hit on the whole URI or body then
 * stores no payload, since its snippet can cut a secret anywhere.
 */
export function rawHoldsSecret(url: unknown, body: unknown, keys: ReadonlySet<string>): boolean {
  if (!keys.size) return false;
  if (typeof url === 'string') {
    const q = url.indexOf('?');
    if (q >= 0) {
      for (const pair of url.slice(q + 1).split(/[&;]/)) {
        const raw = pair.split('=', 1)[0]!;
        let name = raw;
        try { name = decodeURIComponent(raw.replace(/\+/g, ' ')); } catch { /* keep it raw */ }
        if (keys.has(name.toUpperCase())) return true;
      }
    }
  }
  if (body instanceof Uint8Array && body.length) {
    const text = Buffer.from(body.buffer, body.byteOffset, Math.min(body.length, 65536)).toString('utf8').toUpperCase();
    for (const k of keys) if (text.includes(k)) return true;
  }
  return false;
}

/** Response headers without credential values. */
export function redactHeaders(h: Record<string, string>, keys?: ReadonlySet<string>): Record<string, string> {
  const out: Record<string, string> = {};
  let n = 0;
  for (const [k, v] of Object.entries(h)) {
    if (++n > 50) break;
    const K = k.toUpperCase();
    out[k.toLowerCase()] = SENSITIVE_HEADERS.has(K) || keys?.has(K) ? REDACTED : String(v).slice(0, 256);
  }
  return out;
}
