// The ordered list of core migrations (Kong's kong/db/migrations/core/init.lua). Append only:
// a migration's name is recorded in schema_meta once executed, and never runs twice.
import { migration as m000 } from './000_base.js';
import { migration as m001 } from './001_rate_limiting.js';
import { migration as m002 } from './002_node_state.js';
import { migration as m003 } from './003_response_ratelimiting.js';

export interface Migration {
  name: string;
  /** Non-destructive part, run by `bootstrap` and `up`. */
  up: string;
  /** Destructive part, run by `bootstrap` and `finish`; a migration with one stays pending after `up`. */
  teardown?: string;
}

export const MIGRATIONS: Migration[] = [m000, m001, m002, m003];

/** Tables owned by the store (dropped by `migrations reset`). */
export const STORE_TABLES = [
  'refs', 'unique_keys', 'entities', 'changes', 'store_meta',
  'ratelimiting_metrics', 'response_ratelimiting_metrics', 'node_hits', 'node_attacks', 'node_ip_lists',
  'schema_meta',
];
