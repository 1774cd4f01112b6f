// Entry of a proxy worker process (forked by WorkerPool): proxy listeners only, with a read-only copy
// of the configuration and a replica of the filtering node's decision state that the primary streams
// over IPC; the node's records (hits, counters) go back the same way.
import { Gateway } from '../gateway.js';
import { WorkerNodeLink, type ReplicaBatch } from '../node/replica.js';
import { applyToReplica } from '../store/replica.js';
import { isToWorker, type FromWorker, type ToWorker } from './protocol.js';

const index = Number(process.env.PORTCULLIS_WORKER_INDEX ?? 0);
let gateway: Gateway | null = null;
let statsTimer: NodeJS.Timeout | null = null;
let chain: Promise<void> = Promise.resolve();
let nodeLink: WorkerNodeLink | null = null;

function send(m: FromWorker): void {
  if (process.connected) process.send?.(m);
}

/** Resolves once the batch is handed to the channel, so a worker stopping sends its last records first. */
function sendBatch(batch: ReplicaBatch): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.connected || !process.send) return reject(new Error('the primary is gone'));
    process.send({ t: 'node', batch } satisfies FromWorker, undefined, {}, (err: Error | null) => (err ? reject(err) : resolve()));
  });
}

async function handle(m: ToWorker): Promise<void> {
  switch (m.t) {
    case 'init': {
      try {
        nodeLink = m.node ? new WorkerNodeLink(m.node, sendBatch) : null;
        gateway = new Gateway(m.config, { role: 'worker', snapshot: m.snapshot, workerIndex: index, nodeReplica: nodeLink });
        await gateway.start();
      } catch (err) {
        send({ t: 'failed', error: (err as Error).message });
        process.exit(1);
      }
      send({ t: 'listening', addresses: gateway.addresses.proxy });
      statsTimer = setInterval(() => gateway && send({ t: 'stats', stats: gateway.serverStats(), heapUsed: process.memoryUsage().heapUsed }), 1000);
      statsTimer.unref();
      return;
    }
    case 'snapshot':
    case 'ops':
      if (gateway) await applyToReplica(gateway.store, m.t === 'snapshot' ? { snapshot: m.snapshot } : { ops: m.ops });
      return;
    case 'target-health':
      gateway?.proxyCore.health.set(m.upstreamId, m.target, m.healthy);
      return;
    case 'log-level':
      gateway?.setLogLevel(m.level, m.timeoutS);
      return;
    case 'node':
      nodeLink?.apply(m.change);
      return;
    case 'stop':
      await shutdown(m.graceMs);
      return;
  }
}

async function shutdown(graceMs: number): Promise<void> {
  if (statsTimer) clearInterval(statsTimer);
  try {
    await gateway?.stop(graceMs);
  } finally {
    process.exit(0);
  }
}

process.on('message', (m: unknown) => {
  if (!isToWorker(m)) return;
  chain = chain.then(() => handle(m)).catch((err) => gateway?.logger.error({ err: (err as Error).message }, 'proxy worker: update failed'));
});
// A terminal's Ctrl-C and SIGHUP reach the whole process group; the primary decides for its workers.
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
process.on('SIGTERM', () => void shutdown(10_000));
// the primary is gone (even kill -9): stop serving rather than run unmanaged
process.on('disconnect', () => void shutdown(1_000));
send({ t: 'ready' });
