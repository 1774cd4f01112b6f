// JSON Web Tokens (and other dotted base64url tokens): ["jwt","jwt_prefix"] for a scheme prefix,
// ["jwt","jwt_header"|"jwt_payload"],["base64"] for the decoded parts, which the engine then parses
// as JSON (["json_doc"],["hash","sub"], ...). The signature is opaque and not inspected.
import type { Point } from '../types.js';
import { decodeUtf8Lenient } from './text.js';
import { VALUE_RAW, type Sink } from './sink.js';

const JWT_RE = /^(?:([A-Za-z][A-Za-z0-9_-]*)\s+)?(ey[A-Za-z0-9_-]+)\.(ey[A-Za-z0-9_-]*|[A-Za-z0-9_-]*)\.([A-Za-z0-9_-]*)$/;

export function looksJwt(s: string): boolean {
  const i = s.indexOf('ey');
  if (i < 0 || i > 16) return false;
  return JWT_RE.test(s.trim());
}

/** Parse a JWT (optionally "Bearer <jwt>") at `point`; returns false when s is not one. */
export function parseJwt(s: string, point: Point, depth: number, sink: Sink): boolean {
  const m = JWT_RE.exec(s.trim());
  if (!m) return false;
  if (m[1]) sink.value([...point, ['jwt', 'jwt_prefix']], m[1], depth + 1, VALUE_RAW);
  const header = decodeUtf8Lenient(Buffer.from(m[2]!, 'base64url'));
  sink.value([...point, ['jwt', 'jwt_header'], ['base64']], header, depth + 1);
  if (m[3]!.length > 0) {
    const payload = decodeUtf8Lenient(Buffer.from(m[3]!, 'base64url'));
    sink.value([...point, ['jwt', 'jwt_payload'], ['base64']], payload, depth + 1);
  }
  return true;
}
