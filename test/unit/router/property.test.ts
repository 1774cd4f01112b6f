// The indexed router must pick exactly the route a plain scan over all sub-routes in priority
// order picks (the linear strategy), for any route set and request.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildRouter, type MatchRequest } from '../../../src/router/index.js';
import type { Route } from '../../../src/store/types.js';
import { route } from './helpers.js';

const hostNames = ['a.test', 'b.test', 'x.a.test', 'y.x.a.test', 'api.b.test', 'api.c', 'A.TEST'];
const routeHosts = ['a.test', 'b.test', 'x.a.test', '*.a.test', '*.test', 'api.*', 'a.test:8000', '*.a.test:8443', 'api.b.test'];
const segs = ['a', 'b', 'ab', 'users', '42', 'x'];
const pathArb = fc
  .array(fc.constantFrom(...segs, '..', '.', '', '%61', '%2F'), { minLength: 0, maxLength: 4 })
  .map((p) => '/' + p.join('/'));
const prefixArb = fc.array(fc.constantFrom(...segs), { minLength: 0, maxLength: 3 }).chain((p) =>
  fc.constantFrom('/' + p.join('/'), '/' + p.join('/') + (p.length ? '/' : '')),
);
const regexArb = fc.constantFrom('~/users/(\\d+)', '~/a/(?<n>[a-z]+)', '~/ab?', '~/(a|b)/x', '~/a|/x', '~/.*', '~(?i)/A', '~/users/4\\d');

// null half of the time, so that routes are not too constrained to match anything.
function maybe<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> {
  return fc.oneof(fc.constant(null), arb);
}

const routeArb = fc
  .record({
    methods: maybe(fc.subarray(['GET', 'POST', 'PUT'], { minLength: 1 })),
    hosts: maybe(fc.subarray(routeHosts, { minLength: 1, maxLength: 3 })),
    paths: maybe(fc.array(fc.oneof(prefixArb, regexArb), { minLength: 1, maxLength: 3 })),
    headers: maybe(
      fc.dictionary(fc.constantFrom('x-a', 'x_b', 'X-C'), fc.array(fc.constantFrom('1', '2', '~*^v\\d'), { minLength: 1, maxLength: 2 }), {
        minKeys: 1,
        maxKeys: 2,
      }),
    ),
    regex_priority: fc.integer({ min: -2, max: 3 }),
    id: fc.uuid(),
  })
  .map((f) => route(f as Partial<Route>));

const reqArb: fc.Arbitrary<MatchRequest> = fc.record({
  method: fc.constantFrom('GET', 'POST', 'DELETE'),
  host: fc.option(
    fc.tuple(fc.constantFrom(...hostNames), fc.constantFrom('', ':8000', ':8443')).map(([h, p]) => h + p),
    { nil: undefined },
  ),
  path: pathArb,
  port: fc.option(fc.constantFrom(8000, 8443, 80), { nil: undefined }),
  headers: fc
    .dictionary(fc.constantFrom('x-a', 'x-b', 'x-c'), fc.constantFrom('1', '2', 'V3', 'x'), { maxKeys: 3 })
    .map((h) => (name: string) => h[name]),
});

describe('indexed router = linear scan by priority', () => {
  it('picks the same route and computes the same result', () => {
    fc.assert(
      fc.property(fc.uniqueArray(routeArb, { minLength: 0, maxLength: 25, selector: (r) => r.id }), fc.array(reqArb, { minLength: 1, maxLength: 20 }), (routes, reqs) => {
        const linear = buildRouter(routes, [], { strategy: 'linear' });
        // flat lists only, trees only, and the default mix
        for (const flatBucketMax of [1_000_000, 0, undefined]) {
          const indexed = buildRouter(routes, [], { flatBucketMax, hostCacheSize: 4 });
          for (const r of reqs) {
            const a = indexed.match(r);
            const b = linear.match(r);
            expect(a?.route.id ?? null).toBe(b?.route.id ?? null);
            expect(a).toEqual(b);
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});
