// Fuzz-style robustness: random bytes and random nested structures must never throw or hang.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WafEngine } from '../../../../src/waf/engine.js';
import type { WafRequest } from '../../../../src/waf/types.js';
import { fakeDetectors } from './helpers.js';

const eng = new WafEngine({ detectors: fakeDetectors, timeBudgetMs: 200 });
const CTS = ['application/json', 'application/xml', 'text/xml', 'multipart/form-data; boundary=b', 'application/x-www-form-urlencoded', 'application/graphql', 'application/grpc', 'text/plain', ''];
const ENCS = ['', 'gzip', 'deflate', 'br', 'gzip, gzip'];

function check(r: WafRequest): void {
  const t0 = performance.now();
  const res = eng.analyze(r);
  expect(Array.isArray(res.hits)).toBe(true);
  expect(performance.now() - t0).toBeLessThan(1000);
}

describe('fuzz', () => {
  it('random bytes as bodies under every content type and encoding', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), fc.constantFrom(...CTS), fc.constantFrom(...ENCS), (body, ct, enc) => {
      const headers: Array<[string, string]> = [['Content-Type', ct]];
      if (enc) headers.push(['Content-Encoding', enc]);
      check({ method: 'POST', url: '/', headers, body });
    }), { numRuns: 400 });
  });

  it('random strings in url, headers and cookies', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 300 }), fc.string({ maxLength: 200 }), (url, hv, cookie) => {
      check({ method: 'GET', url, headers: [['X-A', hv], ['Cookie', cookie], ['Authorization', hv]] });
    }), { numRuns: 400 });
  });

  it('random nested JSON structures, with encodings mixed in', () => {
    const leaf = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('%3Cscript%3E', 'PHNjcmlwdD4=', '&lt;x&gt;', '\\u003c', 'eyJhIjoxfQ.eyJiIjoyfQ.x'), fc.integer(), fc.boolean());
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('tree'), { maxLength: 5 }), fc.dictionary(fc.string({ maxLength: 8 }), tie('tree'), { maxKeys: 5 })),
    }));
    fc.assert(fc.property(tree, (t) => {
      const body = JSON.stringify(t);
      check({ method: 'POST', url: '/', headers: [['Content-Type', 'application/json']], body: Buffer.from(body) });
      check({ method: 'POST', url: '/', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: Buffer.from('j=' + encodeURIComponent(body)) });
    }), { numRuns: 300 });
  });

  it('truncations and mutations of well-formed bodies', () => {
    const seeds = [
      '{"a":[1,{"b":"c"}],"d":"\\u0041"}',
      '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "x">]><a b="1"><!--c--><![CDATA[d]]>&e;</a>',
      '--b\r\nContent-Disposition: form-data; name="f"; filename="x"\r\nContent-Type: application/json\r\n\r\n{"k":1}\r\n--b--\r\n',
      'query Q($a: Int = 1) { f(x: "y", z: [A, B]) @d(if: true) { ...F } } fragment F on T { g }',
    ];
    fc.assert(fc.property(fc.constantFrom(...seeds), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom(...CTS), (seed, cut, pos, byte, ct) => {
      const b = Buffer.from(seed.slice(0, cut % (seed.length + 1)));
      if (b.length > 0) b[pos % b.length] = byte;
      check({ method: 'POST', url: '/', headers: [['Content-Type', ct]], body: b });
    }), { numRuns: 600 });
  });

  it('deep and wide adversarial structures stay within budget', () => {
    const cases = [
      '['.repeat(200000),
      '{"a":'.repeat(50000) + '1' + '}'.repeat(50000),
      '<a>'.repeat(50000),
      '<!DOCTYPE x [' + '<!ENTITY a "&a;&a;">'.repeat(1000) + ']>',
      'a=' + '%25'.repeat(100000),
      Buffer.from('x'.repeat(1000)).toString('base64').repeat(50),
    ];
    for (const c of cases) {
      for (const ct of ['application/json', 'application/xml', 'application/x-www-form-urlencoded', 'text/plain']) {
        const t0 = performance.now();
        const r = eng.analyze({ method: 'POST', url: '/', headers: [['Content-Type', ct]], body: Buffer.from(c) });
        expect(performance.now() - t0).toBeLessThan(1500);
        expect(r).toBeDefined();
      }
    }
  });
});
