import { afterEach, describe, expect, it } from 'vitest';
import { RuleSet, type FilteringNode } from '../../../src/node/index.js';
import { pointMatches } from '../../../src/node/rules.js';
import { makeNode, req } from './helpers.js';

const nodes: FilteringNode[] = [];
afterEach(async () => { for (const n of nodes.splice(0)) await n.stop(); });
function node(mode: 'block' | 'monitoring' = 'block'): FilteringNode {
  const n = makeNode({ mode });
  nodes.push(n);
  return n;
}

describe('rule conditions', () => {
  it('path syntaxes: =, ^~, ~, ~*, prefix; host wildcards', () => {
    const s = new RuleSet();
    const t = (host: string, path: string) => s.forRequest({ host, path, method: 'GET', application: null }).mode;
    s.add({ action: 'set_mode', path: '/', mode: 'block' });
    s.add({ action: 'set_mode', path: '/api/', mode: 'monitoring' });
    s.add({ action: 'set_mode', path: '~ \\.php$', mode: 'safe_blocking' });
    s.add({ action: 'set_mode', path: '~* \\.ASPX$', mode: 'off' });
    s.add({ action: 'set_mode', path: '= /api/login', mode: 'block' });
    s.add({ action: 'set_mode', path: '^~ /static/', mode: 'off' });
    expect(t('a', '/x')).toBe('block');
    expect(t('a', '/api/users')).toBe('monitoring');
    expect(t('a', '/api/x.php')).toBe('safe_blocking'); // regex beats a plain prefix
    expect(t('a', '/api/x.aspx')).toBe('off');
    expect(t('a', '/api/login')).toBe('block'); // exact beats everything
    expect(t('a', '/static/x.php')).toBe('off'); // ^~ beats regex
    s.add({ action: 'set_mode', host: '*.example.com', mode: 'monitoring' });
    expect(t('shop.example.com', '/api/login')).toBe('monitoring'); // host-specific branch beats host-agnostic
    expect(t('example.org', '/x')).toBe('block');
    expect(t('shop.example.com:8443', '/x')).toBe('monitoring');
  });

  it('validates input with the field named', () => {
    const s = new RuleSet();
    expect(() => s.add({ action: 'frobnicate' })).toThrow(/'action'/);
    expect(() => s.add({ action: 'set_mode', mode: 'loud' })).toThrow(/'mode'/);
    expect(() => s.add({ action: 'regex', regex: '(', attack_type: 'sqli' })).toThrow(/'regex'/);
    expect(() => s.add({ action: 'regex', regex: 'x', attack_type: 'nope' })).toThrow(/attack_type/);
    expect(() => s.add({ action: 'disable_attack_type', types: ['nope'] })).toThrow(/unknown attack type/);
    expect(() => s.add({ action: 'disable_attack_type', point: 'q' })).toThrow(/'point'/);
    expect(() => s.add({ action: 'set_mode', mode: 'off', path: 'api' })).toThrow(/'path'/);
  });

  it('rule points are prefixes, "*" keys match any key, header names ignore case', () => {
    expect(pointMatches([['get', 'q']], [['get', 'q']])).toBe(true);
    expect(pointMatches([['get', '*']], [['get', 'id']])).toBe(true);
    expect(pointMatches([['post']], [['post'], ['json_doc'], ['hash', 'a']])).toBe(true);
    expect(pointMatches([['get', 'q']], [['get', 'r']])).toBe(false);
    expect(pointMatches([['header', 'x-test']], [['header', 'X-TEST']])).toBe(true);
    expect(pointMatches(null, [['uri']])).toBe(true);
  });
});

describe('rule actions', () => {
  it('disable_attack_type at a point for a host/path stops detection there only', () => {
    const n = node();
    n.rules.add({ action: 'disable_attack_type', types: ['sqli'], point: [['get', 'q']], host: 'shop.example.com', path: '= /search' });
    expect(n.inspect(req('/search?q=ATTACK')).blocked).toBe(false);
    expect(n.inspect(req('/search?other=ATTACK')).blocked).toBe(true);
    expect(n.inspect(req('/find?q=ATTACK')).blocked).toBe(true);
    expect(n.inspect(req('/search?q=EVIL')).blocked).toBe(true); // xss still detected
  });

  it('disable all types', () => {
    const n = node();
    n.rules.add({ action: 'disable_attack_type', types: 'all', path: '/docs/' });
    const r = n.inspect(req('/docs/x?q=ATTACK&r=EVIL'));
    expect(r.blocked).toBe(false);
    expect(r.hits).toEqual([]);
  });

  it('vpatch on a regex at a point blocks even in monitoring', () => {
    const n = node('monitoring');
    n.rules.add({ action: 'vpatch', point: [['get', 'debug']], regex: '^(1|true)$' });
    const r = n.inspect(req('/x?debug=true'));
    expect(r.blocked).toBe(true);
    expect(r.reason).toBe('vpatch');
    expect(r.hits[0]).toMatchObject({ type: 'vpatch', point: [['get', 'debug']], source: 'vpatch' });
    expect(n.inspect(req('/x?debug=0')).blocked).toBe(false);
    expect(n.inspect(req('/x?other=true')).blocked).toBe(false);
  });

  it('vpatch on attack types at a point', () => {
    const n = node('monitoring');
    n.rules.add({ action: 'vpatch', types: ['sqli'], point: [['get', 'id']] });
    expect(n.inspect(req('/x?id=ATTACK')).blocked).toBe(true);
    expect(n.inspect(req('/x?name=ATTACK')).blocked).toBe(false);
    expect(n.inspect(req('/x?id=EVIL')).blocked).toBe(false);
  });

  it('custom regex detector reports the chosen type; experimental never blocks', () => {
    const n = node();
    n.rules.add({ action: 'regex', regex: 'select\\s+\\*', attack_type: 'sqli', point: [['get', '*']] });
    n.rules.add({ action: 'regex', regex: 'canary', attack_type: 'xss', experimental: true });
    const a = n.inspect(req('/x?q=select%20*%20from%20t'));
    expect(a.blocked).toBe(true);
    expect(a.hits[0]).toMatchObject({ type: 'sqli', source: 'regex' });
    expect(a.hits[0]!.detector).toMatch(/^regex:/);
    const b = n.inspect(req('/x?q=canary'));
    expect(b.blocked).toBe(false);
    expect(b.reason).toBe('attack');
    expect(b.hits[0]).toMatchObject({ type: 'xss', source: 'experimental', blocking: false });
    expect(n.attackLog.queryHits({ type: 'xss' }).data[0]!.experimental).toBe(true);
  });

  it('set_mode for a route', () => {
    const n = node('block');
    n.rules.add({ action: 'set_mode', path: '/legacy/', mode: 'off' });
    const r = n.inspect(req('/legacy/a?q=ATTACK'));
    expect(r).toMatchObject({ blocked: false, reason: 'off', mode: 'off' });
  });

  it('a false-positive hit becomes a disable rule in one step', () => {
    const n = node();
    const r = n.inspect(req('/search?q=ATTACK'));
    expect(r.blocked).toBe(true);
    const hit = n.attackLog.queryHits({ request_id: r.requestId }).data[0]!;
    const fp = n.falsePositive(hit.id)!;
    expect(fp.rule).toMatchObject({ action: 'disable_attack_type', types: ['sqli'], point: [['get', 'q']], path: '= /search', host: 'shop.example.com' });
    expect(n.inspect(req('/search?q=ATTACK')).blocked).toBe(false);
    expect(n.inspect(req('/other?q=ATTACK')).blocked).toBe(true);
    // hidden from lists and stats
    expect(n.attackLog.queryHits({ request_id: r.requestId }).total).toBe(0);
  });

  it('rules and lists made through the API survive a restart; config rules are not persisted', async () => {
    const n = node();
    n.rules.add({ action: 'set_mode', path: '/x', mode: 'off' });
    n.ipLists.add({ ip: '192.0.2.1', list: 'deny' });
    n.saveState();
    await n.stop();
    const m = makeNode({ prefix: n.prefix, config: { rules: [{ action: 'set_mode', path: '/y', mode: 'monitoring' }] } });
    nodes.push(m);
    expect(m.rules.list().map((r) => r.path).sort()).toEqual(['/x', '/y']);
    expect(m.ipLists.lookup('192.0.2.1')!.list).toBe('deny');
  });
});
