// First occurrences of the names of one query string or form body, for HTTP parameter pollution.
// A Map<string, …> over tens of thousands of fresh names costs more (hashing, rehashing, and keeping
// every name alive through garbage collections) than parsing the form itself; this open-addressing
// table keeps only integers and finds the name again in the source text when a hash matches.
import { percentDecode } from './percent.js';

/** Per-process seed: names chosen to collide for a known hash would turn probing quadratic. */
const SEED = (Math.random() * 0x7fffffff) | 0;

function hashName(name: string): number {
  let h = SEED ^ 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h | 1; // never 0: 0 marks an empty slot
}

export class NameIndex {
  private slots: Int32Array<ArrayBuffer>; // entry index + 1; 0 = empty
  private hashes: Int32Array<ArrayBuffer>;
  private starts: Int32Array<ArrayBuffer>; // raw name offsets in the source text
  private ends: Int32Array<ArrayBuffer>;
  private values: Int32Array<ArrayBuffer>; // offset of the first value
  private count = 0;

  /** `source` is the text the offsets point into, with '+' already turned into spaces. */
  constructor(private readonly source: string) {
    // sized for one pair per 32 characters, within [256, 64 Ki] entries: grown when exceeded
    let cap = 256;
    while (cap < 65536 && cap * 32 < source.length) cap *= 2;
    this.slots = new Int32Array(cap * 2);
    this.hashes = new Int32Array(cap);
    this.starts = new Int32Array(cap);
    this.ends = new Int32Array(cap);
    this.values = new Int32Array(cap);
  }

  /**
   * Where the first value of `name` starts when it was seen before; otherwise registers this
   * occurrence (raw name at [start, end), value at valueAt) and returns -1.
   */
  firstOrAdd(name: string, start: number, end: number, valueAt: number): number {
    const h = hashName(name);
    const mask = this.slots.length - 1;
    let i = h & mask;
    for (;;) {
      const e = this.slots[i]!;
      if (e === 0) break;
      const k = e - 1;
      if (this.hashes[k] === h && this.nameOf(k) === name) return this.values[k]!;
      i = (i + 1) & mask;
    }
    const k = this.count++;
    if (k === this.hashes.length) this.growEntries();
    this.hashes[k] = h;
    this.starts[k] = start;
    this.ends[k] = end;
    this.values[k] = valueAt;
    this.slots[i] = k + 1;
    if (this.count * 2 > this.slots.length) this.rehash();
    return -1;
  }

  private nameOf(k: number): string {
    return percentDecode(this.source.slice(this.starts[k]!, this.ends[k]!));
  }

  private growEntries(): void {
    const n = this.hashes.length * 2;
    this.hashes = grow(this.hashes, n);
    this.starts = grow(this.starts, n);
    this.ends = grow(this.ends, n);
    this.values = grow(this.values, n);
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let k = 0; k < this.count; k++) {
      let i = this.hashes[k]! & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = k + 1;
    }
    this.slots = slots;
  }
}

function grow(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}
