import { describe, it, expect } from 'vitest';
import { classifyHost, findUrls, parseIPv4 } from '../../../../src/waf/lexers/url.js';

describe('URL / host lexer', () => {
  it('parses IPv4 in every inet_aton spelling', () => {
    expect(parseIPv4('127.0.0.1')).toEqual({ ip: [127, 0, 0, 1], odd: false });
    expect(parseIPv4('2130706433')!.ip).toEqual([127, 0, 0, 1]);
    expect(parseIPv4('0x7f000001')!.ip).toEqual([127, 0, 0, 1]);
    expect(parseIPv4('0177.1')!.ip).toEqual([127, 0, 0, 1]);
    expect(parseIPv4('10.1')!.ip).toEqual([10, 0, 0, 1]);
    expect(parseIPv4('example.com')).toBeNull();
    expect(parseIPv4('1.2.3.4.5')).toBeNull();
    expect(parseIPv4('300.1.1.1')).toBeNull();
  });
  it('classifies hosts', () => {
    expect(classifyHost('169.254.169.254').cls).toBe('metadata');
    expect(classifyHost('[::1]').cls).toBe('loopback');
    expect(classifyHost('[::ffff:10.0.0.1]').cls).toBe('private');
    expect(classifyHost('[fd00:ec2::254]').cls).toBe('metadata');
    expect(classifyHost('sub.localhost').cls).toBe('loopback');
    expect(classifyHost('10.0.0.7.nip.io').cls).toBe('private');
    expect(classifyHost('svc.ns.svc.cluster.local').cls).toBe('private');
    expect(classifyHost('www.example.com').cls).toBeNull();
    expect(classifyHost('8.8.8.8').cls).toBeNull();
  });
  it('finds URLs and strips userinfo and ports', () => {
    const [u] = findUrls('see https://a:b@Host.Example:8443/x?y');
    expect(u).toMatchObject({ scheme: 'https', host: 'host.example' });
    expect(findUrls('x http://[::1]:80/ y')[0]!.host).toBe('[::1]');
    expect(findUrls('http://\u2460\u2461\u2466.0.0.1/')[0]!.host).toBe('127.0.0.1');
  });
});
