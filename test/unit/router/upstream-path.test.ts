import { describe, expect, it } from 'vitest';
import { buildRouter, joinUpstreamPath, joinUpstreamPathV1 } from '../../../src/router/index.js';
import { route, service } from './helpers.js';

// docs/kong-admin-api.md §4.4, every row of the v0 table.
const V0: [string | null, string, boolean, string, string][] = [
  ['/s', '/fv0', false, '/fv0/req', '/s/fv0/req'],
  ['/s', '/fv0', false, '/fv0', '/s/fv0'],
  ['/s', '/tv0', true, '/tv0/req', '/s/req'],
  ['/s', '/tv0', true, '/tv0', '/s'],
  ['/s', '/tv0', true, '/tv0req', '/s/req'],
  ['/s', '/fv0/', false, '/fv0/req', '/s/fv0/req'],
  ['/s', '/fv0/', false, '/fv0/', '/s/fv0/'],
  ['/s', '/tv0/', true, '/tv0/req', '/s/req'],
  ['/s', '/tv0/', true, '/tv0/', '/s/'],
  ['/s/', '/tv0', true, '/tv0/req', '/s/req'],
  ['/s/', '/tv0', true, '/tv0', '/s'],
  ['/s/', '/fv0', false, '/fv0/req', '/s/fv0/req'],
  [null, '/tv0', true, '/tv0', '/'],
  [null, '/tv0', true, '/tv0/x', '/x'],
  [null, '/fv0', false, '/fv0/x', '/fv0/x'],
];

const V1: [string | null, string, boolean, string, string][] = [
  ['/s', '/fv1', false, '/fv1/req', '/sfv1/req'],
  ['/s', '/fv1', false, '/fv1', '/sfv1'],
  ['/s', '/tv1', true, '/tv1/req', '/s/req'],
  ['/s', '/tv1/', true, '/tv1/req', '/sreq'],
  ['/s', '/tv1/', true, '/tv1/', '/s'],
];

describe('joinUpstreamPath (v0)', () => {
  it.each(V0)('service.path=%j route=%j strip=%j request=%j -> %j', (sp, rp, strip, req, want) => {
    expect(joinUpstreamPath(sp, req, strip, rp)).toBe(want);
  });

  it.each(V0)('through the router: service.path=%j route=%j strip=%j request=%j -> %j', (sp, rp, strip, req, want) => {
    const svc = service({ path: sp });
    const r = route({ paths: [rp], strip_path: strip, service: { id: svc.id } });
    const m = buildRouter([r], [svc]).match({ method: 'GET', host: 'x.test', path: req });
    expect(m?.upstreamPath).toBe(want);
    expect(m?.strippedPrefix).toBe(strip ? rp : null);
  });

  it('ignores path_handling v1 on the route (traditional_compatible)', () => {
    const svc = service({ path: '/s' });
    const r = route({ paths: ['/fv1'], strip_path: false, path_handling: 'v1', service: { id: svc.id } });
    expect(buildRouter([r], [svc]).match({ method: 'GET', host: 'x', path: '/fv1/req' })?.upstreamPath).toBe('/s/fv1/req');
  });

  it('drops a leading ./ or ../ of the remainder, and a bare . or ..', () => {
    expect(joinUpstreamPath('/s', '/p../x', true, '/p')).toBe('/s/x');
    expect(joinUpstreamPath('/s', '/p./x', true, '/p')).toBe('/s/x');
    expect(joinUpstreamPath('/s', '/p..', true, '/p')).toBe('/s');
  });

  it('a route without paths strips nothing even with strip_path', () => {
    expect(joinUpstreamPath('/s', '/foo', true, null)).toBe('/s/foo');
    expect(joinUpstreamPath('/s', '/', true, null)).toBe('/s');
    expect(joinUpstreamPath(null, '/foo', true, null)).toBe('/foo');
  });

  it('a route without a service joins onto /', () => {
    const r = route({ paths: ['/a'] });
    const m = buildRouter([r], []).match({ method: 'GET', host: 'x', path: '/a/b' });
    expect(m?.service).toBeNull();
    expect(m?.upstreamPath).toBe('/b');
  });

  it('the upstream path is re-escaped; the query is not part of it', () => {
    const svc = service({ path: '/s' });
    const r = route({ paths: ['/a'], service: { id: svc.id } });
    const m = buildRouter([r], [svc]).match({ method: 'GET', host: 'x', path: '/a/x%20y/%2e%2e/z%2f' });
    expect(m?.normalizedPath).toBe('/a/z%2F');
    expect(m?.upstreamPath).toBe('/s/z%2F');
    const m2 = buildRouter([r], [svc]).match({ method: 'GET', host: 'x', path: '/a/x%20y' });
    expect(m2?.upstreamPath).toBe('/s/x%20y');
  });
});

describe('joinUpstreamPathV1 (documented v1 rows)', () => {
  it.each(V1)('service.path=%j route=%j strip=%j request=%j -> %j', (sp, rp, strip, req, want) => {
    expect(joinUpstreamPathV1(sp, req, strip, rp)).toBe(want);
  });
});
