// KONG_DATABASE=postgres: entry points for the gateway and the CLI.
import type { Config } from '../../config/index.js';
import { EntityStore } from '../dao.js';
import type { PluginSchemaProvider } from '../schema/index.js';
import { PostgresBackend, type PostgresOptions, type StoreLogger } from './backend.js';

export { PostgresBackend, CHANNEL, WRITE_LOCK, type PostgresOptions, type StoreLogger } from './backend.js';
export { runMigrations, schemaState, NEEDS_BOOTSTRAP_MSG, MIGRATIONS_LOCK, type MigrationsResult, type SchemaState } from './migrations.js';
export { MIGRATIONS, type Migration } from './migrations/index.js';

export type PostgresConfig = Pick<Config, 'pg' | 'db_update_frequency'>;

/**
 * Open the entity store on PostgreSQL: wait for the database (retries, one log line each), refuse an
 * un-bootstrapped one with Kong's message, load every row, then follow the change feed.
 */
export async function openPostgresStore(
  config: PostgresConfig,
  plugins: PluginSchemaProvider,
  logger: StoreLogger,
  opts: PostgresOptions = {},
): Promise<EntityStore> {
  const backend = new PostgresBackend(config.pg, logger, { updateFrequency: config.db_update_frequency, ...opts });
  try {
    await backend.waitForDatabase();
    const store = new EntityStore(backend, { kind: 'postgres', plugins });
    await backend.attach(store);
    return store;
  } catch (err) {
    await backend.close();
    throw err;
  }
}

/** The backend behind a store opened by openPostgresStore (tests, diagnostics). */
export function postgresBackendOf(store: EntityStore): PostgresBackend | undefined {
  const b = (store as unknown as { backend: unknown }).backend;
  return b instanceof PostgresBackend ? b : undefined;
}

/** `database.reachable` of GET /status (always true for the embedded store). */
export function databaseReachable(store: EntityStore): boolean {
  return postgresBackendOf(store)?.reachable ?? true;
}
