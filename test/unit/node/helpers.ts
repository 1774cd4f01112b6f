import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { FilteringNode, type FilteringNodeOptions } from '../../../src/node/index.js';
import { WafEngine, type Detector } from '../../../src/waf/index.js';

/**
 * Detectors that fire on the literal ATTACK (sqli) or EVIL (xss) in any value but the raw URI: node tests
 * do not depend on the real detectors.
 */
export const fakeDetectors: Detector[] = [
  { type: 'sqli', description: 'test', detect: (v, ctx) => (ctx.root !== 'uri' && v.includes('ATTACK') ? { stamp: 'sqli:test', payload: v.slice(0, 40) } : null) },
  { type: 'xss', description: 'test', detect: (v, ctx) => (ctx.root !== 'uri' && v.includes('EVIL') ? { stamp: 'xss:test', payload: v.slice(0, 40) } : null) },
];

export function fakeEngine(): WafEngine {
  return new WafEngine({ detectors: fakeDetectors });
}

const dirs: string[] = [];
afterAll(() => { for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true }); });

export function tempPrefix(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'portcullis-node-'));
  dirs.push(d);
  return d;
}

export class TestClock {
  t = Date.UTC(2025, 0, 1, 12, 0, 0);
  now = (): number => this.t;
  advance(ms: number): void { this.t += ms; }
}

export function makeNode(opts: Partial<FilteringNodeOptions> = {}): FilteringNode {
  return new FilteringNode({ prefix: opts.prefix ?? tempPrefix(), listen: [], env: {}, engine: fakeEngine(), ...opts });
}

export function req(url: string, ip = '203.0.113.7', extra: Record<string, unknown> = {}) {
  return { method: 'GET', url, headers: [['Host', 'shop.example.com']] as Array<[string, string]>, clientIp: ip, ...extra };
}
