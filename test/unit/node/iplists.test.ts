import { describe, expect, it } from 'vitest';
import { IpLists, RealIpResolver } from '../../../src/node/index.js';
import { cidrContains, formatIp, parseCidr, parseIp } from '../../../src/node/ip.js';
import { TestClock } from './helpers.js';

describe('addresses and CIDR blocks', () => {
  it('parses IPv4, IPv6 and v4-mapped addresses', () => {
    expect(formatIp(parseIp('10.1.2.3')!)).toBe('10.1.2.3');
    expect(formatIp(parseIp('2001:DB8:0:0:0:0:0:1')!)).toBe('2001:db8::1');
    expect(formatIp(parseIp('::ffff:192.0.2.1')!)).toBe('192.0.2.1');
    expect(formatIp(parseIp('[::1]')!)).toBe('::1');
    for (const bad of ['1.2.3', '256.1.1.1', '01.2.3.4', '1::2::3', 'gggg::', 'example.com', '']) expect(parseIp(bad), bad).toBeNull();
  });

  it('matches CIDRs of both families, never across them', () => {
    const v4 = parseCidr('10.0.0.0/8')!;
    expect(cidrContains(v4, parseIp('10.255.1.1')!)).toBe(true);
    expect(cidrContains(v4, parseIp('11.0.0.1')!)).toBe(false);
    expect(cidrContains(v4, parseIp('::ffff:10.0.0.1')!)).toBe(true);
    const v6 = parseCidr('2001:db8::/32')!;
    expect(cidrContains(v6, parseIp('2001:db8:ffff::1')!)).toBe(true);
    expect(cidrContains(v6, parseIp('2001:db9::1')!)).toBe(false);
    expect(cidrContains(v6, parseIp('10.0.0.1')!)).toBe(false);
    expect(parseCidr('192.168.1.77/24')!.text).toBe('192.168.1.0/24');
    expect(parseCidr('0.0.0.0/0')!.prefix).toBe(0);
    expect(cidrContains(parseCidr('0.0.0.0/0')!, parseIp('8.8.8.8')!)).toBe(true);
    for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/x', '10.0.0.0/']) expect(parseCidr(bad), bad).toBeNull();
  });
});

describe('IP lists', () => {
  it('precedence is allowlist → denylist → graylist', () => {
    const l = new IpLists();
    l.add({ ip: '10.0.0.0/8', list: 'gray', ttl: 'forever' });
    expect(l.lookup('10.1.1.1')!.list).toBe('gray');
    l.add({ ip: '10.1.0.0/16', list: 'deny', ttl: 'forever' });
    expect(l.lookup('10.1.1.1')!.list).toBe('deny');
    l.add({ ip: '10.1.1.1', list: 'allow', ttl: 'forever' });
    expect(l.lookup('10.1.1.1')!.list).toBe('allow');
    expect(l.lookup('10.2.0.1')!.list).toBe('gray');
    expect(l.lookup('192.0.2.1')).toBeNull();
    expect(l.lookup('2001:db8::1')).toBeNull();
  });

  it('IPv6 entries and Wallarm list names', () => {
    const l = new IpLists();
    l.add({ subnet: '2001:db8:abcd::/48', list: 'black', ttl: 'forever' });
    expect(l.lookup('2001:db8:abcd:1::5')!.list).toBe('deny');
    expect(l.lookup('2001:db8:abce::1')).toBeNull();
  });

  it('TTL: default 1 h, minimum 5 min, forever; expired entries stop matching', () => {
    const c = new TestClock();
    const l = new IpLists(c.now);
    const e = l.add({ ip: '192.0.2.1', list: 'deny' });
    expect(e.expires_at).toBe(c.t + 3600_000);
    l.add({ ip: '192.0.2.2', list: 'deny', ttl: 'forever' });
    l.add({ ip: '192.0.2.3', list: 'deny', ttl: 300 });
    expect(() => l.add({ ip: '192.0.2.4', list: 'deny', ttl: 299 })).toThrow(/at least 300/);
    c.advance(300_000);
    expect(l.lookup('192.0.2.3')).toBeNull();
    expect(l.lookup('192.0.2.1')).not.toBeNull();
    c.advance(3300_000);
    expect(l.lookup('192.0.2.1')).toBeNull();
    expect(l.lookup('192.0.2.2')).not.toBeNull();
    expect(l.list().map((x) => x.ip)).toEqual(['192.0.2.2']);
  });

  it('application scope', () => {
    const l = new IpLists();
    l.add({ ip: '192.0.2.1', list: 'deny', application: 'shop', ttl: 'forever' });
    expect(l.lookup('192.0.2.1', 'shop')!.list).toBe('deny');
    expect(l.lookup('192.0.2.1', 'blog')).toBeNull();
    expect(l.lookup('192.0.2.1', null)).toBeNull();
  });

  it('rejects bad input with field errors; re-adding updates the entry', () => {
    const l = new IpLists();
    expect(() => l.add({ ip: 'nope', list: 'deny' })).toThrow(/'ip'/);
    expect(() => l.add({ ip: '1.2.3.4', list: 'purple' })).toThrow(/'list'/);
    expect(() => l.add({ ip: '1.2.3.4', list: 'deny', ttl: -5 })).toThrow(/'ttl'/);
    const a = l.add({ ip: '1.2.3.4', list: 'deny', reason: 'a' });
    const b = l.add({ ip: '1.2.3.4', list: 'deny', reason: 'b', ttl: 'forever' });
    expect(b.id).toBe(a.id);
    expect(l.list()).toHaveLength(1);
    expect(l.get(a.id)!.reason).toBe('b');
  });
});

describe('real client IP via trusted proxies', () => {
  const r = new RealIpResolver([
    { trusted_networks: ['10.0.0.0/8', '::1/128'], real_ip: ['X-Real-IP', 'X-Forwarded-For'], original_host: ['X-Forwarded-Host'] },
  ]);

  it('uses headers only when the peer is trusted', () => {
    const h: Array<[string, string]> = [['X-Forwarded-For', '203.0.113.5, 10.0.0.2'], ['X-Forwarded-Host', 'shop.example.com']];
    expect(r.resolve('10.0.0.2', h)).toEqual({ clientIp: '203.0.113.5', host: 'shop.example.com' });
    expect(r.resolve('::1', h).clientIp).toBe('203.0.113.5');
    expect(r.resolve('198.51.100.1', h)).toEqual({ clientIp: '198.51.100.1', host: null });
  });

  it('takes the first header in the list order, the first address, strips ports', () => {
    expect(r.resolve('10.0.0.2', [['X-Forwarded-For', '203.0.113.5'], ['X-Real-IP', '192.0.2.9']]).clientIp).toBe('192.0.2.9');
    expect(r.resolve('10.0.0.2', [['x-forwarded-for', '[2001:db8::7]:443, 10.0.0.1']]).clientIp).toBe('2001:db8::7');
    expect(r.resolve('10.0.0.2', [['x-forwarded-for', '198.51.100.3:5555']]).clientIp).toBe('198.51.100.3');
    expect(r.resolve('10.0.0.2', [['x-forwarded-for', 'garbage']]).clientIp).toBe('10.0.0.2');
    expect(r.resolve('::ffff:10.0.0.2', []).clientIp).toBe('10.0.0.2');
  });

  it('requires trusted_networks', () => {
    expect(() => new RealIpResolver([{ real_ip: ['X-Real-IP'] }])).toThrow(/trusted_networks/);
  });
});
