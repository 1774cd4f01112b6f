import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadNodeConfig, type FilteringNode } from '../../../src/node/index.js';
import { makeNode, req, tempPrefix } from './helpers.js';

const nodes: FilteringNode[] = [];
afterEach(async () => { for (const n of nodes.splice(0)) await n.stop(); });

const YAML_TEXT = `
mode: safe_blocking
application: shop
proxy_headers:
  - trusted_networks: [10.0.0.0/8]
    real_ip: [X-Real-IP, X-Forwarded-For]
    original_host: [X-Forwarded-Host]
allowed_networks: [127.0.0.0/8]
ip_lists:
  - { ip: 192.0.2.0/24, list: deny, reason: from config }
rules:
  - { action: set_mode, path: "^~ /admin/", mode: block }
  - { action: disable_attack_type, types: [xss], point: [[get, html]] }
sampling: { keep: 2, window: 600 }
auto_graylist: { threshold: 10 }
body_limit: 1m
`;

describe('node config file', () => {
  it('loads YAML and applies mode, lists, rules and proxy headers', () => {
    const dir = tempPrefix();
    const file = path.join(dir, 'node.yaml');
    fs.writeFileSync(file, YAML_TEXT);
    const n = makeNode({ prefix: dir, configFile: file, mode: undefined });
    nodes.push(n);
    expect(n.mode).toBe('safe_blocking');
    expect(n.application).toBe('shop');
    expect(n.bodyLimit).toBe(1024 * 1024);
    expect(n.inspect(req('/x?q=ATTACK')).blocked).toBe(false);
    expect(n.inspect(req('/admin/x?q=ATTACK')).blocked).toBe(true);
    expect(n.inspect(req('/x?html=EVIL')).hits).toEqual([]);
    // real IP through a trusted proxy lands in the denylist
    const r = n.inspect({ ...req('/x', '10.1.2.3'), headers: [['Host', 'a'], ['X-Forwarded-For', '192.0.2.5, 10.1.2.3']] });
    expect(r).toMatchObject({ blocked: true, reason: 'denylist', clientIp: '192.0.2.5' });
    // an untrusted peer's header is ignored
    expect(n.inspect({ ...req('/x', '203.0.113.1'), headers: [['X-Forwarded-For', '192.0.2.5']] }).clientIp).toBe('203.0.113.1');
  });

  it('the environment beats the file; options beat the environment', () => {
    const dir = tempPrefix();
    const file = path.join(dir, 'node.json');
    fs.writeFileSync(file, JSON.stringify({ mode: 'off' }));
    const a = makeNode({ configFile: file, mode: undefined, env: { WALLARM_MODE: 'monitoring', WALLARM_APPLICATION: 'api' } });
    const b = makeNode({ configFile: file, mode: 'block', env: { WALLARM_MODE: 'monitoring' } });
    nodes.push(a, b);
    expect([a.mode, a.application, b.mode]).toEqual(['monitoring', 'api', 'block']);
  });

  it('rejects bad files with the key named', () => {
    const dir = tempPrefix();
    const bad = (text: string) => { const f = path.join(dir, 'n.yaml'); fs.writeFileSync(f, text); return () => loadNodeConfig(f); };
    expect(bad('mode: loud')).toThrow(/mode must be one of/);
    expect(bad('colour: red')).toThrow(/unknown key 'colour'/);
    expect(bad('allowed_networks: [10.0.0.0/99]')).toThrow(/allowed_networks/);
    expect(bad('mode: [')).toThrow(/not valid YAML/);
    expect(() => makeNode({ config: { rules: [{ action: 'set_mode' }] } })).toThrow(/rules\[0\].*'mode'/);
  });
});
