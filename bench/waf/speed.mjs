// Speed mode: median / p99 / max microseconds per request for typical traffic, throughput over large
// bodies, and the worst case over adversarial inputs, with the heap growth each scenario causes.
import os from 'node:os';
import { gzipSync } from 'node:zlib';

const enc = (s) => Buffer.from(s, 'utf8');
const b64url = (s) => Buffer.from(s).toString('base64url');
const JWT = `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url('{"sub":"1234567890","name":"John Doe","iat":1516239022,"scope":["read","write"]}')}.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c`;
const BASE_HEADERS = [
  ['Host', 'api.example.com'],
  ['User-Agent', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36'],
  ['Accept', 'application/json, text/plain, */*'],
  ['Accept-Encoding', 'gzip, deflate, br'],
  ['Accept-Language', 'en-US,en;q=0.9'],
  ['Authorization', 'Bearer ' + JWT],
  ['Cookie', 'session=4f9c2e1a7b3d8e6f; theme=dark; _ga=GA1.2.1234567890.1700000000'],
  ['X-Request-Id', '7d3f9a2c-1b4e-4f6a-9c8d-2e5f7a1b3c4d'],
];

function rng(seed) { let a = seed >>> 0; return () => { a = (a * 1664525 + 1013904223) >>> 0; return a / 2 ** 32; }; }

function jsonDoc(bytes) {
  const r = rng(7);
  const items = [];
  let size = 2;
  for (let i = 0; size < bytes; i++) {
    const it = { id: 1000 + i, sku: `SKU-${Math.floor(r() * 1e6)}`, name: `Product number ${i} with a longer descriptive title`, price: Math.round(r() * 10000) / 100, tags: ['blue', 'cotton', 'summer'], stock: { warehouse: 'eu-west-1', qty: Math.floor(r() * 500) }, active: r() > 0.2 };
    items.push(it);
    size += JSON.stringify(it).length + 1;
  }
  return JSON.stringify({ order: { customer: 'jane.doe@example.com', note: 'Leave at the door, please.', items } });
}

function multipart(fileBytes) {
  const r = rng(11);
  const file = Buffer.alloc(fileBytes);
  for (let i = 0; i < fileBytes; i++) file[i] = Math.floor(r() * 256);
  file.write('\x89PNG\r\n\x1a\n', 0, 'latin1');
  const b = '----WebKitFormBoundary7MA4YWxkTrZu0gW';
  return {
    ct: `multipart/form-data; boundary=${b}`,
    body: Buffer.concat([
      enc(`--${b}\r\nContent-Disposition: form-data; name="title"\r\n\r\nHoliday photo\r\n--${b}\r\nContent-Disposition: form-data; name="file"; filename="beach.png"\r\nContent-Type: image/png\r\n\r\n`),
      file,
      enc(`\r\n--${b}--\r\n`),
    ]),
  };
}

function textMultipart(fileBytes) {
  const b = 'XbOuNdArY';
  const line = 'The quick brown fox jumps over the lazy dog, 1234567890 times; then rests.\n';
  return { ct: `multipart/form-data; boundary=${b}`, body: enc(`--${b}\r\nContent-Disposition: form-data; name="doc"; filename="notes.txt"\r\nContent-Type: text/plain\r\n\r\n${line.repeat(Math.ceil(fileBytes / line.length)).slice(0, fileBytes)}\r\n--${b}--\r\n`) };
}

const post = (ct, body, extra = []) => ({ method: 'POST', url: '/api/v1/orders', headers: [...BASE_HEADERS, ['Content-Type', ct], ...extra], body: typeof body === 'string' ? enc(body) : body });

function billionLaughs() {
  let dtd = '<!ENTITY lol "lol">';
  for (let i = 1; i <= 9; i++) dtd += `<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`;
  return `<?xml version="1.0"?><!DOCTYPE lolz [${dtd}]><lolz>&lol9;</lolz>`;
}

function nestedEncodings() {
  let v = "' UNION SELECT password FROM users --";
  for (let i = 0; i < 3; i++) v = encodeURIComponent(Buffer.from(v).toString('base64'));
  return JSON.stringify({ data: { payload: v, list: Array.from({ length: 50 }, (_, i) => encodeURIComponent(Buffer.from(`item ${i} <b>x</b>`).toString('base64'))) } });
}

export function scenarios() {
  const mp = multipart(100 * 1024);
  const mpText = textMultipart(100 * 1024);
  const json10k = jsonDoc(10 * 1024);
  const json1m = jsonDoc(1000 * 1024); // just under the default 1 MiB inspection limit
  const text1m = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit; sed do eiusmod tempor. '.repeat(13000).slice(0, 1024 * 1024);
  const form1m = Array.from({ length: 40000 }, (_, i) => `field${i}=value+number+${i}`).join('&').slice(0, 1024 * 1024);
  return {
    typical: [
      { name: 'API GET (8 headers, JWT, cookies, 3 params)', req: { method: 'GET', url: '/api/v1/users/12345/orders?limit=20&offset=40&sort=-created_at', headers: BASE_HEADERS } },
      { name: 'browser GET (GoTestWAF headers)', req: { method: 'GET', url: '/index.html?q=hello+world', headers: [['Host', 'example.com'], ['Sec-Ch-Ua', '"Chromium";v="122", "Not(A:Brand";v="24"'], ['Sec-Fetch-Mode', 'navigate'], ['Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'], ['User-Agent', BASE_HEADERS[1][1]], ['Accept-Language', 'en-US;q=0.8,en;q=0.7']] } },
      { name: 'POST JSON 10 KB', req: post('application/json', json10k) },
      { name: 'POST form 1 KB', req: post('application/x-www-form-urlencoded', Array.from({ length: 30 }, (_, i) => `k${i}=v${i}+text`).join('&')) },
      { name: 'POST multipart 100 KB (binary file)', req: post(mp.ct, mp.body) },
      { name: 'POST multipart 100 KB (text file)', req: post(mpText.ct, mpText.body) },
    ],
    throughput: [
      { name: 'JSON 1 MB', bytes: json1m.length, make: () => (post('application/json', json1m)) },
      { name: 'text/plain 1 MB', bytes: text1m.length, make: () => (post('text/plain', text1m)) },
      { name: 'form 1 MB (37k fields)', bytes: form1m.length, make: () => (post('application/x-www-form-urlencoded', form1m)) },
      { name: 'gzip JSON 1 MB', bytes: json1m.length, make: () => (post('application/json', gzipSync(json1m), [['Content-Encoding', 'gzip']])) },
    ],
    adversarial: [
      { name: 'deep JSON 10k levels', make: () => (post('application/json', '['.repeat(10000) + '"x"' + ']'.repeat(10000))) },
      { name: 'deep JSON 500k levels (unclosed)', make: () => (post('application/json', '{"a":'.repeat(200000))) },
      { name: '1 MB single-line JSON string', make: () => (post('application/json', JSON.stringify({ s: 'A'.repeat(1024 * 1024 - 10) }))) },
      { name: '1 MB single-line query value', make: () => ({ method: 'GET', url: '/?q=' + 'ab%20'.repeat(250000), headers: BASE_HEADERS }) },
      { name: '1 MB base64 value', make: () => (post('text/plain', Buffer.from('x'.repeat(768 * 1024)).toString('base64'))) },
      { name: 'base64-in-url-in-json x3 + 50 items', make: () => (post('application/json', nestedEncodings())) },
      { name: 'XML billion laughs', make: () => (post('application/xml', billionLaughs())) },
      { name: 'XML 50k nested tags', make: () => (post('application/xml', '<a>'.repeat(50000))) },
      { name: 'gzip bomb (100 MB of zeros)', make: () => (post('application/json', gzipSync(Buffer.alloc(100 * 1024 * 1024)), [['Content-Encoding', 'gzip']])) },
      { name: '100k query parameters', make: () => ({ method: 'GET', url: '/?' + 'a=1&'.repeat(100000), headers: BASE_HEADERS }) },
      { name: '1 MB of %25 (percent storm)', make: () => (post('application/x-www-form-urlencoded', 'a=' + '%25'.repeat(340000))) },
      { name: 'multipart 10k empty parts', make: () => (post('multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n\r\n'.repeat(10000) + '--b--')) },
      { name: '1 MB random bytes, no type', make: () => ({ method: 'POST', url: '/', headers: [], body: (() => { const r = rng(3); const b = Buffer.alloc(1024 * 1024); for (let i = 0; i < b.length; i++) b[i] = Math.floor(r() * 256); return b; })() }) },
    ],
  };
}

function stats(us) {
  const s = us.slice().sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: q(0.5), p99: q(0.99), max: s[s.length - 1] };
}

function measure(engine, make, { minRuns = 20, maxRuns = 2000, maxMs = 800, warm = 3 } = {}) {
  const req = typeof make === 'function' ? make() : make;
  for (let i = 0; i < warm; i++) engine.analyze(req); // warm-up (JIT, caches)
  globalThis.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  let peak = heap0;
  const us = [];
  let last = null;
  const t0 = performance.now();
  while (us.length < maxRuns && (us.length < minRuns || performance.now() - t0 < maxMs)) {
    const a = performance.now();
    last = engine.analyze(req);
    us.push((performance.now() - a) * 1000);
    if ((us.length & 15) === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
  }
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  return { ...stats(us), runs: us.length, last, heapMB: (peak - heap0) / 1048576 };
}

const n = (x, w = 9) => (x >= 100 ? Math.round(x).toString() : x.toFixed(1)).padStart(w);

export function speed(WafEngine, engineOptions, { quick = false } = {}) {
  const engine = new WafEngine(engineOptions);
  const sc = scenarios();
  const budget = engine.timeBudgetMs * 1000;
  const opts = quick ? { minRuns: 5, maxRuns: 200, maxMs: 200 } : {};
  console.log(`detectors: ${engine.detectors.length} (${[...new Set(engine.detectors.map((d) => d.type))].join(', ') || 'none'}); time budget ${engine.timeBudgetMs} ms`);
  // the machine may be shared: timings are only comparable at a similar load
  const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`load average at start: ${load()} (${os.cpus().length} CPUs)`);
  const summary = {};
  const head = 'scenario'.padEnd(44) + 'median µs'.padStart(10) + 'p99 µs'.padStart(10) + 'max µs'.padStart(10) + '  runs  heapΔMB  hits / flags';
  const row = (name, m, extra = '') => {
    const flags = [m.last.overlimit ? 'OVERLIMIT' : '', m.last.truncated ? 'truncated' : ''].filter(Boolean).join(',');
    const hits = [...new Set(m.last.hits.map((h) => h.type))].join(',');
    console.log(name.padEnd(44) + n(m.median, 10) + n(m.p99, 10) + n(m.max, 10) + String(m.runs).padStart(6) + n(m.heapMB, 9) + '  ' + [hits, flags, extra].filter(Boolean).join(' '));
  };
  console.log('\nTypical requests (goal: API GET < 50 µs)');
  console.log(head);
  for (const s of sc.typical) {
    // small requests: a long warm-up (the optimising JIT needs thousands of calls), then the median of
    // three measured rounds, so one noisy round (another process, a GC) does not decide the figure
    const rounds = [];
    for (let i = 0; i < (quick ? 1 : 3); i++) rounds.push(measure(engine, s.req, { ...opts, warm: i === 0 && !quick ? 3000 : 200 }));
    rounds.sort((a, b) => a.median - b.median);
    const m = rounds[Math.floor(rounds.length / 2)];
    row(s.name, m, rounds.length > 1 ? `rounds ${rounds.map((r) => n(r.median, 0)).join('/')}` : '');
    summary[s.name] = m.median;
  }
  console.log('\nThroughput over large bodies');
  console.log(head);
  let bytes = 0, us = 0;
  const rates = [];
  for (const s of sc.throughput) {
    const m = measure(engine, s.make, { minRuns: 5, maxRuns: quick ? 5 : 30, maxMs: 1500 });
    const rate = s.bytes / 1048576 / (m.median / 1e6);
    row(s.name, m, `${rate.toFixed(1)} MB/s`);
    rates.push(`${s.name} ${rate.toFixed(0)}`);
    bytes += s.bytes;
    us += m.median;
  }
  console.log(`\nAdversarial inputs (goal: max under the ${engine.timeBudgetMs} ms budget + one detector window)`);
  console.log(head);
  let worst = { max: 0 };
  for (const s of sc.adversarial) {
    const m = measure(engine, s.make, { minRuns: 3, maxRuns: quick ? 3 : 10, maxMs: 1500 });
    row(s.name, m);
    if (m.max > worst.max) worst = { ...m, name: s.name };
  }
  const pick = (re) => Object.entries(summary).filter(([k]) => re.test(k)).map(([k, v]) => `${k} ${Math.round(v)}`).join(', ');
  const mem = process.memoryUsage();
  console.log('\nSummary (medians)');
  console.log(`  typical API GET:       ${pick(/^API GET/)} µs (goal < 50)`);
  console.log(`  10 KB JSON POST:       ${pick(/JSON 10 KB/)} µs`);
  console.log(`  100 KB multipart:      ${pick(/multipart 100 KB/)} µs`);
  console.log(`  bodies:                ${(bytes / 1048576 / (us / 1e6)).toFixed(1)} MB/s overall (${rates.join(', ')} MB/s)`);
  console.log(`  worst adversarial:     ${worst.name} ${Math.round(worst.max)} µs (${worst.max > budget * 1.5 ? 'OVER' : 'within'} budget ${budget} µs)`);
  console.log(`  memory:                peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB, heap ${(mem.heapUsed / 1048576).toFixed(0)} MB used / ${(mem.heapTotal / 1048576).toFixed(0)} MB total`);
  console.log(`  load average at end:   ${load()}`);
}
