// `kong migrations bootstrap | up | finish | list | reset --yes` (kong/cmd/migrations.lua,
// kong/cmd/utils/migrations.lua): state recorded in schema_meta, every command under one advisory
// lock so several processes may run it at once, bootstrap idempotent.
import type { Config } from '../../config/index.js';
import { clientConfig, describeTarget, errMessage, pg, type PgSettings } from './connection.js';
import { MIGRATIONS, STORE_TABLES, type Migration } from './migrations/index.js';

export const NEEDS_BOOTSTRAP_MSG =
  'Database needs bootstrapping or is older than Kong 1.0.\n\n' +
  "To start a new installation from scratch, run 'kong migrations bootstrap'.\n\n" +
  'To migrate from a version older than 1.0, migrated to Kong 1.5.0 first. \n' +
  "If you still have 'apis' entities, you can convert them to Routes and Services\n" +
  "using the 'kong migrations migrate-apis' command in Kong 1.5.0.\n";

/** pg_advisory_lock key held by migration commands ("portcullis migrations"). */
export const MIGRATIONS_LOCK = 7_305_442_001;

const SUBSYSTEM = 'core';

export interface SchemaState {
  needsBootstrap: boolean;
  executed: string[];
  pending: string[];
  /** Known to this build, neither executed nor pending. */
  newMigrations: string[];
}

type Queryable = Pick<pg.ClientBase, 'query'>;

export async function schemaState(client: Queryable): Promise<SchemaState> {
  const t = await client.query<{ t: string | null }>(`SELECT to_regclass('schema_meta')::text AS t`);
  if (!t.rows[0]?.t) return { needsBootstrap: true, executed: [], pending: [], newMigrations: MIGRATIONS.map((m) => m.name) };
  const r = await client.query<{ executed: string[] | null; pending: string[] | null }>(
    'SELECT executed, pending FROM schema_meta WHERE key = $1 AND subsystem = $2',
    ['schema_meta', SUBSYSTEM],
  );
  if (!r.rows.length) return { needsBootstrap: true, executed: [], pending: [], newMigrations: MIGRATIONS.map((m) => m.name) };
  const executed = r.rows[0]!.executed ?? [];
  const pending = r.rows[0]!.pending ?? [];
  const newMigrations = MIGRATIONS.map((m) => m.name).filter((n) => !executed.includes(n) && !pending.includes(n));
  return { needsBootstrap: false, executed, pending, newMigrations };
}

/** Why a node may not start on this database (null when it may). */
export function startRefusal(state: SchemaState): string | null {
  if (state.needsBootstrap) return NEEDS_BOOTSTRAP_MSG;
  if (state.newMigrations.length) return "New migrations available; run 'kong migrations up' to proceed";
  return null;
}

export interface MigrationsResult {
  code: number;
  output: string;
}

class CommandError extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Run one `migrations` sub-command. Output is what Kong prints (one string, lines joined by \n);
 * exit codes as Kong's: 0 ok, 1 error, 3 needs bootstrap (list), 4 pending (list), 5 new (list).
 */
export async function runMigrations(command: string, args: string[], config: Pick<Config, 'pg'>): Promise<MigrationsResult> {
  const lines: string[] = [];
  const log = (s: string) => lines.push(s);
  const yes = args.includes('--yes') || args.includes('-y');
  const lockTimeout = numberFlag(args, '--lock-timeout') ?? 60;
  if (!['bootstrap', 'up', 'finish', 'list', 'reset'].includes(command)) {
    return { code: 1, output: `Error: unknown migrations command '${command}' (expected bootstrap, up, finish, list or reset)` };
  }
  if (command === 'reset' && !yes) {
    return { code: 1, output: "Error: 'migrations reset' drops every table and cannot be undone; run it again with --yes to confirm" };
  }
  const s = config.pg;
  let client: pg.Client;
  try {
    client = new pg.Client(clientConfig(s, { queryTimeout: false }));
    client.on('error', () => undefined);
    await client.connect();
  } catch (err) {
    return { code: 1, output: `Error: [PostgreSQL error] failed to connect to PostgreSQL (${describeTarget(s)}): ${errMessage(err)}` };
  }
  try {
    await client.query(`SET lock_timeout = ${Math.max(1, Math.floor(lockTimeout * 1000))}`);
    const code = await runCommand(client, command, s, log);
    return { code, output: lines.join('\n') };
  } catch (err) {
    const code = err instanceof CommandError ? err.code : 1;
    const msg = err instanceof CommandError ? err.message : `[PostgreSQL error] ${errMessage(err)}`;
    if ((err as { code?: string }).code === '55P03') log('Error: timed out waiting for another node running migrations (pg_advisory_lock)');
    else log(`Error: ${msg}`);
    return { code, output: lines.join('\n') };
  } finally {
    await client.end().catch(() => undefined);
  }
}

function numberFlag(args: string[], name: string): number | undefined {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

async function withLock<T>(client: pg.Client, fn: () => Promise<T>): Promise<T> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATIONS_LOCK]);
  try {
    return await fn();
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATIONS_LOCK]).catch(() => undefined);
  }
}

async function runCommand(client: pg.Client, command: string, s: PgSettings, log: (s: string) => void): Promise<number> {
  const first = await schemaState(client);
  switch (command) {
    case 'list':
      return list(first, log);
    case 'bootstrap':
      if (!first.needsBootstrap) {
        log('Database already bootstrapped');
        return 0;
      }
      return withLock(client, async () => {
        const state = await schemaState(client);
        // another process bootstrapped while we waited for the lock
        if (!state.needsBootstrap) {
          log('Database already bootstrapped');
          return 0;
        }
        log('Bootstrapping database...');
        await client.query('BEGIN');
        try {
          if (s.schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(s.schema)}`);
          await client.query(`CREATE TABLE IF NOT EXISTS schema_meta (
            key text NOT NULL, subsystem text NOT NULL, last_executed text, executed text[], pending text[],
            PRIMARY KEY (key, subsystem))`);
          await client.query(
            `INSERT INTO schema_meta (key, subsystem, executed, pending) VALUES ($1, $2, '{}', '{}') ON CONFLICT DO NOTHING`,
            ['schema_meta', SUBSYSTEM],
          );
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
        await runList(client, s, MIGRATIONS, { up: true, teardown: true }, log);
        log('Database is up-to-date');
        return 0;
      });
    case 'up':
      if (first.needsBootstrap) throw new CommandError(`Cannot run migrations: ${NEEDS_BOOTSTRAP_MSG}`);
      return withLock(client, async () => {
        const state = await schemaState(client);
        if (state.pending.length) throw new CommandError("Database has pending migrations; run 'kong migrations finish'");
        if (!state.newMigrations.length) {
          log('Database is already up-to-date');
          return 0;
        }
        const todo = MIGRATIONS.filter((m) => state.newMigrations.includes(m.name));
        await runList(client, s, todo, { up: true, teardown: false }, log);
        return 0;
      });
    case 'finish':
      if (first.needsBootstrap) throw new CommandError(`Cannot run migrations: ${NEEDS_BOOTSTRAP_MSG}`);
      return withLock(client, async () => {
        const state = await schemaState(client);
        if (!state.pending.length) {
          log('No pending migrations to finish');
          return 0;
        }
        const todo = MIGRATIONS.filter((m) => state.pending.includes(m.name));
        await runList(client, s, todo, { up: false, teardown: true }, log);
        return 0;
      });
    case 'reset':
      if (first.needsBootstrap) {
        log('Database not bootstrapped, nothing to reset');
        return 1;
      }
      return withLock(client, async () => {
        log('Resetting database...');
        await client.query('BEGIN');
        try {
          for (const t of STORE_TABLES) await client.query(`DROP TABLE IF EXISTS ${pg.escapeIdentifier(t)} CASCADE`);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
        log('Database successfully reset');
        return 0;
      });
  }
  return 1;
}

function list(state: SchemaState, log: (s: string) => void): number {
  if (state.needsBootstrap) {
    log(NEEDS_BOOTSTRAP_MSG);
    return 3;
  }
  if (state.executed.length) log(`Executed migrations:\n${SUBSYSTEM}: ${state.executed.join(', ')}`);
  if (state.pending.length) log(`${state.executed.length ? '\n' : ''}Pending migrations:\n${SUBSYSTEM}: ${state.pending.join(', ')}`);
  if (state.newMigrations.length) {
    log(`${state.executed.length || state.pending.length ? '\n' : ''}New migrations available:\n${SUBSYSTEM}: ${state.newMigrations.join(', ')}`);
  }
  if (state.pending.length && state.newMigrations.length) {
    log("\nRun 'kong migrations finish' when ready to complete pending migrations (core)");
    return 5;
  }
  if (state.pending.length) {
    log("\nRun 'kong migrations finish' when ready");
    return 4;
  }
  if (state.newMigrations.length) {
    log("\nRun 'kong migrations up' to proceed");
    return 5;
  }
  return 0;
}

/** Each migration in its own transaction, schema_meta updated in the same one. */
async function runList(
  client: pg.Client,
  s: PgSettings,
  todo: Migration[],
  phases: { up: boolean; teardown: boolean },
  log: (s: string) => void,
): Promise<void> {
  if (!todo.length) return;
  log(`migrating ${SUBSYSTEM} on database '${s.database}'...`);
  let executed = 0;
  let pending = 0;
  for (const m of todo) {
    await client.query('BEGIN');
    try {
      if (phases.up) await client.query(m.up);
      const finish = phases.teardown || !m.teardown;
      if (phases.teardown && m.teardown) await client.query(m.teardown);
      if (finish) {
        await client.query(
          `UPDATE schema_meta SET last_executed = $3,
             executed = array_append(coalesce(executed, '{}'), $3::text),
             pending = array_remove(coalesce(pending, '{}'), $3::text)
           WHERE key = $1 AND subsystem = $2`,
          ['schema_meta', SUBSYSTEM, m.name],
        );
      } else {
        await client.query(
          `UPDATE schema_meta SET pending = array_append(coalesce(pending, '{}'), $3::text) WHERE key = $1 AND subsystem = $2`,
          ['schema_meta', SUBSYSTEM, m.name],
        );
      }
      await client.query('COMMIT');
      if (finish) executed++;
      else pending++;
      log(`${SUBSYSTEM} migrated up to: ${m.name} (${finish ? 'executed' : 'pending'})`);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw new CommandError(`[PostgreSQL error] migration ${SUBSYSTEM}/${m.name} failed: ${errMessage(err)}`);
    }
  }
  log(`${plural(executed + pending, 'migration')} processed`);
  if (executed) log(`${executed} executed`);
  if (pending) log(`${pending} pending`);
}
