/**
 * Mail (SMTP / IMAP / POP3) command and header injection.
 *
 * A line break in a value that ends up in a mail conversation lets the attacker start a new
 * protocol line. Flags lines (after a CR/LF inside the value) that are protocol commands: SMTP
 * `MAIL FROM:` / `RCPT TO:` / `DATA` / `QUIT` / `HELO x`, IMAP `<tag> <COMMAND>` (`A1 LOGIN`,
 * `V100 CAPABILITY`, `x FETCH 1:* ...`), POP3 `USER` / `PASS` / `RETR n`; and mail header lines
 * that add recipients (`Bcc: a@b`) or rewrite the message (`Content-Type:`) outside request bodies.
 * Commands are matched in their canonical upper case, so ordinary multi-line prose passes.
 */
import type { Detector, DetectorMatch, DetectContext } from '../types.js';
import { F, charFlags, excerpt, percentDecodeDeep } from '../lexers/text.js';

const SMTP_LINE = /^(?:(?:MAIL\s+FROM|RCPT\s+TO)\s*:|(?:HELO|EHLO|VRFY|EXPN|AUTH)\s+\S|(?:DATA|QUIT|RSET|NOOP|TURN|STARTTLS)\s*$)/i;
const IMAP_LINE = /^[A-Za-z0-9.]{1,12} (?:CAPABILITY|LOGIN|LOGOUT|SELECT|EXAMINE|CREATE|DELETE|RENAME|SUBSCRIBE|UNSUBSCRIBE|LIST|LSUB|STATUS|APPEND|CHECK|CLOSE|EXPUNGE|SEARCH|FETCH|STORE|COPY|MOVE|UID|NOOP|AUTHENTICATE|STARTTLS|IDLE|NAMESPACE|GETACL|SETACL|ENABLE)\b/;
const POP3_LINE = /^(?:USER|PASS|RETR|DELE|STAT|UIDL|APOP|TOP)(?:\s+\S|\s*$)/;
const MAIL_HEADER = /^(?:to|cc|bcc|from|reply-to|sender|return-path)\s*:\s*[^\s@]*@|^(?:subject|content-type|content-transfer-encoding|mime-version|x-mailer)\s*:/i;

function check(v: string, inBody: boolean): { stamp: string; s: number; e: number } | null {
  let i = v.search(/[\r\n]/);
  let guard = 0;
  while (i >= 0 && guard++ < 512) {
    let j = i;
    while (j < v.length && (v.charCodeAt(j) === 10 || v.charCodeAt(j) === 13)) j++;
    let e = j;
    while (e < v.length && v.charCodeAt(e) !== 10 && v.charCodeAt(e) !== 13 && e - j < 256) e++;
    const line = v.slice(j, e);
    if (line.length > 0) {
      if (SMTP_LINE.test(line) && (line === line.toUpperCase() || /^(?:MAIL|RCPT)/i.test(line))) return { stamp: 'mail_injection:smtp', s: i, e };
      if (IMAP_LINE.test(line)) return { stamp: 'mail_injection:imap', s: i, e };
      if (POP3_LINE.test(line)) return { stamp: 'mail_injection:pop3', s: i, e };
      if (MAIL_HEADER.test(line) && (!inBody || /^(?:b?cc|to)\s*:/i.test(line))) return { stamp: 'mail_injection:header', s: i, e };
    }
    const nx = v.slice(e).search(/[\r\n]/);
    i = nx < 0 ? -1 : e + nx;
  }
  return null;
}

export const mail_injection: Detector = {
  type: 'mail_injection',
  description: 'SMTP/IMAP/POP3 injection: a line break followed by a mail protocol command or recipient header',
  detect(value: string, ctx: DetectContext): DetectorMatch | null {
    if (value.length < 5) return null;
    const flags = charFlags(value);
    const inBody = ctx.root === 'post';
    if (flags & F.NEWLINE) {
      const r = check(value, inBody);
      if (r) return { stamp: r.stamp, payload: excerpt(value, r.s, r.e) };
    }
    if (flags & F.PERCENT && /%(?:25)*0[ad]/i.test(value)) {
      const d = percentDecodeDeep(value, 3);
      const r = check(d, inBody);
      if (r) return { stamp: r.stamp, payload: excerpt(d, r.s, r.e) };
    }
    return null;
  },
};
