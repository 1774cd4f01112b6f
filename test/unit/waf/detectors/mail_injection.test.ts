import { describe, it, expect } from 'vitest';
import { mail_injection } from '../../../../src/waf/detectors/mail_injection.js';
import { GET, POST_JSON } from './helpers.js';

const stamp = (v: string, c = GET) => mail_injection.detect(v, c)?.stamp ?? null;

describe('mail_injection detector', () => {
  it('has the right type', () => expect(mail_injection.type).toBe('mail_injection'));
  it.each([
    ['me@example.com\r\nRCPT TO:<victim@example.net>', 'mail_injection:smtp'],
    ['x\nMAIL FROM: a@b.c', 'mail_injection:smtp'],
    ['subject\r\nDATA\r\nspam\r\n.\r\nQUIT', 'mail_injection:smtp'],
    ['INBOX\r\nZ9 LOGIN admin secret', 'mail_injection:imap'],
    ['1\r\nb2 FETCH 1:* (BODY[])', 'mail_injection:imap'],
    ['x\r\nUSER root', 'mail_injection:pop3'],
    ['hello\r\nBcc: list@victims.example', 'mail_injection:header'],
    ['x%0d%0aCc:%20a@b.example', 'mail_injection:header'],
  ])('%s', (v, s) => expect(stamp(v)).toBe(s));
  it('recipient injection in a body field', () => {
    expect(stamp('hi\nBcc: x@evil.example', POST_JSON)).toBe('mail_injection:header');
  });
  it.each([
    ['"attacker\\" -oQ/tmp/ -X/var/www/cache/phpcode.php some"@example.com', POST_JSON],
    ['nobody@example.com -OQueueDirectory=/tmp -X/var/www/html/shell.php', GET],
    ['a@example.com -C/tmp/evil.cf', GET],
    ['x@example.org -be ${run{/bin/id}}', POST_JSON],
    ['"x\\" -X/srv/www/log.php y"@example.net', GET],
  ])('sendmail arguments: %s', (v, c) => expect(stamp(v, c)).toBe('mail_injection:sendmail-args'));
  it.each([
    'john.smith@example.com',
    'Please email me at a@b.com -Xavier',
    'bob@example.com -Xmas party list',
    'jane@example.com - thanks!',
    'sendmail -t -oi < message.txt',
  ])('address look-alikes pass: %s', (v) => expect(stamp(v, POST_JSON)).toBeNull());
  it.each([
    'test@example.com,attacker@example.net\r\nSubject: pwned',
    'test@example.com,attacker@example.net%0D%0ASubject:%20pwned',
    'Jane <jane@example.com>; bob@example.net\nReply-To: x@evil.example',
    'john@example.com\r\nCc:\r\n bulk@example.net',
    'x@example.com\r\nBcc:\r\n\tz@example.net',
    '\r\nSubject: test\r\nBcc: a@example.net',
    'victim@example.com\r\nX-Mailer: spam',
  ])('header injection in a body field: %s', (v) => expect(stamp(v, POST_JSON)).toBe('mail_injection:header'));
  it('POP3 in a body needs a second protocol line', () => {
    expect(stamp('x\r\nUSER bob\r\nPASS secret', POST_JSON)).toBe('mail_injection:pop3');
    expect(stamp('1\r\nSTAT\r\nRETR 1', POST_JSON)).toBe('mail_injection:pop3');
    expect(stamp('FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nEXPOSE 3000\nUSER node\nCMD ["node", "server.js"]', POST_JSON)).toBeNull();
  });
  it.each([
    'From: Jane Doe <jane.doe@example.com>\nTo: team@example.com\nSubject: Minutes\nContent-Type: text/plain',
    'Hello support,\n\nI received this email. Headers below:\n\nReceived: from mail.example.org\nTo: jane@example.net\nSubject: Re: Invoice',
    'BEGIN:VCALENDAR\nVERSION:2.0\nORGANIZER;CN=Jane:mailto:jane@example.com\nEND:VCALENDAR',
  ])('messages and pastes pass: %s', (v) => {
    expect(stamp(v, POST_JSON)).toBeNull();
    expect(stamp(v, GET)).toBeNull();
  });
  it('stays linear on long adversarial input', () => {
    const t0 = performance.now();
    for (const v of ['a@b ' + '-X'.repeat(50_000), 'x\n'.repeat(50_000), 'a@b.c,'.repeat(20_000) + '\nSubject: x', '"' + ' -X/'.repeat(100) + '"@e.com']) {
      stamp(v, POST_JSON);
      stamp(v, GET);
    }
    expect(performance.now() - t0).toBeLessThan(500);
  });
  it.each([
    'Hello\nPlease quit smoking\nThanks',
    'Line 1\nSubject: the meeting\nBye',
    'to: whom it may concern',
    'I will LOGIN later',
    'RCPT TO: is an SMTP command',
  ])('passes %s', (v) => expect(stamp(v, POST_JSON)).toBeNull());
});
