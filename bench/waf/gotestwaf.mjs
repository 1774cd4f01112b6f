// Rebuild GoTestWAF requests (payload x encoder x placeholder) as WafRequest objects, following the
// rules of gotestwaf internal/payload/{encoder,placeholder} and what Go's net/url + net/http put on the
// wire (path escaping, request-target normalisation, rejected header values). Requests Go would refuse
// to send throw, and are counted as "failed" like GoTestWAF does.

const HEX = '0123456789ABCDEF';
const isAlnum = (c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

// net/url shouldEscape for the three modes used here.
function shouldEscape(c, mode) {
  if (isAlnum(c) || c === 0x2d || c === 0x5f || c === 0x2e || c === 0x7e) return false;
  if ('$&+,/:;=?@'.includes(String.fromCharCode(c))) {
    if (mode === 'path') return c === 0x3f;
    if (mode === 'segment') return c === 0x2f || c === 0x3b || c === 0x2c || c === 0x3f;
    return true; // query component
  }
  return true;
}
function escapeBytes(bytes, mode) {
  let out = '';
  for (const b of bytes) {
    if (mode === 'query' && b === 0x20) out += '+';
    else if (shouldEscape(b, mode)) out += '%' + HEX[b >> 4] + HEX[b & 15];
    else out += String.fromCharCode(b);
  }
  return out;
}
export const pathEscape = (s) => escapeBytes(Buffer.from(s, 'utf8'), 'segment');
export const queryEscape = (s) => escapeBytes(Buffer.from(s, 'utf8'), 'query');

function unescapeStrict(s) {
  const src = Buffer.from(s, 'utf8');
  const out = [];
  for (let i = 0; i < src.length; i++) {
    if (src[i] !== 0x25) { out.push(src[i]); continue; }
    const h = src.subarray(i + 1, i + 3).toString('latin1');
    if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new Error('invalid URL escape');
    out.push(parseInt(h, 16));
    i += 2;
  }
  return Buffer.from(out);
}

// What Go's client sends as the request target for a URL string (url.Parse + URL.RequestURI).
export function requestTarget(rawURL) {
  if (/[\x00-\x1f\x7f]/.test(rawURL)) throw new Error('invalid control character in URL');
  let rest = rawURL.split('#')[0];
  const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?]*(.*)$/s.exec(rest);
  if (!m) throw new Error('unsupported URL');
  rest = m[1];
  let query = null;
  const q = rest.indexOf('?');
  if (q >= 0) { query = rest.slice(q + 1); rest = rest.slice(0, q); }
  const bytes = unescapeStrict(rest);
  // Go keeps the sender's escaping when it is a valid encoding of the same bytes, else re-escapes.
  const valid = [...Buffer.from(rest, 'utf8')].every((c) => "!$&'()*+,;=:@[]%".includes(String.fromCharCode(c)) || !shouldEscape(c, 'path'));
  let p = valid && unescapeStrict(rest).equals(bytes) ? rest : escapeBytes(bytes, 'path');
  if (!p) p = '/';
  return query === null || (query === '' && !rawURL.includes('?')) ? p : p + '?' + query;
}

const xmlEscape = (s) => {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (ch === '"') out += '&#34;';
    else if (ch === "'") out += '&#39;';
    else if (ch === '&') out += '&amp;';
    else if (ch === '<') out += '&lt;';
    else if (ch === '>') out += '&gt;';
    else if (ch === '\t') out += '&#x9;';
    else if (ch === '\n') out += '&#xA;';
    else if (ch === '\r') out += '&#xD;';
    else if (c === 0x09 || c === 0x0a || c === 0x0d || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || c >= 0x10000) out += ch;
    else out += '\uFFFD';
  }
  return out;
};

export const encoders = {
  Plain: (s) => s,
  URL: (s) => pathEscape(s),
  Base64: (s) => Buffer.from(s, 'utf8').toString('base64'),
  Base64Flat: (s) => Buffer.from(s, 'utf8').toString('base64').replace(/=/g, ''),
  JSUnicode: (s) => { let o = ''; for (let i = 0; i < s.length; i++) o += '\\u' + s.charCodeAt(i).toString(16).padStart(4, '0'); return o; },
  XMLEntity: (s) => `<string>${xmlEscape(s)}</string>`,
};

// Headers GoTestWAF sends with every request (its default config).
export const BROWSER_HEADERS = [
  ['Pragma', 'no-cache'], ['Cache-Control', 'no-cache'],
  ['Sec-Ch-Ua', '"Chromium";v="122", "Not(A:Brand";v="24", "Google Chrome";v="122"'],
  ['Sec-Ch-Ua-Mobile', '?0'], ['Sec-Ch-Ua-Platform', '"Windows"'], ['Upgrade-Insecure-Requests', '1'],
  ['User-Agent', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36'],
  ['Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7'],
  ['Sec-Fetch-Site', 'none'], ['Sec-Fetch-Mode', 'navigate'], ['Sec-Fetch-User', '?1'], ['Sec-Fetch-Dest', 'document'],
  ['Accept-Encoding', 'gzip, deflate, br, zstd'], ['Accept-Language', 'en-US;q=0.8,en;q=0.7'], ['Connection', 'close'],
];

export function prng(seed) {
  let a = seed >>> 0;
  return () => { a = (a + 0x6d2b79f5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) & 0xff; };
}
const randHex = (rb, n) => Array.from({ length: n }, () => rb().toString(16).padStart(2, '0')).join('');

const soap = (tag, v) => `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
\txmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
\t<soapenv:Header>
\t\t<ns1:RequestHeader soapenv:actor="http://schemas.xmlsoap.org/soap/actor/next"
\t\t\tsoapenv:mustUnderstand="0" xmlns:ns1="https://www.google.com/apis/ads/publisher/v202002">
\t\t</ns1:RequestHeader>
\t</soapenv:Header>
\t<soapenv:Body>
\t\t<getAdUnitsByStatement xmlns="https://www.google.com/apis/ads/publisher/v202002">
\t\t\t<filterStatement>
\t\t\t\t<${tag}>${v}</${tag}>
\t\t\t</filterStatement>
\t\t</getAdUnitsByStatement>
\t</soapenv:Body>
</soapenv:Envelope>`;

function grpcFrame(payload) {
  const s = Buffer.from(payload, 'utf8');
  const len = [];
  let n = s.length;
  do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; len.push(b); } while (n);
  const msg = Buffer.concat([Buffer.from([0x0a, ...len]), s]);
  const h = Buffer.alloc(5);
  h.writeUInt32BE(msg.length, 1);
  return Buffer.concat([h, msg]);
}

class Headers {
  constructor() { this.list = []; }
  canon(k) { return /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(k) ? k.toLowerCase().replace(/(^|-)([a-z])/g, (_, p, c) => p + c.toUpperCase()) : k; }
  add(k, v) { this.list.push([this.canon(k), v]); }
  set(k, v) { const c = this.canon(k); this.list = this.list.filter(([n]) => n !== c); this.list.push([c, v]); }
  has(k) { const c = this.canon(k); return this.list.some(([n]) => n === c); }
}

/**
 * Build one request. base: 'http://host:port/path'; ph: {name, conf}; encoded: the encoded payload.
 * Returns a WafRequest ({method, url, headers, body}).
 */
export function buildRequest(base, ph, encoded, rb, { graphqlURL = base.replace(/\/*$/, '') + '/graphql' } = {}) {
  const h = new Headers();
  let method = 'GET', url = base.split('#')[0], body = null;
  const trimmed = url.replace(/\/+$/, '');
  switch (ph.name) {
    case 'URLPath': url = trimmed + '/' + encoded; break;
    case 'URLParam': url = (url.includes('?') ? url + '&' : trimmed + '/?') + randHex(rb, 5) + '=' + encoded; break;
    case 'Header': h.add('X-' + randHex(rb, 5), encoded); break;
    case 'UserAgent': h.set('User-Agent', encoded); break;
    case 'HTMLForm': method = 'POST'; body = randHex(rb, 5) + '=' + encoded; h.add('Content-Type', 'application/x-www-form-urlencoded'); break;
    case 'HTMLMultipartForm': {
      const name = randHex(rb, 5), b = randHex(rb, 30);
      method = 'POST';
      body = `--${b}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${encoded}\r\n--${b}--\r\n`;
      h.add('Content-Type', `multipart/form-data; boundary=${b}`);
      break;
    }
    case 'JSONBody': method = 'POST'; body = encoded; h.add('Content-Type', 'application/json'); break;
    case 'JSONRequest': method = 'POST'; body = `{"test": true, "${randHex(rb, 5)}": "${encoders.JSUnicode(encoded)}"}`; h.add('Content-Type', 'application/json'); break;
    case 'XMLBody': method = 'POST'; body = encoded; h.add('Content-Type', 'application/xml'); break;
    case 'SOAPBody':
      method = 'POST'; body = soap('ab' + randHex(rb, 5), encoders.XMLEntity(encoded));
      h.add('SOAPAction', '"http://schemas.xmlsoap.org/soap/actor/next"'); h.add('Content-Type', 'text/xml');
      break;
    case 'RequestBody': method = 'POST'; body = encoded; break;
    case 'RawRequest': {
      const c = ph.conf || {};
      const p = c.path || '/';
      method = c.method || 'GET';
      url = (url.endsWith('/') ? url : url + '/') + (p.startsWith('/') ? p.slice(1) : p);
      url = url.replaceAll('{{payload}}', pathEscape(encoded));
      const b = String(c.body || '').replaceAll('{{payload}}', encoded);
      body = b.length ? b : null;
      for (const [k, v] of Object.entries(c.headers || {})) h.add(k, String(v).replaceAll('{{payload}}', encoded));
      break;
    }
    case 'GraphQL': {
      url = graphqlURL;
      if ((ph.conf || {}).method === 'GET') url += (url.includes('?') ? '&' : '?') + 'query=' + queryEscape(encoded);
      else { method = 'POST'; body = encoded; }
      break;
    }
    case 'gRPC': {
      // GoTestWAF calls a gRPC service with the payload in a string field; as an HTTP/2 request that is
      // a POST of one length-prefixed protobuf frame.
      method = 'POST';
      url = trimmed + '/grpc.testing.TestService/UnaryCall';
      h.add('Content-Type', 'application/grpc');
      h.add('Te', 'trailers');
      body = grpcFrame(encoded);
      break;
    }
    default: throw new Error('unknown placeholder ' + ph.name);
  }
  for (const [k, v] of BROWSER_HEADERS) {
    if (k === 'User-Agent' && ph.name === 'UserAgent') continue;
    if (!h.has(k)) h.set(k, v);
  }
  // Go's Transport refuses header values with control characters; it trims surrounding whitespace.
  for (const [k, v] of h.list) if (/[\x00-\x08\x0a-\x1f\x7f]/.test(v)) throw new Error(`invalid header value for ${k}`);
  const target = requestTarget(url);
  const host = /^[a-z]+:\/\/([^/?#]*)/i.exec(base)?.[1] ?? 'localhost';
  const headers = [['Host', host], ...h.list.map(([k, v]) => [k, v.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '')])];
  const bytes = body === null ? null : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  if (bytes && bytes.length) headers.push(['Content-Length', String(bytes.length)]);
  return { method, url: target, headers, body: bytes && bytes.length ? bytes : null };
}
