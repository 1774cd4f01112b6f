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
    'Hello\nPlease quit smoking\nThanks',
    'Line 1\nSubject: the meeting\nBye',
    'to: whom it may concern',
    'I will LOGIN later',
    'RCPT TO: is an SMTP command',
  ])('passes %s', (v) => expect(stamp(v, POST_JSON)).toBeNull());
});
