import { describe, expect, it } from 'vitest';
import { ipMatcher, parseCidr, parseIp } from '../../../src/plugins/shared/ip.js';
import { compilePcre, isRegex } from '../../../src/plugins/shared/regex.js';
import { isBot } from '../../../src/plugins/bot-detection/handler.js';
import { BOT_RULES } from '../../../src/plugins/bot-detection/rules.js';
import { atLeastOneOf, conditional, onlyOneOf, renameShorthand } from '../../../src/plugins/shared/checks.js';

describe('ip matching', () => {
  it('matches IPv4 addresses and CIDR ranges', () => {
    const m = ipMatcher(['10.0.0.0/8', '192.168.1.7', '172.16.0.0/12']);
    expect(m('10.1.2.3')).toBe(true);
    expect(m('192.168.1.7')).toBe(true);
    expect(m('192.168.1.8')).toBe(false);
    expect(m('172.31.255.255')).toBe(true);
    expect(m('172.32.0.0')).toBe(false);
    expect(m('::ffff:10.9.9.9')).toBe(true);
    expect(m('not-an-ip')).toBe(false);
  });

  it('matches IPv6 ranges and keeps the families apart', () => {
    const m = ipMatcher(['2001:db8::/32', '::1']);
    expect(m('2001:db8:1::5')).toBe(true);
    expect(m('2001:db9::1')).toBe(false);
    expect(m('::1')).toBe(true);
    expect(m('127.0.0.1')).toBe(false);
    expect(parseIp('::ffff:1.2.3.4')).toEqual({ family: 4, bytes: Uint8Array.from([1, 2, 3, 4]) });
    expect(parseIp('1:2:3:4:5:6:1.2.3.4')!.bytes.slice(12)).toEqual(Uint8Array.from([1, 2, 3, 4]));
    expect(parseCidr('10.0.0.0/33')).toBeNull();
    expect(parseCidr('0.0.0.0/0')!.bits).toBe(0);
    expect(ipMatcher(['0.0.0.0/0'])('8.8.8.8')).toBe(true);
  });
});

describe('regexes and bot rules', () => {
  it('compiles every Kong bot rule', () => {
    for (const r of BOT_RULES) expect(compilePcre(r), r).not.toBeNull();
  });

  it('recognises bots and lets browsers and curl through', () => {
    expect(isBot('Googlebot/2.1 (+http://www.google.com/bot.html)')).toBe(true);
    expect(isBot('Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)')).toBe(true);
    expect(isBot('facebookexternalhit/1.1')).toBe(true);
    expect(isBot('Twitterbot/1.0')).toBe(true);
    expect(isBot('Apache-HttpClient/4.5')).toBe(true);
    expect(isBot('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36')).toBe(false);
    expect(isBot('curl/8.4.0')).toBe(false);
  });

  it('treats PCRE inline flags and reports invalid patterns', () => {
    expect(compilePcre('(?i)hello')!.test('HELLO')).toBe(true);
    expect(isRegex('[a-')).toBe(false);
    expect(isRegex('*')).toBe(false);
  });
});

describe('entity checks', () => {
  it("builds Kong's messages", () => {
    expect(atLeastOneOf('config.allow', 'config.deny')({ config: { allow: [], deny: null } }, { op: 'insert' })).toEqual({
      '@entity': ["at least one of these fields must be non-empty: 'config.allow', 'config.deny'"],
    });
    expect(onlyOneOf('config.allow', 'config.deny')({ config: { allow: ['a'], deny: ['b'] } }, { op: 'insert' })).toEqual({
      '@entity': ["only one of these fields must be non-empty: 'config.allow', 'config.deny'"],
    });
    const cond = conditional('config.max', (v) => v > 0, 'config.claims', (v) => (v.includes('exp') ? undefined : 'expected to contain: exp'));
    expect(cond({ config: { max: 5, claims: ['nbf'] } }, { op: 'insert' })).toEqual({
      '@entity': ["failed conditional validation given value of field 'config.max'"],
      config: { claims: 'expected to contain: exp' },
    });
    expect(cond({ config: { max: 0, claims: ['nbf'] } }, { op: 'insert' })).toBeUndefined();
    expect(renameShorthand({ whitelist: 'allow' })({ whitelist: ['x'] })).toEqual({ allow: ['x'] });
  });
});
