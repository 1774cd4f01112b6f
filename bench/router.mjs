// Router match cost with 10 routes vs 5,000 routes (realistic mix: exact and wildcard hosts, prefix
// paths, regex paths, methods, headers). Requirement: 5,000-route cost within 2x the 10-route cost.
//
//   npm run build && node bench/router.mjs
//   ROUTER_DIST=/tmp/rdist/router node bench/router.mjs      (a tsc build of src/router elsewhere)

import { pathToFileURL } from 'node:url';
import path from 'node:path';

const dist = process.env.ROUTER_DIST ?? path.join(import.meta.dirname, '..', 'dist', 'router');
const { buildRouter } = await import(pathToFileURL(path.join(dist, 'index.js')).href);

const hex = (n) => n.toString(16).padStart(12, '0');
let seq = 0;
function route(f) {
  seq++;
  return {
    id: `00000000-0000-4000-8000-${hex(seq)}`, created_at: 0, updated_at: 0, tags: null, name: null,
    protocols: ['http', 'https'], methods: null, hosts: null, paths: null, headers: null,
    https_redirect_status_code: 426, regex_priority: 0, strip_path: true, path_handling: 'v0',
    preserve_host: false, request_buffering: true, response_buffering: true, snis: null,
    sources: null, destinations: null, service: { id: 'svc' }, ...f,
  };
}
const services = [{ id: 'svc', name: 's', protocol: 'http', host: 'up.test', port: 80, path: '/base', enabled: true }];

// The same mix for every set size: of every 10 routes, 5 exact-host prefix routes (some with
// methods), 1 wildcard-host, 1 host-less prefix, 2 regex (one host-scoped, one global) and 1
// header-routed. Returns route i and a request that hits it.
const MIX = ['exact', 'exact', 'exact', 'exact', 'exact', 'wildcard', 'nohost', 'regex-host', 'regex', 'header'];

function makeCase(i, k = 0) {
  const kind = MIX[i % MIX.length];
  switch (kind) {
    case 'exact': {
      const r = route({ hosts: [`svc${i}.example.com`], paths: [`/api/v${i % 3}/items`, `/api/v${i % 3}/things`], methods: i % 2 ? ['GET', 'POST'] : null });
      return [r, { method: 'GET', host: `svc${i}.example.com`, path: `/api/v${i % 3}/items/${k}/detail`, port: 8000 }];
    }
    case 'wildcard': {
      const r = route({ hosts: [`*.tenant${i}.example.com`], paths: ['/app'] });
      return [r, { method: 'GET', host: `eu.tenant${i}.example.com:8000`, path: `/app/dashboard/${k}`, port: 8000 }];
    }
    case 'nohost': {
      const r = route({ paths: [`/svc${i}/v1`] });
      return [r, { method: 'POST', host: 'gateway.example.com', path: `/svc${i}/v1/orders/${k}`, port: 8000 }];
    }
    case 'regex-host':
    case 'regex': {
      const r = route({ hosts: kind === 'regex-host' ? [`svc${i}.example.com`] : null, paths: [`~/r${i}/users/(?<id>\\d+)/posts/(\\d+)$`], regex_priority: i % 5 });
      return [r, { method: 'GET', host: `svc${i}.example.com`, path: `/r${i}/users/${k}/posts/7`, port: 8000 }];
    }
    default: {
      const v = `v${i % 4}`;
      const r = route({ hosts: [`svc${i}.example.com`], paths: ['/api'], headers: { 'x-version': [v] } });
      const headers = (name) => (name === 'x-version' ? v : undefined);
      return [r, { method: 'GET', host: `svc${i}.example.com`, path: `/api/x/${k}`, headers, port: 8000 }];
    }
  }
}

// Every set is measured with the same number of distinct request objects (1024, spread over its
// routes, each with its own strings), so that request data is equally cold in both runs and only the
// router's own data differs.
function makeSet(n) {
  const routes = [];
  for (let i = 0; i < n; i++) routes.push(makeCase(i)[0]);
  routes.push(route({ paths: ['/'], hosts: ['fallback.example.com'] }));
  const reqs = [];
  for (let k = 0; k < 1024; k++) {
    if (k % 100 === 99) {
      // a few requests that match nothing
      reqs.push({ method: 'GET', host: `unknown${k}.example.org`, path: `/nothing/here/${k}`, port: 8000 });
      continue;
    }
    const req = makeCase((k * 7919) % n, k)[1];
    // fresh strings, as a parser would produce them
    req.host = (' ' + req.host).slice(1);
    reqs.push(req);
  }
  return { routes, reqs };
}

function measure(router, reqs, iterations) {
  let hits = 0;
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < iterations; k++) {
    for (let i = 0; i < reqs.length; i++) if (router.match(reqs[i]) !== null) hits++;
  }
  const ns = Number(process.hrtime.bigint() - t0) / (iterations * reqs.length);
  return { ns, hits };
}

function setup(n, strategy) {
  const { routes, reqs } = makeSet(n);
  const t0 = process.hrtime.bigint();
  const router = buildRouter(routes, services, { strategy });
  const buildMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return { router, reqs, buildMs };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

// Paired rounds (the host is shared and noisy): each round measures both sizes back to back.
const small = setup(10, 'indexed');
const large = setup(5000, 'indexed');
const linear = setup(5000, 'linear');
for (const s of [small, large]) measure(s.router, s.reqs, 50); // warm-up
// The 5,000-route index queried with the 10-route set's request mix (routes 0..9 exist in both):
// same working set, so the difference is the algorithm alone, not cache residency.
const hotReqs = small.reqs.map((r) => ({ ...r, host: r.host === undefined ? undefined : (' ' + r.host).slice(1) }));
measure(large.router, hotReqs, 50);
const ROUNDS = 9;
const ns10 = [];
const ns5000 = [];
const nsHot = [];
const ratios = [];
const hotRatios = [];
let hit10 = 0;
let hit5000 = 0;
for (let r = 0; r < ROUNDS; r++) {
  const a = measure(small.router, small.reqs, 100);
  const b = measure(large.router, large.reqs, 100);
  const c = measure(large.router, hotReqs, 100);
  ns10.push(a.ns);
  ns5000.push(b.ns);
  nsHot.push(c.ns);
  ratios.push(b.ns / a.ns);
  hotRatios.push(c.ns / a.ns);
  hit10 = a.hits / (100 * small.reqs.length);
  hit5000 = b.hits / (100 * large.reqs.length);
}
const lin = measure(linear.router, linear.reqs, 2);
const line = (label, s, ns, hit) =>
  console.log(`${label.padEnd(22)} routes=${String(s.router.routeCount).padStart(5)}  build=${s.buildMs.toFixed(1).padStart(6)} ms  ${ns.toFixed(0).padStart(6)} ns/match  hit-rate=${(hit * 100).toFixed(0)}%`);
line('indexed, 10 routes', small, median(ns10), hit10);
line('indexed, 5000 routes', large, median(ns5000), hit5000);
console.log(`${'indexed, 5000, 10-mix'.padEnd(22)} (the 10-route request mix against the 5000-route index)        ${median(nsHot).toFixed(0).padStart(6)} ns/match`);
line('linear, 5000 routes', linear, lin.ns, lin.hits / (2 * linear.reqs.length));
const ratio = median(ratios);
console.log(`ratio 5000/10, requests spread over all routes (median of ${ROUNDS} paired rounds): ${ratio.toFixed(2)}x  (requirement <= 2x: ${ratio <= 2 ? 'ok' : 'FAIL'})`);
console.log(`ratio 5000/10, same request mix (algorithm only, cache-resident):        ${median(hotRatios).toFixed(2)}x`);
console.log(`linear/indexed at 5000: ${(lin.ns / median(ns5000)).toFixed(0)}x`);
process.exitCode = ratio <= 2 ? 0 : 1;
