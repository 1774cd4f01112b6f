// Kong's log files under the prefix: logs/access.log (nginx's combined format with Kong's request id),
// logs/admin_access.log, and logs/error.log (every process log line, as text). They are written beside
// stdout so `tail -f $KONG_PREFIX/logs/*.log` works as it does with Kong.
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';

type Destination = ReturnType<typeof pino.destination>;

/** Resolve a Kong log setting: off, /dev/stdout, /dev/stderr, or a path (relative to the prefix). */
export function logTarget(value: string | null | undefined, prefix: string): string | number | null {
  const v = (value ?? '').trim();
  if (v === '' || v === 'off') return null;
  if (v === '/dev/stdout') return 1;
  if (v === '/dev/stderr') return 2;
  return path.resolve(prefix, v);
}

/** An append-only log file written off the request path (buffered, flushed on close). */
export class LogFile {
  /** null when the file cannot be opened: lines are dropped rather than failing the gateway. */
  private readonly dest: Destination | null;

  constructor(target: string | number) {
    const fd = typeof target === 'number' ? target : openForAppend(target);
    this.dest = fd === null ? null : pino.destination({ fd, sync: false });
    // a full disk or a removed folder must not take the gateway down
    this.dest?.on('error', () => {});
  }

  write(line: string): void {
    this.dest?.write(line);
  }

  close(): Promise<void> {
    const dest = this.dest;
    if (!dest) return Promise.resolve();
    // end() writes what is buffered after the write in flight (flushSync would overtake it) and then
    // closes the file; a destination that never closes (a broken disk) is not waited for long.
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 2000);
      timer.unref();
      dest.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      dest.end();
    });
  }
}

/**
 * The file opened now, so the destination is ready at once (one still opening when the process exits
 * makes pino's exit flush throw); null when it cannot be opened.
 */
function openForAppend(file: string): number | null {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    return fs.openSync(file, 'a');
  } catch {
    return null;
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => (n < 10 ? '0' + n : String(n));

/** nginx's $time_local: 02/Dec/2026:06:30:00 +0000 */
export function timeLocal(d: Date): string {
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const a = Math.abs(off);
  return `${pad(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${sign}${pad(Math.floor(a / 60))}${pad(a % 60)}`;
}

export interface AccessEntry {
  remoteAddr: string;
  remoteUser?: string | null;
  time: Date;
  /** The request line: method, target (query already redacted), protocol. */
  request: string;
  status: number;
  bytesSent: number;
  referer?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
}

// nginx escapes " and \ and non-printable bytes in variables as \xHH
function esc(v: string | null | undefined): string {
  if (!v) return '-';
  return v.replace(/[\x00-\x1f"\\\x7f-\uffff]/g, (c) => {
    const code = c.charCodeAt(0);
    return code > 0xff ? c : '\\x' + code.toString(16).toUpperCase().padStart(2, '0');
  });
}

/** Kong's default `kong_log_format`: combined plus kong_request_id. */
export function kongAccessLine(e: AccessEntry): string {
  return `${e.remoteAddr} - ${esc(e.remoteUser)} [${timeLocal(e.time)}] "${esc(e.request)}" ${e.status} ${e.bytesSent} "${esc(e.referer)}" "${esc(e.userAgent)}" kong_request_id: "${esc(e.requestId)}"\n`;
}

/**
 * The query of a logged request target with credential-bearing parameters masked: the key names of
 * key-auth and jwt plugins, and common secret names. Matching is case-insensitive, as those plugins match.
 */
export function redactTarget(target: string, names: ReadonlySet<string>): string {
  const q = target.indexOf('?');
  if (q < 0 || names.size === 0) return target;
  const parts = target.slice(q + 1).split('&');
  let changed = false;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const eq = p.indexOf('=');
    if (eq <= 0) continue;
    let name: string;
    try {
      name = decodeURIComponent(p.slice(0, eq).replace(/\+/g, ' ')).toLowerCase();
    } catch {
      name = p.slice(0, eq).toLowerCase();
    }
    if (names.has(name)) {
      parts[i] = p.slice(0, eq + 1) + 'REDACTED';
      changed = true;
    }
  }
  return changed ? target.slice(0, q + 1) + parts.join('&') : target;
}

const LEVEL_NAMES: Record<number, string> = { 10: 'debug', 20: 'debug', 30: 'info', 35: 'notice', 40: 'warn', 50: 'error', 55: 'crit', 57: 'alert', 59: 'emerg', 60: 'emerg' };
const OMIT = new Set(['level', 'time', 'pid', 'msg', 'hostname']);

function nginxTime(d: Date): string {
  return `${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A pino stream that writes nginx-style error.log lines: `2026/12/02 06:30:00 [notice] 42#0: message {fields}`. */
export function errorLogStream(file: LogFile): Writable {
  return new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      for (const line of String(chunk).split('\n')) {
        if (!line) continue;
        let o: Record<string, unknown>;
        try {
          o = JSON.parse(line);
        } catch {
          file.write(line + '\n');
          continue;
        }
        const rest: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(o)) if (!OMIT.has(k)) rest[k] = v;
        const extra = Object.keys(rest).length ? ' ' + JSON.stringify(rest) : '';
        const level = LEVEL_NAMES[o.level as number] ?? 'info';
        file.write(`${nginxTime(new Date(Number(o.time) || Date.now()))} [${level}] ${o.pid ?? process.pid}#0: ${String(o.msg ?? '')}${extra}\n`);
      }
      cb();
    },
  });
}

/** Folders for the configured files exist before anything writes (Kong creates logs/ in the prefix). */
export function ensureLogDir(target: string | number | null): void {
  if (typeof target === 'string') fs.mkdirSync(path.dirname(target), { recursive: true });
}
