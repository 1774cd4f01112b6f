// A batching queue with Kong's semantics (kong/tools/queue.lua): entries are coalesced into batches
// of up to max_batch_size, waiting at most max_coalescing_delay seconds after the first one; a failed
// batch is retried with exponential backoff (initial_retry_delay doubling up to max_retry_delay)
// until max_retry_time has passed, then dropped. Memory is bounded by max_entries / max_bytes: when
// full, the oldest entries are dropped.
import type { Field } from '../../store/schema/index.js';
import type { PdkLogger } from '../../pdk/index.js';

export interface QueueConf {
  max_batch_size: number;
  max_coalescing_delay: number;
  max_entries: number;
  max_bytes: number | null;
  max_retry_time: number;
  initial_retry_delay: number;
  max_retry_delay: number;
  concurrency_limit: number;
}

/** typedefs.queue (kong/tools/queue_schema.lua). */
export const queueSchema: Field = {
  type: 'record',
  required: true,
  fields: [
    { max_batch_size: { type: 'integer', default: 1, between: [1, 1000000] } },
    { max_coalescing_delay: { type: 'number', default: 1, between: [0, 3600] } },
    { max_entries: { type: 'integer', default: 10000, between: [1, 1000000] } },
    { max_bytes: { type: 'integer' } },
    { max_retry_time: { type: 'number', default: 60 } },
    { initial_retry_delay: { type: 'number', default: 0.01, between: [0.001, 1000000] } },
    { max_retry_delay: { type: 'number', default: 60, between: [0.001, 1000000] } },
    { concurrency_limit: { type: 'integer', default: 1, one_of: [-1, 1] } },
  ],
};

/** Returns true when the batch was delivered; false or a throw means retry. */
export type BatchHandler<T> = (batch: T[]) => Promise<boolean | void>;

export class BatchQueue<T extends string | object> {
  private entries: T[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private firstAt = 0;
  private running = 0;
  private closed = false;
  private readonly inflight = new Set<Promise<void>>();
  private warnedFull = false;

  constructor(
    readonly name: string,
    private conf: QueueConf,
    private handler: BatchHandler<T>,
    private readonly logger: PdkLogger,
  ) {}

  /** Later enqueues use the newest handler and configuration (Kong: the queue keeps its first parameters). */
  update(conf: QueueConf, handler: BatchHandler<T>): void {
    this.conf = conf;
    this.handler = handler;
  }

  get size(): number {
    return this.entries.length;
  }

  enqueue(entry: T): void {
    if (this.closed) return;
    const size = typeof entry === 'string' ? Buffer.byteLength(entry) : 0;
    const c = this.conf;
    while (this.entries.length >= c.max_entries || (c.max_bytes !== null && this.entries.length > 0 && this.bytes + size > c.max_bytes)) {
      const dropped = this.entries.shift()!;
      this.bytes -= typeof dropped === 'string' ? Buffer.byteLength(dropped) : 0;
      if (!this.warnedFull) {
        this.warnedFull = true;
        this.logger.warn({ queue: this.name }, 'queue full, dropping old entries until processing is successful again');
      }
    }
    if (this.entries.length === 0) this.firstAt = Date.now();
    this.entries.push(entry);
    this.bytes += size;
    this.schedule();
  }

  private schedule(): void {
    if (this.entries.length === 0) return;
    if (this.conf.concurrency_limit === 1 && this.running > 0) return; // resumed when the running batch ends
    if (this.entries.length >= this.conf.max_batch_size) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.dispatch();
      return;
    }
    if (this.timer) return;
    const wait = Math.max(0, this.firstAt + this.conf.max_coalescing_delay * 1000 - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.dispatch();
    }, wait);
    this.timer.unref();
  }

  private dispatch(): void {
    if (this.entries.length === 0) return;
    const batch = this.entries.splice(0, this.conf.max_batch_size);
    for (const e of batch) this.bytes -= typeof e === 'string' ? Buffer.byteLength(e) : 0;
    if (this.entries.length) this.firstAt = Date.now();
    this.running++;
    const p = this.deliver(batch).finally(() => {
      this.running--;
      this.inflight.delete(p);
      this.schedule();
    });
    this.inflight.add(p);
    if (this.conf.concurrency_limit === -1) this.schedule();
  }

  private async deliver(batch: T[]): Promise<void> {
    const started = Date.now();
    let delay = this.conf.initial_retry_delay;
    for (;;) {
      let err: unknown = null;
      try {
        const ok = await this.handler(batch);
        if (ok !== false) {
          this.warnedFull = false;
          return;
        }
      } catch (e) {
        err = e;
      }
      const elapsed = (Date.now() - started) / 1000;
      if (this.closed || this.conf.max_retry_time < 0 || elapsed + delay > this.conf.max_retry_time) {
        this.logger.error({ queue: this.name, err: err ? String((err as Error).message ?? err) : undefined, entries: batch.length }, 'could not send entries due to max_retry_time exceeded, dropping them');
        return;
      }
      if (err) this.logger.warn({ queue: this.name, err: String((err as Error).message ?? err) }, 'handler could not process entries, retrying');
      await new Promise((r) => setTimeout(r, delay * 1000).unref());
      delay = Math.min(delay * 2, this.conf.max_retry_delay);
    }
  }

  /** Send what is queued now (shutdown), waiting at most `ms`. */
  async flush(ms = 2000): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const deadline = Date.now() + ms;
    while ((this.entries.length || this.inflight.size) && Date.now() < deadline) {
      if (this.running === 0 && this.entries.length) this.dispatch();
      await Promise.race([Promise.all([...this.inflight]), new Promise((r) => setTimeout(r, Math.max(1, deadline - Date.now())).unref())]);
    }
  }

  async close(ms = 2000): Promise<void> {
    await this.flush(ms);
    this.closed = true;
    this.entries = [];
  }
}
