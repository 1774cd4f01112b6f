// A Gateway owns its store, registries and servers, so tests can run several in one process.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Config } from './config/index.js';
import { createLogger, type AppLogger } from './observability/logger.js';
import { kongAccessLine, LogFile, logTarget, redactTarget } from './observability/log-files.js';
import { EntityStore } from './store/dao.js';
import { EmbeddedBackend } from './store/embedded/index.js';
import { databaseReachable, openPostgresStore } from './store/postgres/index.js';
import { DeclarativeError, flattenDeclarative, flattenedEntityMap, parseDeclarativeText } from './store/declarative.js';
import { PluginRegistry, BUNDLED, type PluginDefinition } from './plugins/registry.js';
import { loadCustomPlugins } from './plugins/loader.js';
import { AdminServer, type AdminContext, type ServerStats } from './admin/server.js';
import { registerStatusApi } from './admin/status-api.js';
import { emptyStats } from './observability/stats.js';
import { registerAllCrud } from './admin/crud.js';
import { registerInfo } from './admin/info.js';
import { registerConfig } from './admin/config.js';
import { registerDebug } from './admin/debug.js';
import { ProxyCore } from './proxy/core.js';
import { ProxyServer } from './proxy/server.js';
import { proxySettings } from './proxy/settings.js';
import { HandlerCache, Pipeline } from './plugins/pipeline.js';
import type { PluginEnv, PdkStore } from './pdk/index.js';
import { KONG_VERSION } from './config/index.js';
import { FilteringNode } from './node/index.js';
import type { WorkerNodeLink } from './node/replica.js';
import { openReplicaStore, type StoreSnapshot } from './store/replica.js';
import { WorkerPool } from './workers/primary.js';

export const PORTCULLIS_VERSION = '0.1.0';

export interface GatewayOptions {
  logger?: AppLogger;
  /** Plugin definitions besides the bundled ones (custom plugins, tests). */
  extraPlugins?: PluginDefinition[];
  /**
   * 'single' (default): everything in this process. 'primary': store, admin API and filtering node,
   * with `nginx_worker_processes` forked proxy workers. 'worker': proxy only, on a read-only copy of
   * the primary's configuration (`snapshot`, then streamed changes).
   */
  role?: 'single' | 'primary' | 'worker';
  snapshot?: StoreSnapshot;
  /** A worker's number, bound to its log lines. */
  workerIndex?: number;
  /** A worker's link to the primary's filtering node: its node is a replica of that one. */
  nodeReplica?: WorkerNodeLink | null;
}

export interface Addresses {
  admin: AddressInfo[];
  proxy: AddressInfo[];
  node: AddressInfo[];
  status: AddressInfo[];
}

export class Gateway {
  readonly config: Config;
  readonly logger: AppLogger;
  readonly plugins: PluginRegistry;
  readonly nodeId: string;
  readonly role: 'single' | 'primary' | 'worker';
  private readonly snapshot: StoreSnapshot | undefined;
  private readonly nodeReplica: WorkerNodeLink | null;
  private workers: WorkerPool | null = null;
  private errorLog: LogFile | null = null;
  private accessLogger: AppLogger | null = null;
  private logLevelTimer: NodeJS.Timeout | null = null;
  /** The level in force (KONG_LOG_LEVEL, or a /debug/node/log-level change). */
  logLevel: string;
  private accessLog: LogFile | null = null;
  private adminAccessLog: LogFile | null = null;
  /** Query parameters whose values never reach a log: configured key names and common secret names. */
  private secretParams: ReadonlySet<string> = DEFAULT_SECRET_PARAMS;
  store!: EntityStore;
  private admins: AdminServer[] = [];
  proxyCore!: ProxyCore;
  private proxy: ProxyServer | null = null;
  private rebuildScheduled = false;
  private handlers: HandlerCache | null = null;
  pluginEnv!: PluginEnv;
  readonly addresses: Addresses = { admin: [], proxy: [], node: [], status: [] };
  /** The filtering node running in this process (its listener is optional). */
  node: FilteringNode | null = null;
  private stats: ServerStats = emptyStats();

  constructor(config: Config, opts: GatewayOptions = {}) {
    this.config = config;
    if (!opts.logger) this.errorLog = openLog(config.proxy_error_log, config.prefix);
    const logger = opts.logger ?? createLogger({ level: config.log_level, format: config.log_format, errorLog: this.errorLog });
    this.logger = opts.workerIndex === undefined ? logger : logger.child({ worker: opts.workerIndex });
    const defs = [...BUNDLED, ...(opts.extraPlugins ?? [])];
    this.plugins = new PluginRegistry(defs, config.plugins);
    this.nodeId = loadNodeId(config.prefix);
    this.role = opts.role ?? (config.workers > 1 ? 'primary' : 'single');
    this.snapshot = opts.snapshot;
    this.nodeReplica = opts.nodeReplica ?? null;
    this.logLevel = config.log_level;
  }

  /** Open the store (and load declarative config in DB-less mode). */
  async openStore(): Promise<EntityStore> {
    const cfg = this.config;
    if (cfg.plugins_path) {
      const wanted = cfg.plugins.filter((n) => n !== 'bundled' && n !== 'off');
      for (const def of await loadCustomPlugins(cfg.plugins_path, wanted)) {
        this.plugins.add(def);
        this.logger.info({ plugin: def.name, path: cfg.plugins_path }, 'custom plugin loaded');
      }
    }
    if (this.role === 'worker') {
      if (!this.snapshot) throw new Error('a proxy worker needs the primary\'s configuration snapshot');
      this.store = openReplicaStore(this.snapshot, cfg.database, this.plugins);
      return this.store;
    }
    if (cfg.database === 'postgres') {
      this.store = await openPostgresStore(cfg, this.plugins, this.logger, { nodeId: this.nodeId });
      for (const missing of this.plugins.missing()) this.logger.warn({ plugin: missing }, `plugin '${missing}' is enabled but not installed`);
      return this.store;
    }
    const dbless = cfg.database === 'off';
    const backend = new EmbeddedBackend(EmbeddedBackend.dirFor(cfg.prefix, dbless ? 'dbless' : 'store'), { fsync: cfg.journal_fsync });
    const state = backend.load();
    if (state.dropped) this.logger.warn({ dropped: state.dropped }, 'store journal had a torn or corrupt tail; dropped it');
    const store = new EntityStore(backend, { readOnly: dbless, kind: cfg.database, plugins: this.plugins });
    store.loadRaw(state.tables);
    this.store = store;
    if (dbless) {
      const text = cfg.declarative_config
        ? readDeclarativeFile(cfg.declarative_config)
        : cfg.declarative_config_string;
      if (text) {
        try {
          const doc = parseDeclarativeText(text);
          const r = flattenDeclarative(store, doc, { hash: md5(text) });
          await store.replaceAll(r.tables, r.hash);
        } catch (err) {
          const where = cfg.declarative_config ? `file ${cfg.declarative_config}` : 'string';
          const detail = err instanceof DeclarativeError ? err.message : (err as Error).message;
          throw new Error(`error parsing declarative config ${where}:\n${detail}`);
        }
      }
    }
    for (const missing of this.plugins.missing()) this.logger.warn({ plugin: missing }, `plugin '${missing}' is enabled but not installed`);
    return store;
  }

  async start(): Promise<void> {
    const started = Date.now();
    if (!this.store) await this.openStore();
    for (const name of this.config.ignoredEnv) this.logger.debug({ setting: name }, 'setting accepted and ignored');
    // a worker's node is a replica of the primary's: it decides in process, its records go to the primary
    if (this.role === 'worker') this.node = this.nodeReplica?.createNode((replica) => new FilteringNode({ prefix: this.config.prefix, logger: this.logger as never, replica })) ?? null;
    else this.node = new FilteringNode({
      prefix: this.config.prefix,
      listen: this.config.node_listen.map((l) => ({ host: l.host, port: l.port })),
      token: this.config.node_token,
      configFile: this.config.node_config ?? undefined,
      logger: this.logger as never,
      database: { kind: this.config.database, pg: this.config.pg, nodeId: this.nodeId, pollMs: this.config.db_update_frequency * 1000 },
    });
    await this.node?.open();
    if (this.node && this.role !== 'worker' && this.config.node_listen.length) this.addresses.node.push(...(await this.node.start()));
    await this.startProxy();
    if (this.role === 'primary') {
      this.workers = new WorkerPool(this.config.workers, this.config, this.store, this.logger, this.node);
      this.addresses.proxy.push(...(await this.workers.start()));
    }
    if (this.role !== 'worker' && this.config.admin_listen.length) this.adminAccessLog = openLog(this.config.admin_access_log, this.config.prefix);
    for (const l of this.role === 'worker' ? [] : this.config.admin_listen) {
      if (l.ssl) {
        this.logger.warn({ listen: `${l.host}:${l.port}` }, 'TLS admin listeners are not supported; skipped');
        continue;
      }
      const admin = new AdminServer(this.adminContext(), [registerInfo, registerConfig, registerDebug, registerAllCrud]);
      const addr = await admin.listen(l.port, l.host);
      if (!isLoopback(l.host)) this.logger.warn({ listen: `${l.host}:${l.port}` }, 'admin API listening on a non-loopback address');
      this.admins.push(admin);
      this.addresses.admin.push(addr);
    }
    for (const l of this.role === 'worker' ? [] : this.config.status_listen) {
      if (l.ssl) {
        this.logger.warn({ listen: `${l.host}:${l.port}` }, 'TLS status listeners are not supported; skipped');
        continue;
      }
      const status = new AdminServer({ ...this.adminContext(), accessLog: undefined }, [registerStatusApi]);
      this.admins.push(status);
      this.addresses.status.push(await status.listen(l.port, l.host));
    }
    if (this.role === 'worker') return;
    this.logger.info(
      { ms: Date.now() - started, workers: this.workers?.size, proxy: this.addresses.proxy.map((a) => `${a.address}:${a.port}`), admin: this.addresses.admin.map((a) => `${a.address}:${a.port}`), status: this.addresses.status.map((a) => `${a.address}:${a.port}`) },
      'gateway started',
    );
  }

  private adminContext(): AdminContext {
    return {
      store: this.store,
      config: this.config,
      plugins: this.plugins,
      nodeId: this.nodeId,
      hostname: os.hostname(),
      logger: this.logger,
      version: PORTCULLIS_VERSION,
      serverStats: () => this.serverStats(),
      accessLog: this.adminAccessLog ? (e) => this.adminAccessLog!.write(kongAccessLine(e)) : undefined,
      processMemory: this.workers ? () => this.workers!.memory() : undefined,
      databaseReachable: () => this.databaseReachable(),
      logLevel: () => this.logLevel,
      setLogLevel: (level, timeoutS) => this.setLogLevel(level, timeoutS),
      routerReady: () => (this.workers ? { ready: this.workers.listening(), of: this.config.workers } : { ready: 1, of: 1 }),
      loadDeclarative: (doc, raw, opts) => this.loadDeclarative(doc, raw, opts),
      upstreamHealth: (id) => this.upstreamHealth(id),
      setTargetHealth: (u, t, _addr, healthy) => this.setTargetHealth(u, t, healthy),
      extraRoutes: this.handlers!.adminRoutes(this.plugins.enabledDefinitions()).map((r) => ({
        pattern: r.path,
        methods: {
          GET: async () => {
            const out = (await r.get()) as { status: number; body: string; contentType: string };
            return { status: out.status, body: out.body, headers: { 'Content-Type': out.contentType } };
          },
        },
      })),
    };
  }

  /** Whether the store's database answers (always, for the embedded and DB-less stores). */
  databaseReachable(): boolean {
    return databaseReachable(this.store);
  }

  private async startProxy(): Promise<void> {
    const cfg = this.config;
    this.proxyCore = new ProxyCore(proxySettings(cfg), this.logger, this.stats, {
      size: cfg.upstream_keepalive_pool_size,
      maxRequests: cfg.upstream_keepalive_max_requests,
      idleTimeoutS: cfg.upstream_keepalive_idle_timeout,
    });
    this.pluginEnv = {
      store: pdkStore(this.store),
      logger: this.logger,
      nodeId: this.nodeId,
      kongVersion: KONG_VERSION,
      waf: this.node ?? undefined,
      serverStats: () => this.serverStats(),
      database: { kind: cfg.database, pg: cfg.database === 'postgres' ? cfg.pg : null },
      upstreamHealth: (id) => this.upstreamHealth(id) as never,
    };
    this.handlers = new HandlerCache(this.pluginEnv);
    this.rebuild();
    // a primary proxies nothing itself: its workers write the access log
    if (this.role !== 'primary') this.accessLog = openLog(cfg.proxy_access_log, cfg.prefix);
    const access = (this.accessLogger = this.logger.child({ log: 'access' }));
    const file = this.accessLog;
    if (this.role !== 'primary') {
      // written through buffered async destinations, off the request path; the JSON line follows the
      // log level, which /debug/node/log-level can change at run time
      this.proxyCore.onRequestDone = (ctx) => {
        const json = access.isLevelEnabled('info');
        if (!json && !file) return;
        const target = redactTarget(ctx.target, this.secretParams);
        if (json)
          access.info({
            request_id: ctx.requestId,
            client_ip: ctx.clientIp,
            method: ctx.method,
            uri: ctx.path,
            status: ctx.status,
            route: ctx.route?.id,
            service: ctx.service?.id,
            consumer: ctx.consumer?.id,
            upstream: ctx.upstreamAddr ? `${ctx.upstreamAddr}:${ctx.upstreamPort}` : undefined,
            latencies: { kong: ctx.proxyLatencyMs, upstream: ctx.upstreamLatencyMs, request: (ctx.endMs || Date.now()) - ctx.startMs },
            bytes_in: ctx.bytesIn,
            bytes_out: ctx.bytesOut,
          });
        if (file)
          file.write(
            kongAccessLine({
              remoteAddr: ctx.remoteAddr,
              remoteUser: basicUser(ctx.headers.get('authorization')),
              time: new Date(),
              request: `${ctx.method} ${target} HTTP/${ctx.httpVersion}`,
              status: ctx.status,
              bytesSent: ctx.bytesOut,
              referer: ctx.headers.get('referer'),
              userAgent: ctx.headers.get('user-agent'),
              requestId: ctx.requestId,
            }),
          );
      };
    }
    // coalesce bursts of admin writes into one rebuild per tick
    this.store.on('changes', () => this.scheduleRebuild());
    // a primary's proxy listeners belong to its workers; it keeps a core for health checks and lookups
    if (!cfg.proxy_listen.length || this.role === 'primary') return;
    const defaultTls = cfg.ssl_cert && cfg.ssl_cert_key ? { cert: fs.readFileSync(cfg.ssl_cert, 'utf8'), key: fs.readFileSync(cfg.ssl_cert_key, 'utf8') } : null;
    this.proxy = new ProxyServer(this.proxyCore, defaultTls);
    this.proxy.loadCertificates(this.store);
    this.addresses.proxy.push(...(await this.proxy.listen(cfg.proxy_listen)));
  }

  private scheduleRebuild(): void {
    if (this.rebuildScheduled) return;
    this.rebuildScheduled = true;
    queueMicrotask(() => {
      this.rebuildScheduled = false;
      this.rebuild();
    });
  }

  /** Router, balancers and certificates from the current store contents, swapped in at once. */
  rebuild(): void {
    this.proxyCore.rebuild(this.store);
    this.secretParams = secretParamsOf(this.store);
    this.proxyCore.phases = new Pipeline(this.store.list('plugins') as any, this.plugins, this.handlers!, this.pluginEnv);
    this.proxy?.loadCertificates(this.store);
  }

  /** Re-read the declarative file (DB-less); the swap is atomic, requests in flight are not dropped. */
  async reload(): Promise<string> {
    const cfg = this.config;
    if (cfg.database !== 'off') return 'reload: nothing to re-read (database mode)';
    const text = cfg.declarative_config ? readDeclarativeFile(cfg.declarative_config) : cfg.declarative_config_string;
    if (!text) return 'reload: no declarative configuration set';
    const r = flattenDeclarative(this.store, parseDeclarativeText(text), { hash: md5(text) });
    await this.store.replaceAll(r.tables, r.hash);
    return `reload: configuration ${r.hash} loaded`;
  }

  upstreamHealth(upstreamId: string): { data: unknown[] } | null {
    const b = this.proxyCore?.balancerFor(upstreamId);
    const targets = this.store.list('targets').filter((t) => t.upstream.id === upstreamId);
    return {
      data: targets.map((t) => {
        const health = t.weight === 0 ? 'HEALTHCHECKS_OFF' : (b?.healthOf(t.target) ?? 'HEALTHCHECKS_OFF');
        const [host, port] = [t.target.slice(0, t.target.lastIndexOf(':')), Number(t.target.slice(t.target.lastIndexOf(':') + 1))];
        return { ...t, health, data: { addresses: [{ ip: host, port, health, weight: t.weight }] } };
      }),
    };
  }

  setTargetHealth(upstreamId: string, targetId: string, healthy: boolean): boolean {
    const t = this.store.get('targets', targetId);
    if (!t) return false;
    this.proxyCore.health.set(upstreamId, t.target, healthy);
    this.workers?.broadcast({ t: 'target-health', upstreamId, target: t.target, healthy });
    return true;
  }

  async loadDeclarative(doc: unknown, raw: string | null, opts: { flattenErrors: boolean }): Promise<Record<string, unknown>> {
    const r = flattenDeclarative(this.store, doc, { flattenErrors: opts.flattenErrors, hash: raw ? md5(raw) : undefined });
    await this.store.replaceAll(r.tables, r.hash);
    return flattenedEntityMap(r.tables);
  }

  /** Kong's dynamic log level: `level` for `timeoutS` seconds (0: until changed again), in every worker too. */
  setLogLevel(level: string, timeoutS: number): void {
    this.applyLogLevel(level);
    if (this.logLevelTimer) clearTimeout(this.logLevelTimer);
    this.logLevelTimer = null;
    if (timeoutS > 0) {
      this.logLevelTimer = setTimeout(() => {
        this.logLevelTimer = null;
        this.applyLogLevel(this.config.log_level);
      }, timeoutS * 1000);
      this.logLevelTimer.unref();
    }
    this.workers?.broadcast({ t: 'log-level', level, timeoutS });
  }

  private applyLogLevel(level: string): void {
    this.logLevel = level;
    // a logger handed in silenced (tests, tools) stays silent
    if (this.logger.level === 'silent') return;
    this.logger.level = level;
    if (this.accessLogger) this.accessLogger.level = level;
  }

  /** Proxy connection counters: this process's, or the sum over the workers for a primary. */
  serverStats(): ServerStats {
    return this.workers ? this.workers.stats() : this.stats;
  }

  /** Process ids of the proxy workers (empty unless this is a primary). */
  workerPids(): number[] {
    return this.workers?.pids() ?? [];
  }

  async stop(graceMs = 0): Promise<void> {
    if (this.logLevelTimer) clearTimeout(this.logLevelTimer);
    if (this.workers) await this.workers.stop(graceMs);
    this.workers = null;
    if (this.proxy) await this.proxy.close(graceMs);
    this.proxy = null;
    await Promise.all(this.admins.map((a) => a.close()));
    this.admins = [];
    await this.handlers?.close();
    if (this.node) await this.node.stop();
    this.node = null;
    if (this.store) await this.store.close();
    if (this.role !== 'worker') this.logger.info('gateway stopped');
    await new Promise<void>((resolve) => this.logger.flush(() => resolve()));
    for (const f of [this.accessLog, this.adminAccessLog, this.errorLog]) await f?.close();
    this.accessLog = this.adminAccessLog = this.errorLog = null;
  }
}

/** Read-only store access for plugins. */
function pdkStore(store: EntityStore): PdkStore {
  return {
    get: (entity, id) => store.get(entity, id),
    select: (entity, key) => store.resolve(entity, key),
    find: (entity, field, value) => {
      const unique = store.tables.findUnique(entity, field, value);
      if (unique && store.schema(entity).fields.some((e) => e[field]?.unique)) return [unique];
      return store.list(entity).filter((r) => (r[field] && typeof r[field] === 'object' ? r[field].id : r[field]) === value);
    },
  };
}

const DEFAULT_SECRET_PARAMS: ReadonlySet<string> = new Set(['apikey', 'api_key', 'access_token', 'jwt', 'password']);

/** The query names that carry credentials here: key-auth's key_names, jwt's uri_param_names, and the defaults. */
function secretParamsOf(store: EntityStore): ReadonlySet<string> {
  const names = new Set(DEFAULT_SECRET_PARAMS);
  for (const p of store.list('plugins')) {
    const c = p.config ?? {};
    for (const n of [...(p.name === 'key-auth' ? (c.key_names ?? []) : []), ...(p.name === 'jwt' ? (c.uri_param_names ?? []) : [])]) names.add(String(n).toLowerCase());
  }
  return names;
}

/** nginx's $remote_user: the user name of a Basic Authorization header. */
function basicUser(auth: string | undefined): string | null {
  if (!auth || auth.length < 7 || auth.slice(0, 6).toLowerCase() !== 'basic ') return null;
  const raw = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
  const i = raw.indexOf(':');
  return i > 0 ? raw.slice(0, i) : null;
}

function openLog(value: string, prefix: string): LogFile | null {
  const target = logTarget(value, prefix);
  return target === null ? null : new LogFile(target);
}

function md5(text: string): string {
  return crypto.createHash('md5').update(text).digest('hex');
}

function readDeclarativeFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`error parsing declarative config file ${file}: ${(err as Error).message}`);
  }
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost' || host.startsWith('127.');
}

/** A stable node id per prefix, as Kong keeps kong.id in its prefix. */
function loadNodeId(prefix: string): string {
  const file = path.resolve(prefix, 'node.id');
  try {
    const id = fs.readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f-]{36}$/.test(id)) return id;
  } catch {
    /* first start */
  }
  const id = crypto.randomUUID();
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, id + '\n');
  } catch {
    /* read-only prefix: the id lives for this process */
  }
  return id;
}
