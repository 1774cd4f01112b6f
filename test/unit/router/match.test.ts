import { describe, expect, it } from 'vitest';
import { buildRouter, type MatchRequest, type Router } from '../../../src/router/index.js';
import type { Route } from '../../../src/store/types.js';
import { headers, route, service } from './helpers.js';

function req(fields: Partial<MatchRequest> = {}): MatchRequest {
  return { method: 'GET', host: 'example.test', path: '/', ...fields };
}

// Every rule is checked against both strategies: they must agree.
const STRATEGIES = ['indexed', 'linear'] as const;

function build(routes: Route[], strategy: (typeof STRATEGIES)[number]): Router {
  return buildRouter(routes, [], { strategy });
}

describe.each(STRATEGIES)('router (%s)', (strategy) => {
  const winner = (routes: Route[], r: Partial<MatchRequest>) => build(routes, strategy).match(req(r))?.route ?? null;

  describe('attributes (§4.1)', () => {
    it('no match returns null', () => {
      expect(winner([route({ paths: ['/a'] })], { path: '/b' })).toBeNull();
      expect(winner([], { path: '/b' })).toBeNull();
    });

    it('methods are exact and case-sensitive', () => {
      const r = route({ methods: ['GET', 'POST'] });
      expect(winner([r], { method: 'POST' })).toBe(r);
      expect(winner([r], { method: 'get' })).toBeNull();
      expect(winner([r], { method: 'PUT' })).toBeNull();
    });

    it('hosts: exact, case-insensitive, port in the Host header ignored for port-less entries', () => {
      const r = route({ hosts: ['a.test'] });
      expect(winner([r], { host: 'a.test' })).toBe(r);
      expect(winner([r], { host: 'A.Test:8000' })).toBe(r);
      expect(winner([r], { host: 'b.a.test' })).toBeNull();
      expect(winner([r], { host: undefined })).toBeNull();
    });

    it('hosts: *.suffix wildcard matches any depth but not the bare suffix', () => {
      const r = route({ hosts: ['*.a.test'] });
      expect(winner([r], { host: 'x.a.test' })).toBe(r);
      expect(winner([r], { host: 'y.x.a.test' })).toBe(r);
      expect(winner([r], { host: 'a.test' })).toBeNull();
      expect(winner([r], { host: 'xa.test' })).toBeNull();
    });

    it('hosts: prefix.* wildcard', () => {
      const r = route({ hosts: ['api.*'] });
      expect(winner([r], { host: 'api.a.test' })).toBe(r);
      expect(winner([r], { host: 'api.b' })).toBe(r);
      expect(winner([r], { host: 'apix.b' })).toBeNull();
    });

    it('hosts with :port require that destination port (Host port, else the listening port)', () => {
      const r = route({ hosts: ['a.test:8000'] });
      expect(winner([r], { host: 'a.test:8000' })).toBe(r);
      expect(winner([r], { host: 'a.test:9000' })).toBeNull();
      expect(winner([r], { host: 'a.test', port: 8000 })).toBe(r);
      expect(winner([r], { host: 'a.test', port: 9000 })).toBeNull();
      expect(winner([r], { host: 'a.test' })).toBeNull();
      const w = route({ hosts: ['*.a.test:8443'] });
      expect(winner([w], { host: 'x.a.test:8443' })).toBe(w);
      expect(winner([w], { host: 'x.a.test:8000' })).toBeNull();
    });

    it('IPv6 Host header with a port', () => {
      const r = route({ hosts: ['[::1]'] });
      expect(winner([r], { host: '[::1]:8000' })).toBe(r);
    });

    it('a plain path is a prefix: /foo matches /foobar', () => {
      const r = route({ paths: ['/foo'] });
      expect(winner([r], { path: '/foobar' })).toBe(r);
      expect(winner([r], { path: '/foo/x' })).toBe(r);
      expect(winner([r], { path: '/fo' })).toBeNull();
      expect(winner([r], { path: '/Foo' })).toBeNull();
    });

    it('paths match the normalised path', () => {
      const r = route({ paths: ['/b'] });
      expect(winner([r], { path: '/a/%2e%2e/b' })).toBe(r);
      expect(winner([r], { path: '//b' })).toBe(r);
      expect(winner([r], { path: '/%62' })).toBe(r);
      const enc = route({ paths: ['/a%2Fb'] });
      expect(winner([enc], { path: '/a%2fb' })).toBe(enc);
      expect(winner([enc], { path: '/a/b' })).toBeNull();
    });

    it('regex paths are anchored at the start', () => {
      const r = route({ paths: ['~/users/\\d+$'] });
      expect(winner([r], { path: '/users/42' })).toBe(r);
      expect(winner([r], { path: '/x/users/42' })).toBeNull();
      expect(winner([r], { path: '/users/42/x' })).toBeNull();
    });

    it('regex captures: positional and named become uri_captures', () => {
      const svc = service({ path: '/s' });
      const r = route({ paths: ['~/users/(?<id>\\d+)/(\\w+)'], service: { id: svc.id } });
      const m = buildRouter([r], [svc], { strategy }).match(req({ path: '/users/42/posts/7' }));
      expect(m?.uriCaptures).toEqual({ unnamed: ['/users/42/posts', '42', 'posts'], named: { id: '42' } });
      expect(m?.matchedPath).toBe('/users/42/posts');
      expect(m?.strippedPrefix).toBe('/users/42/posts');
      expect(m?.upstreamPath).toBe('/s/7');
    });

    it('PCRE (?P<name>) groups are accepted; a regex without groups has no captures', () => {
      const r = route({ paths: ['~/p/(?P<n>[a-z]+)'] });
      expect(build([r], strategy).match(req({ path: '/p/abc' }))?.uriCaptures?.named).toEqual({ n: 'abc' });
      const plain = route({ paths: ['~/q/\\d+'] });
      const m = build([plain], strategy).match(req({ path: '/q/1' }));
      expect(m?.uriCaptures).toBeNull();
      expect(m?.matchedPath).toBe('/q/1');
    });

    it('a prefix match has no captures and its matched path is the route path', () => {
      const m = build([route({ paths: ['/a'] })], strategy).match(req({ path: '/a/b' }));
      expect(m?.uriCaptures).toBeNull();
      expect(m?.matchedPath).toBe('/a');
    });

    it('a regex JavaScript cannot compile drops the route and is reported', () => {
      const bad = route({ paths: ['~/a(?<x'] });
      const good = route({ paths: ['/'] });
      const router = build([bad, good], strategy);
      expect(router.errors.map((e) => e.route)).toEqual([bad]);
      expect(router.routeCount).toBe(1);
      expect(router.match(req({ path: '/a' }))?.route).toBe(good);
    });

    it('headers: names case-insensitive, values case-insensitive, any value per header, all headers', () => {
      const r = route({ headers: { 'X-Version': ['v1', 'V2'], 'X-Env': ['prod'] } });
      expect(winner([r], { headers: headers({ 'x-version': 'V2', 'x-env': 'PROD' }) })).toBe(r);
      expect(winner([r], { headers: headers({ 'x-version': 'v1' }) })).toBeNull();
      expect(winner([r], { headers: headers({ 'x-version': 'v3', 'x-env': 'prod' }) })).toBeNull();
      expect(winner([r], {})).toBeNull();
      expect(winner([r], { headers: headers({ 'x-version': ['v9', 'v2'], 'x-env': 'prod' }) })).toBe(r);
    });

    it('headers: - and _ are equivalent in route header names', () => {
      const r = route({ headers: { x_api_version: ['1'] } });
      expect(winner([r], { headers: headers({ 'x-api-version': '1' }) })).toBe(r);
      const d = route({ headers: { 'X-Api-Version': ['1'] } });
      expect(winner([d], { headers: headers({ x_api_version: '1' }) })).toBe(d);
    });

    it('headers: ~* values are case-insensitive unanchored regexes', () => {
      const r = route({ headers: { 'user-agent': ['~*curl/\\d'] } });
      expect(winner([r], { headers: headers({ 'user-agent': 'my CURL/8.1' }) })).toBe(r);
      expect(winner([r], { headers: headers({ 'user-agent': 'wget' }) })).toBeNull();
    });

    it('snis are only checked for https requests', () => {
      const r = route({ snis: ['a.test'], protocols: ['https'] });
      expect(winner([r], { protocol: 'https', sni: 'a.test' })).toBe(r);
      expect(winner([r], { protocol: 'https', sni: 'b.test' })).toBeNull();
      expect(winner([r], { protocol: 'https' })).toBeNull();
      expect(winner([r], { protocol: 'http' })).toBe(r);
      const w = route({ snis: ['*.a.test'], protocols: ['https'] });
      expect(winner([w], { protocol: 'https', sni: 'x.a.test' })).toBe(w);
    });

    it('all non-empty attributes must match (AND)', () => {
      const r = route({ methods: ['GET'], hosts: ['a.test'], paths: ['/p'], headers: { h: ['1'] } });
      const ok = { method: 'GET', host: 'a.test', path: '/p', headers: headers({ h: '1' }) };
      expect(winner([r], ok)).toBe(r);
      expect(winner([r], { ...ok, method: 'POST' })).toBeNull();
      expect(winner([r], { ...ok, host: 'b.test' })).toBeNull();
      expect(winner([r], { ...ok, path: '/q' })).toBeNull();
      expect(winner([r], { ...ok, headers: headers({ h: '2' }) })).toBeNull();
    });
  });

  describe('priorities (§4.2)', () => {
    it('more matching attributes win', () => {
      const pathOnly = route({ paths: ['/aaaaaaaaaaaaaaaaaaaaa'] });
      const methodAndPath = route({ methods: ['GET'], paths: ['/a'] });
      expect(winner([pathOnly, methodAndPath], { path: '/aaaaaaaaaaaaaaaaaaaaa' })).toBe(methodAndPath);
    });

    it('a plain host beats a wildcard host', () => {
      const wild = route({ hosts: ['*.a.test'], paths: ['/long/path'] });
      const plain = route({ hosts: ['x.a.test'], paths: ['/'] });
      expect(winner([wild, plain], { host: 'x.a.test', path: '/long/path' })).toBe(plain);
      // one wildcard entry makes the whole route "not plain"
      const mixed = route({ hosts: ['x.a.test', '*.b.test'], paths: ['/long/path'] });
      expect(winner([mixed, plain], { host: 'x.a.test', path: '/long/path' })).toBe(plain);
    });

    it('more headers win', () => {
      const one = route({ headers: { a: ['1'] }, paths: ['/long/path'] });
      const two = route({ headers: { a: ['1'], b: ['2'] }, paths: ['/'] });
      expect(winner([one, two], { path: '/long/path', headers: headers({ a: '1', b: '2' }) })).toBe(two);
    });

    it('a regex beats a prefix at equal weight, even a longer prefix', () => {
      const prefix = route({ paths: ['/users/42/profile'] });
      const regex = route({ paths: ['~/users/\\d+'] });
      expect(winner([prefix, regex], { path: '/users/42/profile' })).toBe(regex);
    });

    it('regex_priority orders regexes', () => {
      const low = route({ paths: ['~/a/.*'], regex_priority: 1 });
      const high = route({ paths: ['~/a/b'], regex_priority: 5 });
      const neg = route({ paths: ['~/a'], regex_priority: -3 });
      expect(winner([low, high, neg], { path: '/a/b' })).toBe(high);
      expect(winner([low, neg], { path: '/a/b' })).toBe(low);
      expect(winner([neg], { path: '/a/b' })).toBe(neg);
    });

    it('the longer prefix wins', () => {
      const short = route({ paths: ['/a'] });
      const long = route({ paths: ['/a/b'] });
      expect(winner([short, long], { path: '/a/b/c' })).toBe(long);
      expect(winner([short, long], { path: '/a/c' })).toBe(short);
    });

    it('prefix matching ignores regex_priority', () => {
      const short = route({ paths: ['/a'], regex_priority: 100 });
      const long = route({ paths: ['/a/b'] });
      expect(winner([short, long], { path: '/a/b' })).toBe(long);
    });

    it('a route mixing regex and prefixes of different lengths is split into sub-routes', () => {
      const mixed = route({ paths: ['/x', '/yyyyyyyy', '~/r/\\d+'] });
      const mid = route({ paths: ['/yyyy'] });
      // its long prefix group beats /yyyy; its short group loses to a longer prefix
      expect(winner([mixed, mid], { path: '/yyyyyyyy/1' })).toBe(mixed);
      expect(build([mixed, mid], strategy).match(req({ path: '/yyyyyyyy/1' }))?.matchedPath).toBe('/yyyyyyyy');
      const mid2 = route({ paths: ['/x/long'] });
      expect(winner([mixed, mid2], { path: '/x/long' })).toBe(mid2);
      // its regex group beats any prefix
      const other = route({ paths: ['/r/1/long/prefix'] });
      expect(winner([mixed, other], { path: '/r/1/long/prefix' })).toBe(mixed);
    });

    it('ties go to the larger id (reverse (priority, id))', () => {
      const a = route({ id: '00000000-0000-4000-8000-00000000000a', paths: ['/p'] });
      const b = route({ id: '00000000-0000-4000-8000-00000000000b', paths: ['/q'] });
      const c = route({ id: '00000000-0000-4000-8000-00000000000c', paths: ['/p'] });
      expect(winner([c, a, b], { path: '/p' })).toBe(c);
      expect(winner([a, c], { path: '/p' })).toBe(c);
    });

    it('a route without paths matches any path', () => {
      const r = route({ hosts: ['a.test'] });
      expect(winner([r], { host: 'a.test', path: '/anything/at/all' })).toBe(r);
    });
  });

  describe('protocols, services', () => {
    it('https-only route requested over http carries the redirect status', () => {
      const r = route({ paths: ['/'], protocols: ['https'], https_redirect_status_code: 308 });
      expect(build([r], strategy).match(req({ protocol: 'http' }))?.httpsRedirectStatus).toBe(308);
      expect(build([r], strategy).match(req({}))?.httpsRedirectStatus).toBe(308);
      expect(build([r], strategy).match(req({ protocol: 'https' }))?.httpsRedirectStatus).toBeNull();
      const both = route({ paths: ['/'] });
      expect(build([both], strategy).match(req({ protocol: 'http' }))?.httpsRedirectStatus).toBeNull();
      const dflt = route({ paths: ['/'], protocols: ['https'] });
      expect(build([dflt], strategy).match(req({}))?.httpsRedirectStatus).toBe(426);
    });

    it('routes of disabled services and stream routes are not routed', () => {
      const off = service({ enabled: false });
      const on = service();
      const r1 = route({ paths: ['/a/b'], service: { id: off.id } });
      const r2 = route({ paths: ['/a'], service: { id: on.id } });
      const tcp = route({ protocols: ['tcp'], paths: null });
      const router = buildRouter([r1, r2, tcp], new Map([off, on].map((s) => [s.id, s])), { strategy });
      const m = router.match(req({ path: '/a/b' }));
      expect(m?.route).toBe(r2);
      expect(m?.service).toBe(on);
    });
  });
});

describe('indexed router specifics', () => {
  it('the host cache does not change results and survives overflow', () => {
    const rs = [route({ hosts: ['a.test'], paths: ['/'] }), route({ hosts: ['*.b.test'] })];
    const router = buildRouter(rs, [], { hostCacheSize: 2 });
    for (let i = 0; i < 10; i++) {
      expect(router.match(req({ host: `h${i}.test` }))).toBeNull();
      expect(router.match(req({ host: 'a.test' }))?.route).toBe(rs[0]);
      expect(router.match(req({ host: `x${i}.b.test` }))?.route).toBe(rs[1]);
    }
  });

  it('a regex with top-level alternation is only anchored on its first branch, as in Kong', () => {
    const r = route({ paths: ['~/a|/b'] });
    expect(buildRouter([r], []).match(req({ path: '/x/b' }))?.route).toBe(r);
  });
});
