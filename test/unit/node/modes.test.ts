import { afterEach, describe, expect, it } from 'vitest';
import type { FilteringNode, ListName, Mode } from '../../../src/node/index.js';
import { verdictFor } from '../../../src/node/index.js';
import { makeNode, req } from './helpers.js';

// docs/waf.md §3, per source (with attack / without attack).
type Cell = 'pass' | 'pass+rec' | 'blocked' | 'blocked+rec';
const TABLE: Record<string, Record<Mode, [Cell, Cell]>> = {
  allow: { off: ['pass', 'pass'], monitoring: ['pass', 'pass'], safe_blocking: ['pass', 'pass'], block: ['pass', 'pass'] },
  deny: { off: ['pass', 'pass'], monitoring: ['blocked+rec', 'blocked+rec'], safe_blocking: ['blocked+rec', 'blocked+rec'], block: ['blocked+rec', 'blocked+rec'] },
  gray: { off: ['pass', 'pass'], monitoring: ['pass+rec', 'pass'], safe_blocking: ['blocked+rec', 'pass'], block: ['blocked+rec', 'pass'] },
  none: { off: ['pass', 'pass'], monitoring: ['pass+rec', 'pass'], safe_blocking: ['pass+rec', 'pass'], block: ['blocked+rec', 'pass'] },
};
const MODES: Mode[] = ['off', 'monitoring', 'safe_blocking', 'block'];
const IP = '198.51.100.9';

const nodes: FilteringNode[] = [];
afterEach(async () => { for (const n of nodes.splice(0)) await n.stop(); });

function nodeWith(mode: Mode, list: string): FilteringNode {
  const n = makeNode({ mode });
  nodes.push(n);
  if (list !== 'none') n.ipLists.add({ ip: list === 'gray' ? '198.51.100.0/24' : IP, list, ttl: 'forever' });
  return n;
}

describe('mode × IP list matrix (docs/waf.md §3)', () => {
  for (const list of Object.keys(TABLE)) {
    for (const mode of MODES) {
      for (const [i, attack] of [true, false].entries()) {
        const want = TABLE[list]![mode][i]!;
        it(`${list} source, ${mode}, ${attack ? 'attack' : 'clean'} → ${want}`, () => {
          const n = nodeWith(mode, list);
          const r = n.inspect(req(attack ? '/search?q=ATTACK' : '/search?q=shoes', IP));
          expect(r.blocked).toBe(want.startsWith('blocked'));
          expect(r.verdict).toBe(r.blocked ? 'block' : 'pass');
          const recorded = n.attackLog.queryHits({}).total;
          expect(recorded > 0).toBe(want.endsWith('+rec'));
          if (list === 'deny' && mode !== 'off') {
            expect(r.reason).toBe('denylist');
            expect(n.attackLog.queryHits({}).data[0]!.type).toBe('blocked_source');
          }
          if (list === 'allow' && mode !== 'off') { expect(r.reason).toBe('allowlist'); expect(r.hits).toEqual([]); }
          if (mode === 'off') { expect(r.reason).toBe('off'); expect(r.hits).toEqual([]); }
          if (r.blocked && list === 'gray' && mode === 'safe_blocking') expect(r.reason).toBe('graylist');
        });
      }
    }
  }

  it('a virtual patch blocks in every mode but off, for every source but the allowlisted', () => {
    for (const list of Object.keys(TABLE)) {
      for (const mode of MODES) {
        const n = nodeWith(mode, list);
        n.rules.add({ action: 'vpatch', path: '= /admin' });
        const r = n.inspect(req('/admin', IP));
        const expectBlock = mode !== 'off' && list !== 'allow';
        expect(r.blocked, `${list}/${mode}`).toBe(expectBlock);
        if (expectBlock && list !== 'deny') expect(r.reason).toBe('vpatch');
      }
    }
  });

  it('the pure matrix agrees: graylist only matters in safe_blocking', () => {
    const f = { vpatch: false, attack: true, anyHit: true };
    const cases: Array<[Mode, ListName | null, boolean]> = [
      ['monitoring', 'gray', false], ['safe_blocking', 'gray', true], ['block', 'gray', true], ['safe_blocking', null, false], ['off', 'deny', false],
    ];
    for (const [mode, list, block] of cases) expect(verdictFor(mode, list, f).block, `${mode}/${list}`).toBe(block);
    expect(verdictFor('off', 'deny', f).analysed).toBe(false);
    expect(verdictFor('monitoring', 'allow', f).analysed).toBe(false);
  });

  it('default mode is block; WALLARM_MODE=monitoring is one setting away; bad values are refused', () => {
    const a = makeNode({ mode: undefined });
    const b = makeNode({ mode: undefined, env: { WALLARM_MODE: 'monitoring' } });
    nodes.push(a, b);
    expect(a.mode).toBe('block');
    expect(b.mode).toBe('monitoring');
    expect(b.inspect(req('/?q=ATTACK')).blocked).toBe(false);
    expect(() => makeNode({ mode: undefined, env: { WALLARM_MODE: 'blocking' } })).toThrow(/WALLARM_MODE/);
  });

  it('per-request override beats route rules, which beat the node mode', () => {
    const n = makeNode({ mode: 'block' });
    nodes.push(n);
    n.rules.add({ action: 'set_mode', host: '*.example.com', path: '^~ /api/', mode: 'monitoring' });
    expect(n.inspect(req('/api/x?q=ATTACK')).blocked).toBe(false);
    expect(n.inspect(req('/web?q=ATTACK')).blocked).toBe(true);
    const r = n.inspect({ ...req('/api/x?q=ATTACK'), modeOverride: 'block' });
    expect(r.blocked).toBe(true);
    expect(r.mode).toBe('block');
  });
});
