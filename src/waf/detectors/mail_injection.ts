/**
 * Mail (SMTP / IMAP / POP3) command and header injection, sendmail argument injection.
 *
 * A line break in a value that ends up in a mail conversation lets the attacker start a new
 * protocol line. Flags lines (after a CR/LF inside the value) that are protocol commands: SMTP
 * `MAIL FROM:` / `RCPT TO:` / `DATA` / `QUIT` / `HELO x`, IMAP `<tag> <COMMAND>` (`A1 LOGIN`,
 * `V100 CAPABILITY`, `x FETCH 1:* ...`), POP3 `USER x` / `PASS x` / `RETR n` (a second protocol
 * line, or outside bodies the line right after the first break: multi-line text is ordinary and a
 * Dockerfile says `USER node`). Commands are matched in their canonical upper case, so ordinary
 * multi-line prose passes.
 *
 * Header injection: the line right after the first break is a mail header (folded continuation
 * lines unfolded): `x@example.com\r\nBcc: ...`, `\r\nSubject: ...`. Recipient headers count
 * everywhere; other headers (Subject, Content-Type, Reply-To...) in bodies only after an address or
 * address list — the field the attacker broke out of. A value whose first line is itself a header is
 * a pasted or uploaded message, not an injection.
 *
 * Sendmail arguments: an address-shaped value carrying sendmail options after a blank (PHPMailer /
 * mail() `-f` injection): `-X/path` (log file), `-C/path` (config), `-O Name=`, `-oQ/path`, `-be`.
 */
import type { Detector, DetectorMatch, DetectContext } from '../types.js';
import { F, HEADER_LINE, charFlags, excerpt, percentDecodeDeep } from '../lexers/text.js';

const SMTP_LINE = /^(?:(?:MAIL\s+FROM|RCPT\s+TO)\s*:|(?:HELO|EHLO|VRFY|EXPN|AUTH)\s+\S|(?:DATA|QUIT|RSET|NOOP|TURN|STARTTLS)\s*$)/i;
const IMAP_LINE = /^[A-Za-z0-9.]{1,12} (?:CAPABILITY|LOGIN|LOGOUT|SELECT|EXAMINE|CREATE|DELETE|RENAME|SUBSCRIBE|UNSUBSCRIBE|LIST|LSUB|STATUS|APPEND|CHECK|CLOSE|EXPUNGE|SEARCH|FETCH|STORE|COPY|MOVE|UID|NOOP|AUTHENTICATE|STARTTLS|IDLE|NAMESPACE|GETACL|SETACL|ENABLE)\b/;
/** POP3 commands with the arguments they take. */
const POP3_LINE = /^(?:(?:USER|PASS) [^\s]+|(?:RETR|DELE|LIST) \d+|TOP \d+ \d+|STAT|UIDL(?: \d+)?|APOP [^\s]+ [0-9a-fA-F]{32})\s*$/;
const RECIPIENT_HEADER = /^(?:to|cc|bcc)\s*:\s*[^\s@]*@/i;
const MAIL_HEADER = /^(?:from|reply-to|sender|return-path)\s*:\s*[^\s@]*@|^(?:subject|content-type|content-transfer-encoding|mime-version|x-mailer|x-priority|disposition-notification-to)\s*:/i;
const ADDRESS = /^(?:[^<>@]*<)?[^\s@<>]+@[^\s@<>]+>?$/;

/** One address or a list of them, optionally with display names (`Jane <jane@example.com>, bob@example.net`). */
function isAddressList(s: string): boolean {
  if (s.length > 1024 || s.indexOf('@') < 0) return false;
  const parts = s.split(/[,;]/);
  return parts.length <= 32 && parts.every((p) => ADDRESS.test(p.trim()));
}

function isBreak(c: number): boolean {
  return c === 10 || c === 13;
}

function nextBreak(v: string, from: number): number {
  for (let k = from; k < v.length; k++) if (isBreak(v.charCodeAt(k))) return k;
  return -1;
}

/** End of the line starting at i (the next CR/LF or the end). */
function lineEnd(v: string, i: number): number {
  let e = i;
  while (e < v.length && !isBreak(v.charCodeAt(e)) && e - i < 512) e++;
  return e;
}

/** The line starting at i with folded continuation lines (starting with a blank) appended. */
function unfolded(v: string, i: number): string {
  let e = lineEnd(v, i);
  let line = v.slice(i, e);
  for (let k = 0; k < 4; k++) {
    let j = e;
    while (j < v.length && isBreak(v.charCodeAt(j))) j++;
    const c = v.charCodeAt(j);
    if (j === e || (c !== 32 && c !== 9)) break;
    e = lineEnd(v, j);
    line += ' ' + v.slice(j, e).trim();
  }
  return line;
}

function headerInjection(v: string, first: number, inBody: boolean): { stamp: string; s: number; e: number } | null {
  const l0 = v.slice(0, first).trim();
  if (HEADER_LINE.test(l0)) return null;
  let j = first;
  while (j < v.length && isBreak(v.charCodeAt(j))) j++;
  const l1 = unfolded(v, j);
  if (RECIPIENT_HEADER.test(l1)) return { stamp: 'mail_injection:header', s: first, e: j + 40 };
  if (MAIL_HEADER.test(l1) && (!inBody || l0 === '' || isAddressList(l0))) return { stamp: 'mail_injection:header', s: first, e: j + 40 };
  return null;
}

function check(v: string, inBody: boolean): { stamp: string; s: number; e: number } | null {
  const first = nextBreak(v, 0);
  if (first < 0) return null;
  let i = first;
  let pop3: { s: number; e: number } | null = null;
  let protocolLines = 0;
  let guard = 0;
  while (i >= 0 && guard++ < 512) {
    let j = i;
    while (j < v.length && isBreak(v.charCodeAt(j))) j++;
    const e = lineEnd(v, j);
    const line = v.slice(j, e);
    if (line.length > 0) {
      if (SMTP_LINE.test(line) && (line === line.toUpperCase() || /^(?:MAIL|RCPT)/i.test(line))) return { stamp: 'mail_injection:smtp', s: i, e };
      if (IMAP_LINE.test(line)) return { stamp: 'mail_injection:imap', s: i, e };
      if (POP3_LINE.test(line)) {
        protocolLines++;
        pop3 ??= { s: i, e };
        if ((!inBody && i === first) || protocolLines >= 2) return { stamp: 'mail_injection:pop3', s: pop3.s, e };
      }
    }
    i = nextBreak(v, e);
  }
  return headerInjection(v, first, inBody);
}

/** Sendmail options a mail() / PHPMailer sender argument lets through: log file, config, queue, expansion. */
const SENDMAIL_OPT = /(?:^|[\s"'])-(?:[XC]\s*[/\\.~\w]*[/\\]|O\s*[A-Za-z]+=|o[A-Z]\S|b[ehs](?:\s|$))/;

/** An address-shaped value (leading address, or a quoted local part ending in `"@domain`) with sendmail options. */
function sendmailArgs(v: string): number {
  const t = v.trim();
  if (t.length > 512) return -1;
  const addressFirst = /^[^\s@"]{1,64}@[A-Za-z0-9.-]{1,255}\s/.test(t);
  const quotedLocal = t.charCodeAt(0) === 34 && /"@[A-Za-z0-9.-]{1,255}>?$/.test(t);
  if (!addressFirst && !quotedLocal) return -1;
  const m = SENDMAIL_OPT.exec(t);
  return m ? m.index : -1;
}

export const mail_injection: Detector = {
  type: 'mail_injection',
  description: 'Mail injection: a line break followed by a mail protocol command or header, sendmail options in an address',
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
    if (flags & F.AT && flags & F.DASH && flags & F.SPACE) {
      const at = sendmailArgs(value);
      if (at >= 0) return { stamp: 'mail_injection:sendmail-args', payload: excerpt(value, at, at + 40) };
    }
    return null;
  },
};
