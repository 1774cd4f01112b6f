// Linear-time safety: every detector on long adversarial inputs (runs of the characters and
// fragments each lexer or regex reacts to, deep nesting), and random strings that must not throw.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { detectors } from '../../../../src/waf/detectors/index.js';
import type { DetectContext } from '../../../../src/waf/types.js';
import { ADVERSARIAL_NAMES, adversarialSet } from './adversarial.js';

const CTX: DetectContext = { point: [['post'], ['form_urlencoded', 'url']], kind: 'value', root: 'post' };
const CTXS: DetectContext[] = [
  CTX,
  { point: [['uri']], kind: 'value', root: 'uri' },
  { point: [['header', 'USER-AGENT']], kind: 'value', root: 'header', header: 'USER-AGENT' },
  { point: [['get', 'next']], kind: 'name', root: 'get' },
];

function runAll(inputs: Array<[string, string]>, ctxs: DetectContext[]): { total: number; worst: [number, string, string] } {
  let worst: [number, string, string] = [0, '', ''];
  const t0 = performance.now();
  for (const [name, v] of inputs) {
    for (const d of detectors) {
      const t = performance.now();
      for (const c of ctxs) d.detect(v, c);
      const dt = performance.now() - t;
      if (dt > worst[0]) worst = [dt, d.type, name];
    }
  }
  return { total: performance.now() - t0, worst };
}

describe('adversarial inputs', () => {
  it('1 MiB inputs: all detectors finish in under 5 s in total', () => {
    const inputs = adversarialSet(1 << 20, [
      'long word then attack',
      'nested parens',
      "repeat \"'\"",
      'repeat "<a "',
      'repeat "../"',
      'repeat "a;b"',
    ]);
    const r = runAll(inputs, [CTX]);
    expect(r.total, `worst: ${r.worst[1]} on ${r.worst[2]} ${r.worst[0].toFixed(0)} ms`).toBeLessThan(5000);
  });

  it(`the whole set (${ADVERSARIAL_NAMES.length} kinds, 8 KiB each, 2 contexts) finishes in under 5 s`, () => {
    // a quadratic lexer or regex shows up here: 8 KiB squared is tens of millions of steps per input
    const r = runAll(adversarialSet(8 << 10), CTXS.slice(0, 2));
    expect(r.total, `worst: ${r.worst[1]} on ${r.worst[2]} ${r.worst[0].toFixed(0)} ms`).toBeLessThan(5000);
  });

  it('still finds the attack at the end of a long value', () => {
    const v = 'A'.repeat(1 << 20) + "' UNION SELECT password FROM users--";
    expect(detectors.find((d) => d.type === 'sqli')!.detect(v, CTX)?.stamp).toBe('sqli:union');
  });

  it('random strings never throw and always return null or a bounded match', () => {
    const alphabet = fc.constantFrom(
      ..."abcXYZ019 '\"`<>()[]{};|&$#%*=:./\\-+!?@,~^\n\r\t\0".split(''),
      'select', 'union', 'or', '--', '/*', '*/', 'script', 'on', 'alert', '../', '%2e', '&#', '\\u00', '${', '{{', '<%', '$(',
      'http://', '127.0.0.1', 'etc/passwd', 'jndi:', '\u560a', '\uff0e', '\u00c0\u00ae',
    );
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 80 }), fc.constantFrom(...CTXS), (parts, c) => {
        const v = parts.join('');
        for (const d of detectors) {
          const m = d.detect(v, c);
          if (m) {
            expect(m.stamp.startsWith(d.type + ':')).toBe(true);
            expect(m.payload.length).toBeLessThanOrEqual(120);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('arbitrary unicode strings never throw', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (v) => {
        for (const d of detectors) d.detect(v, CTX);
      }),
      { numRuns: 1000 },
    );
  });
});
