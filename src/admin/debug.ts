// Kong's dynamic log level (kong/api/routes/debug.lua): read it, or change it for a while without a restart.
import { HttpError, type AdminRequest, type AdminResponse } from './http.js';
import type { AdminContext, AdminRouter } from './server.js';

const LOG_LEVELS = ['debug', 'info', 'notice', 'warn', 'error', 'crit', 'alert', 'emerg'];
const DEFAULT_TIMEOUT_S = 60;

function putLogLevel(req: AdminRequest, ctx: AdminContext): AdminResponse {
  if (ctx.config.database === 'off') throw new HttpError(405, { message: 'cannot change log level when not using a database' });
  const level = req.params.log_level!;
  if (!LOG_LEVELS.includes(level)) throw new HttpError(400, { message: `unknown log level: ${level}` });
  const raw = req.query.timeout;
  const parsed = raw === undefined || raw === '' ? DEFAULT_TIMEOUT_S : Number(raw);
  const timeout = Number.isFinite(parsed) ? Math.ceil(parsed) : DEFAULT_TIMEOUT_S;
  if (timeout < 0) throw new HttpError(400, { message: 'timeout must be greater than or equal to 0' });
  if (ctx.logLevel?.() === level) return { status: 200, body: { message: `log level is already ${level}` } };
  ctx.setLogLevel?.(level, timeout);
  return { status: 200, body: { message: 'log level changed' } };
}

export function registerDebug(router: AdminRouter, ctx: AdminContext): void {
  router.add({
    pattern: '/debug/node/log-level',
    methods: { GET: () => ({ status: 200, body: { message: `log level: ${ctx.logLevel?.() ?? ctx.config.log_level}` } }) },
  });
  router.add({ pattern: '/debug/node/log-level/{log_level}', methods: { PUT: (req) => putLogLevel(req, ctx) } });
  // one node here; with PostgreSQL each node keeps its own level, as a node-level change does in Kong
  router.add({ pattern: '/debug/cluster/log-level/{log_level}', methods: { PUT: (req) => putLogLevel(req, ctx) } });
}
