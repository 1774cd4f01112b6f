// A Gateway owns its store, registries and servers, so tests can run several in one process.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Config } from './config/index.js';
import { createLogger, type AppLogger } from './observability/logger.js';
import { EntityStore } from './store/dao.js';
import { EmbeddedBackend } from './store/embedded/index.js';
import { openPostgresStore } from './store/postgres/index.js';
import { DeclarativeError, flattenDeclarative, flattenedEntityMap, parseDeclarativeText } from './store/declarative.js';
import { PluginRegistry, BUNDLED, type PluginDefinition } from './plugins/registry.js';
import { loadCustomPlugins } from './plugins/loader.js';
import { AdminServer, type ServerStats } from './admin/server.js';
import { registerAllCrud } from './admin/crud.js';
import { registerInfo } from './admin/info.js';
import { registerConfig } from './admin/config.js';
import { ProxyCore } from './proxy/core.js';
import { ProxyServer } from './proxy/server.js';
import { proxySettings } from './proxy/settings.js';
import { HandlerCache, Pipeline } from './plugins/pipeline.js';
import type { PluginEnv, PdkStore } from './pdk/index.js';
import { KONG_VERSION } from './config/index.js';
import { FilteringNode } from './node/index.js';

export const PORTCULLIS_VERSION = '0.1.0';

export interface GatewayOptions {
  logger?: AppLogger;
  /** Plugin definitions besides the bundled ones (custom plugins, tests). */
  extraPlugins?: PluginDefinition[];
}

export interface Addresses {
  admin: AddressInfo[];
  proxy: AddressInfo[];
  node: AddressInfo[];
}

export class Gateway {
  readonly config: Config;
  readonly logger: AppLogger;
  readonly plugins: PluginRegistry;
  readonly nodeId: string;
  store!: EntityStore;
  private admins: AdminServer[] = [];
  proxyCore!: ProxyCore;
  private proxy: ProxyServer | null = null;
  private rebuildScheduled = false;
  private handlers: HandlerCache | null = null;
  pluginEnv!: PluginEnv;
  readonly addresses: Addresses = { admin: [], proxy: [], node: [] };
  /** The filtering node running in this process (its listener is optional). */
  node: FilteringNode | null = null;
  private stats: ServerStats = {
    connections_accepted: 0,
    connections_active: 0,
    connections_handled: 0,
    connections_reading: 0,
    connections_writing: 0,
    connections_waiting: 0,
    total_requests: 0,
  };

  constructor(config: Config, opts: GatewayOptions = {}) {
    this.config = config;
    this.logger = opts.logger ?? createLogger({ level: config.log_level, format: config.log_format });
    const defs = [...BUNDLED, ...(opts.extraPlugins ?? [])];
    this.plugins = new PluginRegistry(defs, config.plugins);
    this.nodeId = loadNodeId(config.prefix);
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
    this.node = new FilteringNode({
      prefix: this.config.prefix,
      listen: this.config.node_listen.map((l) => ({ host: l.host, port: l.port })),
      token: this.config.node_token,
      configFile: this.config.node_config ?? undefined,
      logger: this.logger as never,
    });
    if (this.config.node_listen.length) this.addresses.node.push(...(await this.node.start()));
    await this.startProxy();
    for (const l of this.config.admin_listen) {
      if (l.ssl) {
        this.logger.warn({ listen: `${l.host}:${l.port}` }, 'TLS admin listeners are not supported; skipped');
        continue;
      }
      const admin = new AdminServer(
        {
          store: this.store,
          config: this.config,
          plugins: this.plugins,
          nodeId: this.nodeId,
          hostname: os.hostname(),
          logger: this.logger,
          version: PORTCULLIS_VERSION,
          serverStats: () => this.stats,
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
        },
        [registerInfo, registerConfig, registerAllCrud],
      );
      const addr = await admin.listen(l.port, l.host);
      if (!isLoopback(l.host)) this.logger.warn({ listen: `${l.host}:${l.port}` }, 'admin API listening on a non-loopback address');
      this.admins.push(admin);
      this.addresses.admin.push(addr);
    }
    this.logger.info(
      { ms: Date.now() - started, proxy: this.addresses.proxy.map((a) => `${a.address}:${a.port}`), admin: this.addresses.admin.map((a) => `${a.address}:${a.port}`) },
      'gateway started',
    );
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
      serverStats: () => this.stats,
      upstreamHealth: (id) => this.upstreamHealth(id) as never,
    };
    this.handlers = new HandlerCache(this.pluginEnv);
    this.rebuild();
    const access = this.logger.child({ log: 'access' });
    if (access.isLevelEnabled('info')) {
      // one line per request, written by pino's async destination off the request path
      this.proxyCore.onRequestDone = (ctx) =>
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
    }
    // coalesce bursts of admin writes into one rebuild per tick
    this.store.on('changes', () => this.scheduleRebuild());
    if (!cfg.proxy_listen.length) return;
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
    return true;
  }

  async loadDeclarative(doc: unknown, raw: string | null, opts: { flattenErrors: boolean }): Promise<Record<string, unknown>> {
    const r = flattenDeclarative(this.store, doc, { flattenErrors: opts.flattenErrors, hash: raw ? md5(raw) : undefined });
    await this.store.replaceAll(r.tables, r.hash);
    return flattenedEntityMap(r.tables);
  }

  async stop(graceMs = 0): Promise<void> {
    if (this.proxy) await this.proxy.close(graceMs);
    this.proxy = null;
    await Promise.all(this.admins.map((a) => a.close()));
    this.admins = [];
    await this.handlers?.close();
    if (this.node) await this.node.stop();
    this.node = null;
    if (this.store) await this.store.close();
    this.logger.info('gateway stopped');
    await new Promise<void>((resolve) => this.logger.flush(() => resolve()));
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
