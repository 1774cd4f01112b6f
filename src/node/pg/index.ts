// The node's stores on PostgreSQL: one small pool shared by the attack log and the IP lists.
import type { Logger } from 'pino';
import { clientConfig, pg, type PgSettings } from '../../store/postgres/connection.js';
import type { AttackLog } from '../attacklog.js';
import type { IpLists } from '../iplists.js';
import { PgAttackStore } from './attacks.js';
import { PgIpListStore } from './iplists.js';

export { IPLISTS_CHANNEL } from './iplists.js';

export interface PgStoresOptions {
  pg: PgSettings;
  nodeId: string;
  pollMs: number;
  maxHits: number;
  now: () => number;
  logger: Logger;
}

export function postgresStores(log: AttackLog, lists: IpLists, o: PgStoresOptions): { attacks: PgAttackStore; ipLists: PgIpListStore; close(): Promise<void> } {
  const pool = new pg.Pool({ ...clientConfig(o.pg), max: Math.max(2, Math.min(o.pg.pool_size || 5, 5)) });
  // an idle connection dropped by the server is replaced on the next query, which reports any error
  pool.on('error', () => undefined);
  const attacks = new PgAttackStore(pool, log, { nodeId: o.nodeId, maxHits: o.maxHits, logger: o.logger });
  const ipLists = new PgIpListStore(pool, o.pg, lists, { nodeId: o.nodeId, pollMs: o.pollMs, now: o.now, logger: o.logger });
  return {
    attacks,
    ipLists,
    async close() {
      await Promise.all([attacks.close(), ipLists.close()]);
      await pool.end().catch(() => undefined);
    },
  };
}
