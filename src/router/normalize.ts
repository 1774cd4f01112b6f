// Request-path normalisation and re-escaping, ported from Kong's `kong/tools/uri.lua`
// (`normalize(uri, true)` and `escape`). Paths are byte strings: one char per byte.

// RFC 3986 reserved characters plus `%` and `#`: their escapes keep their meaning, so they stay
// encoded (hex upper-cased); every other `%XX` is decoded.
const RESERVED = "!*'();:@&=+$,/?%#[]";
const KEEP_ENCODED = new Uint8Array(256);
for (let i = 0; i < RESERVED.length; i++) KEEP_ENCODED[RESERVED.charCodeAt(i)] = 1;

const PERCENT_TRIPLET = /%([0-9A-Fa-f]{2})/g;
const DOUBLE_SLASH = '//';

function decodeTriplet(m: string, hex: string): string {
  const n = parseInt(hex, 16);
  return KEEP_ENCODED[n] === 1 ? m.toUpperCase() : String.fromCharCode(n);
}

/**
 * Kong's request-path normalisation: decode every `%XX` except reserved characters (those are
 * upper-cased, so `%2f` becomes `%2F` and still means a literal slash inside a segment), then
 * remove `.` and `..` segments (decoding first, so `/%2e%2e/` counts as `/../`) and merge
 * repeated slashes. Returns the input itself when nothing changes (no allocation).
 */
export function normalizePath(raw: string): string {
  if (raw === '' || raw === '/') return raw;
  let uri = raw;
  if (uri.indexOf('%') !== -1) uri = uri.replace(PERCENT_TRIPLET, decodeTriplet);
  if (uri.indexOf('.') === -1 && uri.indexOf(DOUBLE_SLASH) === -1) return uri;
  return removeDotSegments(uri);
}

const DOT = 46;
const SLASH = 47;

// Kong's loop, segment by segment; each kept segment carries its leading slash.
function removeDotSegments(input: string): string {
  const out: string[] = [];
  let n = 0;
  let uri = input;
  while (uri.length > 0) {
    const c1 = uri.charCodeAt(0);
    const c2 = uri.length > 1 ? uri.charCodeAt(1) : -1;
    const c3 = uri.length > 2 ? uri.charCodeAt(2) : -1;
    const c4 = uri.length > 3 ? uri.charCodeAt(3) : -1;
    if (uri === '/.') {
      uri = '/';
    } else if (uri === '/..') {
      uri = '/';
      if (n > 0) n--;
    } else if (uri === '.' || uri === '..') {
      uri = '';
    } else if (c1 === DOT && c2 === DOT && c3 === SLASH) {
      uri = uri.slice(3);
    } else if (c1 === DOT && c2 === SLASH) {
      uri = uri.slice(2);
    } else if (c1 === SLASH && c2 === DOT && c3 === SLASH) {
      uri = uri.slice(2);
    } else if (c1 === SLASH && c2 === DOT && c3 === DOT && c4 === SLASH) {
      uri = uri.slice(3);
      if (n > 0) n--;
    } else if (c1 === SLASH && c2 === SLASH) {
      uri = uri.slice(1);
    } else {
      const i = uri.indexOf('/', 1);
      if (i !== -1) {
        out[n++] = uri.slice(0, i);
        uri = uri.slice(i);
      } else {
        out[n++] = uri;
        uri = '';
      }
    }
  }
  if (n === 0) return '';
  if (n === 1) return out[0]!;
  out.length = n;
  return out.join('');
}

// Kong's ESCAPE_PATTERN `[^!#$&'()*+,/:;=?@[\]A-Z\d-_.~%]` (case-insensitive): everything else is
// escaped on the way out. `%` is kept, so escapes left by normalizePath pass through unchanged.
const SAFE = new Uint8Array(128);
for (const ch of "!#$&'()*+,/:;=?@[]-_.~%") SAFE[ch.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) SAFE[c] = 1;
for (let c = 65; c <= 90; c++) SAFE[c] = SAFE[c + 32] = 1;
const HEX = '0123456789ABCDEF';

function escapeFrom(path: string, start: number): string {
  let out = path.slice(0, start);
  for (let i = start; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c < 128 && SAFE[c] === 1) {
      out += path[i];
    } else if (c < 256) {
      out += '%' + HEX[c >> 4] + HEX[c & 15];
    } else {
      // Not a byte string after all: escape the UTF-8 encoding of the code point.
      const cp = path.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      for (const b of Buffer.from(ch, 'utf8')) out += '%' + HEX[b >> 4] + HEX[b & 15];
      i += ch.length - 1;
    }
  }
  return out;
}

/** Kong's `uri.escape`: make a normalised path safe for the request line, keeping its meaning. */
export function escapeUpstreamPath(path: string): string {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c >= 128 || SAFE[c] !== 1) return escapeFrom(path, i);
  }
  return path;
}
