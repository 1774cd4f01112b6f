// PostgreSQL connection settings from the pg_* configuration, and error classification shared by the
// backend, the change feed and the migrations runner.
import pg from 'pg';
import type { Config } from '../../config/index.js';

export type PgSettings = Config['pg'];

/** Identifier accepted for pg_schema: it lands in `search_path`, so it is checked, never interpolated raw. */
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

export function checkSchemaName(schema: string | null): void {
  if (schema !== null && schema !== '' && !SCHEMA_NAME.test(schema)) {
    throw new Error(`invalid pg_schema '${schema}': expected a plain PostgreSQL identifier`);
  }
}

export function clientConfig(s: PgSettings, opts: { queryTimeout?: boolean } = {}): pg.ClientConfig {
  checkSchemaName(s.schema);
  const timed = opts.queryTimeout !== false && s.timeout > 0;
  return {
    host: s.host,
    port: s.port,
    user: s.user,
    password: s.password ?? undefined,
    database: s.database,
    ssl: s.ssl ? { rejectUnauthorized: s.ssl_verify } : false,
    connectionTimeoutMillis: s.timeout > 0 ? s.timeout : undefined,
    // the server cancels a statement past pg_timeout (and so frees its locks); the client-side
    // timeout is only a backstop for a server that stopped answering altogether
    statement_timeout: timed ? s.timeout : undefined,
    query_timeout: timed ? s.timeout + 2000 : undefined,
    keepAlive: true,
    application_name: 'portcullis',
    options: s.schema ? `-c search_path=${s.schema}` : undefined,
  };
}

export function describeTarget(s: PgSettings): string {
  return `${s.host}:${s.port}/${s.database}`;
}

/** Errors worth waiting out at start-up: the server is not (yet) reachable or still starting. */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  const code = e?.code ?? '';
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ENOENT'].includes(code)) return true;
  // 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now (starting up / shutting down)
  if (code === '57P01' || code === '57P02' || code === '57P03') return true;
  // 08xxx connection exceptions
  if (code.startsWith('08')) return true;
  const msg = e?.message ?? '';
  return /Connection terminated|timeout expired|connection timeout|Client has encountered a connection error|not queryable/i.test(msg);
}

export function errMessage(err: unknown): string {
  const e = err as { message?: string; code?: string };
  // node-postgres words a password the server asked for and the settings lack as a SASL detail
  if (e?.message && /client password must be a string/.test(e.message)) return 'the server requires a password (set pg_password / KONG_PG_PASSWORD)';
  if (e?.message) return e.message;
  if (e?.code) return e.code;
  return String(err);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export { pg };
