// The normalised request model the engine works on, built once from the WafRequest handed in by the
// plugin or the node: method, raw path and query, header names upper-cased (order and repeats kept),
// cookies split out, body with its media type, parameters and content codings.
import type { WafRequest } from './types.js';

export interface MediaType {
  /** Lower-cased `type/subtype`, '' when absent or unparsable. */
  type: string;
  /** Lower-cased parameter names; values unquoted. */
  params: Record<string, string>;
}

export interface NormalizedRequest {
  method: string;
  /** Raw request target as received. */
  url: string;
  /** Raw path (still percent-encoded), without query or fragment; '/' when the target has none. */
  path: string;
  /** Raw query string after the first '?', or null when there is none. */
  query: string | null;
  /** [UPPER-CASED NAME, value] in arrival order. */
  headers: Array<[string, string]>;
  /** Cookie pairs from every Cookie header, raw values. */
  cookies: Array<[string, string]>;
  body: Uint8Array | null;
  contentType: MediaType;
  /** Content-Encoding codings, lower-cased, in the order they were applied by the sender. */
  contentEncoding: string[];
}

/** Parse a Content-Type-like header: `multipart/form-data; boundary="x"` -> {type, params}. */
export function parseMediaType(value: string | undefined): MediaType {
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  if (!value) return { type: '', params };
  const semi = value.indexOf(';');
  const type = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  if (semi >= 0) {
    const re = /;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
    let m: RegExpExecArray | null;
    const rest = value.slice(semi);
    while ((m = re.exec(rest)) !== null) {
      const k = m[1]!.toLowerCase();
      if (!(k in params)) params[k] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '').trim();
    }
  }
  return { type, params };
}

/** Split a Cookie header into pairs (`a=1; b=2`); a pair without '=' is a name with an empty value. */
export function parseCookieHeader(value: string, out: Array<[string, string]>): void {
  let start = 0;
  const n = value.length;
  while (start < n) {
    let end = value.indexOf(';', start);
    if (end < 0) end = n;
    const pair = value.slice(start, end);
    const eq = pair.indexOf('=');
    const name = (eq < 0 ? pair : pair.slice(0, eq)).trim();
    let val = eq < 0 ? '' : pair.slice(eq + 1).trim();
    if (val.length >= 2 && val.charCodeAt(0) === 0x22 && val.charCodeAt(val.length - 1) === 0x22) val = val.slice(1, -1);
    if (name.length > 0 || val.length > 0) out.push([name, val]);
    start = end + 1;
  }
}

export function normalizeRequest(req: WafRequest): NormalizedRequest {
  const method = typeof req.method === 'string' ? req.method : String(req.method ?? '');
  let url = typeof req.url === 'string' ? req.url : String(req.url ?? '');
  // Absolute-form targets (proxies): keep path and query only.
  const abs = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(url);
  let target = abs ? url.slice(abs[0].length) : url;
  const hash = target.indexOf('#');
  if (hash >= 0) target = target.slice(0, hash);
  const q = target.indexOf('?');
  const path = (q < 0 ? target : target.slice(0, q)) || '/';
  const query = q < 0 ? null : target.slice(q + 1);
  if (abs && url.length === abs[0].length) url = abs[0] + '/';

  const headers: Array<[string, string]> = [];
  const cookies: Array<[string, string]> = [];
  let ctype: string | undefined, cenc: string | undefined;
  const src = Array.isArray(req.headers) ? req.headers : [];
  for (const h of src) {
    if (!Array.isArray(h) || h.length < 2) continue;
    const name = String(h[0]).trim().toUpperCase();
    const value = String(h[1]);
    headers.push([name, value]);
    if (name === 'COOKIE') parseCookieHeader(value, cookies);
    else if (name === 'CONTENT-TYPE') { if (ctype === undefined) ctype = value; }
    else if (name === 'CONTENT-ENCODING') cenc = cenc === undefined ? value : cenc + ',' + value;
  }
  const contentEncoding = cenc === undefined ? [] : cenc.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s.length > 0 && s !== 'identity');
  const body = req.body instanceof Uint8Array && req.body.length > 0 ? req.body : null;
  return { method, url, path, query, headers, cookies, body, contentType: parseMediaType(ctype), contentEncoding };
}
