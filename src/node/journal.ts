// Append-only journal of checksummed lines: "<crc32 hex8> <json>\n". Replay stops trusting a line whose
// checksum fails; a torn tail (the last line cut by a crash) is dropped and the file truncated to the last
// good line. Size cap with rotation: <name> → <name>.1 → ... → <name>.<maxFiles-1>.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

export interface JournalOptions {
  /** Rotate when the current file would exceed this many bytes (default 64 MiB). */
  maxBytes?: number;
  /** Files kept including the current one (default 3). */
  maxFiles?: number;
  /** Buffered lines are written at most this often (ms, default 100). */
  flushMs?: number;
  fsync?: boolean;
}

export interface ReplayStats {
  lines: number;
  corrupt: number;
  tornTail: boolean;
}

export function encodeLine(record: unknown): string {
  const json = JSON.stringify(record);
  const crc = zlib.crc32(json) >>> 0;
  return crc.toString(16).padStart(8, '0') + ' ' + json + '\n';
}

/** Decode one line (without its newline); null when the checksum or JSON is bad. */
export function decodeLine(line: string): unknown {
  if (line.length < 10 || line[8] !== ' ') return null;
  const json = line.slice(9);
  const crc = parseInt(line.slice(0, 8), 16);
  if (!Number.isFinite(crc) || (zlib.crc32(json) >>> 0) !== crc) return null;
  try { return JSON.parse(json); } catch { return null; }
}

export class Journal {
  private fd: number | null = null;
  private size = 0;
  private buf: string[] = [];
  private bufBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly maxBytes: number;
  private readonly maxFiles: number;
  private readonly flushMs: number;
  private readonly fsync: boolean;
  /** Write errors seen (the caller's metrics read it). */
  errors = 0;
  onError: ((err: unknown) => void) | null = null;

  constructor(readonly file: string, opts: JournalOptions = {}) {
    this.maxBytes = Math.max(4096, opts.maxBytes ?? 64 * 1024 * 1024);
    this.maxFiles = Math.max(1, opts.maxFiles ?? 3);
    this.flushMs = opts.flushMs ?? 100;
    this.fsync = opts.fsync ?? false;
  }

  /** Read every file (oldest first), calling `each` per good record; then open the current file for appending. */
  open(each: (rec: unknown) => void): ReplayStats {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const stats: ReplayStats = { lines: 0, corrupt: 0, tornTail: false };
    for (let i = this.maxFiles - 1; i >= 1; i--) this.replayFile(`${this.file}.${i}`, each, stats, false);
    this.replayFile(this.file, each, stats, true);
    this.fd = fs.openSync(this.file, 'a');
    this.size = fs.fstatSync(this.fd).size;
    return stats;
  }

  private replayFile(file: string, each: (rec: unknown) => void, stats: ReplayStats, current: boolean): void {
    let data: Buffer;
    try { data = fs.readFileSync(file); } catch { return; }
    let pos = 0;
    let goodEnd = 0;
    while (pos < data.length) {
      const nl = data.indexOf(10, pos);
      if (nl < 0) {
        // No newline: the write was cut short.
        stats.tornTail = true;
        break;
      }
      const rec = decodeLine(data.toString('utf8', pos, nl));
      pos = nl + 1;
      if (rec === null) {
        stats.corrupt++;
        // A bad last line is a torn tail too; drop it rather than leave garbage to append after.
        if (pos >= data.length) { stats.tornTail = true; break; }
        continue;
      }
      goodEnd = pos;
      stats.lines++;
      try { each(rec); } catch { stats.corrupt++; }
    }
    if (current && goodEnd < data.length && stats.tornTail) fs.truncateSync(file, goodEnd);
  }

  append(record: unknown): void {
    const line = encodeLine(record);
    this.buf.push(line);
    this.bufBytes += line.length;
    if (this.bufBytes >= 64 * 1024) this.flush();
    else if (!this.timer && this.fd !== null) {
      this.timer = setTimeout(() => { this.timer = null; this.flush(); }, this.flushMs);
      this.timer.unref();
    }
  }

  flush(): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (this.fd === null || this.buf.length === 0) return;
    const data = Buffer.from(this.buf.join(''), 'utf8');
    this.buf = [];
    this.bufBytes = 0;
    try {
      if (this.size > 0 && this.size + data.length > this.maxBytes) this.rotate();
      fs.writeSync(this.fd!, data);
      this.size += data.length;
      if (this.fsync) fs.fsyncSync(this.fd!);
    } catch (e) {
      this.errors++;
      this.onError?.(e);
    }
  }

  private rotate(): void {
    fs.closeSync(this.fd!);
    this.fd = null;
    for (let i = this.maxFiles - 1; i >= 1; i--) {
      const from = i === 1 ? this.file : `${this.file}.${i - 1}`;
      try {
        if (i === this.maxFiles - 1) fs.rmSync(`${this.file}.${i}`, { force: true });
        if (this.maxFiles > 1) fs.renameSync(from, `${this.file}.${i}`);
      } catch { /* missing file */ }
    }
    if (this.maxFiles === 1) fs.truncateSync(this.file, 0);
    this.fd = fs.openSync(this.file, 'a');
    this.size = 0;
  }

  close(): void {
    this.flush();
    if (this.fd !== null) {
      try { fs.closeSync(this.fd); } catch { /* already closed */ }
      this.fd = null;
    }
  }
}
