// Request headers: ["header", "NAME"] with names upper-cased; a header sent more than once is also
// inspected joined (["header","X"],["pollution"]). Cookie goes to the cookie parser, Authorization to
// the authorization parser (basic/bearer/JWT).
import type { NormalizedRequest } from '../request.js';
import { parseAuthorization } from './authorization.js';
import { parseCookies } from './cookies.js';
import type { Sink } from './sink.js';

// Names every client sends: inspecting them as names only costs time.
const COMMON = new Set([
  'HOST', 'USER-AGENT', 'ACCEPT', 'ACCEPT-ENCODING', 'ACCEPT-LANGUAGE', 'ACCEPT-CHARSET', 'CONNECTION', 'CONTENT-TYPE',
  'CONTENT-LENGTH', 'CONTENT-ENCODING', 'CACHE-CONTROL', 'PRAGMA', 'REFERER', 'ORIGIN', 'AUTHORIZATION', 'COOKIE',
  'UPGRADE-INSECURE-REQUESTS', 'SEC-CH-UA', 'SEC-CH-UA-MOBILE', 'SEC-CH-UA-PLATFORM', 'SEC-FETCH-SITE', 'SEC-FETCH-MODE',
  'SEC-FETCH-USER', 'SEC-FETCH-DEST', 'IF-NONE-MATCH', 'IF-MODIFIED-SINCE', 'X-REQUESTED-WITH', 'X-FORWARDED-FOR',
  'X-FORWARDED-PROTO', 'X-FORWARDED-HOST', 'X-REAL-IP', 'DNT', 'TE', 'TRANSFER-ENCODING', 'KEEP-ALIVE', 'RANGE', 'VIA',
  'SOAPACTION', 'X-REQUEST-ID', 'TRACEPARENT', 'PRIORITY', 'EXPECT',
]);

export function parseHeaders(req: NormalizedRequest, sink: Sink): void {
  const hs = req.headers;
  let counts: Map<string, number> | null = null;
  for (let i = 0; i < hs.length; i++) {
    if (sink.stopped()) return;
    const [name, value] = hs[i]!;
    if (name === 'COOKIE') continue;
    const point: [string, string][] = [['header', name]];
    if (!COMMON.has(name)) sink.name(point, name);
    if (name === 'AUTHORIZATION' || name === 'PROXY-AUTHORIZATION') parseAuthorization(value, point, sink);
    else if (value.length > 0) sink.value(point, value, 0);
    if (i > 0) {
      if (counts === null) { counts = new Map(); for (let k = 0; k < i; k++) { const n = hs[k]![0]; counts.set(n, (counts.get(n) ?? 0) + 1); } }
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
  }
  if (counts !== null) {
    for (const [name, c] of counts) {
      if (c < 2 || name === 'COOKIE') continue;
      const joined = hs.filter((h) => h[0] === name).map((h) => h[1]).join(',');
      sink.value([['header', name], ['pollution']], joined, 0);
    }
  }
  if (req.cookies.length > 0) parseCookies(req.cookies, sink);
}
