// Parse throughput of the strict HTTP/1.1 head parser (src/proxy/http1) vs Node's internal llhttp binding.
// Usage: node bench/http1-parser.mjs [--iterations N]
// Uses dist/proxy/http1 when it is newer than the sources (npm run build), else compiles src/proxy/http1 alone
// into a temp dir with the project's tsc.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const srcDir = join(root, 'src/proxy/http1');
const sources = readdirSync(srcDir).filter((f) => f.endsWith('.ts'));

function loadModule() {
  const distIndex = join(root, 'dist/proxy/http1/index.js');
  const newestSrc = Math.max(...sources.map((f) => statSync(join(srcDir, f)).mtimeMs));
  if (existsSync(distIndex) && statSync(distIndex).mtimeMs >= newestSrc) return distIndex;
  const out = mkdtempSync(join(tmpdir(), 'portcullis-http1-bench-'));
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, ...sources.map((f) => join(srcDir, f)), '--outDir', out,
    '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2023', '--strict',
    '--types', 'node', '--skipLibCheck', '--typeRoots', join(root, 'node_modules/@types')], { stdio: 'inherit' });
  return join(out, 'index.js');
}

const modPath = loadModule();
const http1 = await import(pathToFileURL(modPath).href);
const argIter = process.argv.indexOf('--iterations');
const N = argIter > 0 ? Number(process.argv[argIter + 1]) : 300_000;

const requestHead = Buffer.from(
  'GET /api/v1/users/12345/orders?include=items&limit=20 HTTP/1.1\r\n' +
    'Host: api.example.com\r\n' +
    'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\n' +
    'Accept: application/json, text/plain, */*\r\n' +
    'Accept-Encoding: gzip, deflate, br\r\n' +
    'Accept-Language: en-US,en;q=0.9\r\n' +
    'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.sig\r\n' +
    'X-Request-Id: 7f1c2e9a-5b1d-4c3e-9f0a-1b2c3d4e5f60\r\n' +
    'Connection: keep-alive\r\n\r\n',
  'latin1',
);
const responseHead = Buffer.from(
  'HTTP/1.1 200 OK\r\nDate: Mon, 01 Dec 2026 10:00:00 GMT\r\nContent-Type: application/json; charset=utf-8\r\n' +
    'Content-Length: 1234\r\nConnection: keep-alive\r\nCache-Control: no-cache\r\nX-Upstream: a\r\n\r\n',
  'latin1',
);

function time(label, bytes, fn) {
  for (let i = 0; i < 20_000; i++) fn(); // warm-up
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) fn();
    const ns = Number(process.hrtime.bigint() - t0) / N;
    if (ns < best) best = ns;
  }
  console.log(`${label.padEnd(44)} ${best.toFixed(0).padStart(6)} ns/head  (${bytes} bytes)`);
  return best;
}

let sink = 0;
const reqParser = new http1.RequestHeadParser();
const ours = time('portcullis RequestHeadParser', requestHead.length, () => {
  const h = reqParser.execute(requestHead, 0);
  sink += h.headers.length;
});
const resParser = new http1.ResponseHeadParser();
time('portcullis ResponseHeadParser', responseHead.length, () => {
  const h = resParser.execute(responseHead, 0, false);
  sink += h.headers.length;
});

let llhttp = null;
try {
  const { HTTPParser } = require('_http_common');
  const makeParser = (type) => {
    const p = new HTTPParser();
    p.initialize(type, {}, 0, 0);
    p[HTTPParser.kOnHeaders] = () => {};
    p[HTTPParser.kOnHeadersComplete] = (_a, _b, headers) => {
      sink += headers ? headers.length : 0;
      return 0;
    };
    p[HTTPParser.kOnBody] = () => {};
    p[HTTPParser.kOnMessageComplete] = () => {};
    return p;
  };
  const lreq = makeParser(HTTPParser.REQUEST);
  llhttp = time('llhttp (node _http_common HTTPParser) request', requestHead.length, () => {
    lreq.execute(requestHead);
  });
  const lres = makeParser(HTTPParser.RESPONSE);
  // A 0-length body lets the same buffer be fed as a sequence of keep-alive responses.
  const res0 = Buffer.from(responseHead.toString('latin1').replace('Content-Length: 1234', 'Content-Length: 0000'), 'latin1');
  time('llhttp (node _http_common HTTPParser) response', res0.length, () => {
    lres.execute(res0);
  });
} catch (err) {
  console.log('llhttp binding unavailable:', err.message);
}

// Chunked validation throughput: 64 KB body in 4 KB chunks, fed as 64 KB buffers.
const chunk = Buffer.alloc(4096, 0x61);
const parts = [];
for (let i = 0; i < 16; i++) parts.push(Buffer.from('1000\r\n'), chunk, Buffer.from('\r\n'));
parts.push(Buffer.from('0\r\n\r\n'));
const body = Buffer.concat(parts);
const cp = new http1.ChunkedBodyParser('request');
time('portcullis ChunkedBodyParser (64 KB body)', body.length, () => {
  cp.reset();
  sink += cp.execute(body, 0, body.length);
});

if (llhttp !== null) console.log(`ratio llhttp/ours (request head): ${(llhttp / ours).toFixed(2)}x`);
if (sink === 42) console.log('');
