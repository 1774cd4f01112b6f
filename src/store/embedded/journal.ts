// Durable storage for the embedded store: a snapshot plus an append-only journal.
// Every write is one journal line "<crc32 hex> <json>\n", fsynced before the caller hears 2xx.
// A torn or corrupted tail (a crash mid-write) fails its checksum and is dropped at load.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Op, Row } from '../tables.js';

export interface JournalRecord {
  seq: number;
  ops: Op[];
}

export interface LoadedState {
  tables: Record<string, Row[]>;
  seq: number;
  /** Lines dropped from the journal tail because they were torn or corrupt. */
  dropped: number;
  journalRecords: number;
}

const SNAPSHOT = 'snapshot.json';
const JOURNAL = 'journal.log';

function crc(text: string): string {
  return zlib.crc32(text).toString(16).padStart(8, '0');
}

export class Journal {
  readonly dir: string;
  private fh: fs.promises.FileHandle | null = null;
  private seq = 0;
  private records = 0;
  private readonly fsync: boolean;

  constructor(dir: string, opts: { fsync?: boolean } = {}) {
    this.dir = dir;
    this.fsync = opts.fsync ?? true;
  }

  /** Read snapshot and journal; repair a torn tail by truncating it. */
  load(): LoadedState {
    fs.mkdirSync(this.dir, { recursive: true });
    let tables: Record<string, Row[]> = {};
    let seq = 0;
    const snapPath = path.join(this.dir, SNAPSHOT);
    if (fs.existsSync(snapPath)) {
      const text = fs.readFileSync(snapPath, 'utf8');
      const snap = JSON.parse(text) as { seq: number; tables: Record<string, Row[]> };
      tables = snap.tables;
      seq = snap.seq;
    }
    const journalPath = path.join(this.dir, JOURNAL);
    const byId = new Map<string, Map<string, Row>>();
    for (const [entity, rows] of Object.entries(tables)) byId.set(entity, new Map(rows.map((r) => [r.id, r])));
    let dropped = 0;
    let records = 0;
    if (fs.existsSync(journalPath)) {
      const buf = fs.readFileSync(journalPath);
      let pos = 0;
      let goodEnd = 0;
      while (pos < buf.length) {
        const nl = buf.indexOf(10, pos);
        if (nl < 0) {
          dropped++;
          break;
        }
        const line = buf.toString('utf8', pos, nl);
        const sp = line.indexOf(' ');
        const json = line.slice(sp + 1);
        if (sp !== 8 || crc(json) !== line.slice(0, 8)) {
          dropped++;
          break;
        }
        const rec = JSON.parse(json) as JournalRecord;
        if (rec.seq > seq) {
          for (const op of rec.ops) {
            let m = byId.get(op.entity);
            if (!m) byId.set(op.entity, (m = new Map()));
            if (op.op === 'put') m.set(op.row.id, op.row);
            else m.delete(op.id);
          }
          seq = rec.seq;
        }
        records++;
        pos = nl + 1;
        goodEnd = pos;
      }
      if (goodEnd < buf.length) fs.truncateSync(journalPath, goodEnd);
    }
    this.seq = seq;
    this.records = records;
    const out: Record<string, Row[]> = {};
    for (const [entity, m] of byId) out[entity] = [...m.values()];
    return { tables: out, seq, dropped, journalRecords: records };
  }

  async open(): Promise<void> {
    this.fh = await fs.promises.open(path.join(this.dir, JOURNAL), 'a');
  }

  get recordCount(): number {
    return this.records;
  }

  async append(ops: Op[]): Promise<void> {
    if (!this.fh) await this.open();
    const rec: JournalRecord = { seq: this.seq + 1, ops };
    const json = JSON.stringify(rec);
    await this.fh!.write(`${crc(json)} ${json}\n`);
    if (this.fsync) await this.fh!.datasync();
    this.seq = rec.seq;
    this.records++;
  }

  /** Write a full snapshot (tmp + fsync + rename), then start an empty journal. */
  async compact(tables: Record<string, Row[]>): Promise<void> {
    const snapPath = path.join(this.dir, SNAPSHOT);
    const tmp = snapPath + '.tmp';
    const fh = await fs.promises.open(tmp, 'w');
    try {
      await fh.write(JSON.stringify({ seq: this.seq, tables }));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.promises.rename(tmp, snapPath);
    await syncDir(this.dir);
    // The snapshot now holds every record up to seq: the journal can restart empty.
    if (this.fh) await this.fh.close();
    this.fh = await fs.promises.open(path.join(this.dir, JOURNAL), 'w');
    await this.fh.sync();
    this.records = 0;
  }

  async close(): Promise<void> {
    if (this.fh) {
      const fh = this.fh;
      this.fh = null;
      await fh.close();
    }
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const d = await fs.promises.open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // some filesystems refuse fsync on directories; the rename is still atomic
  }
}
