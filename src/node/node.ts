// FilteringNode: modes, IP lists, rules, the attack log and metrics around the WAF engine. inspect() is the
// in-process entry the gateway's wallarm-plugin calls; the HTTP server (server.ts) wraps the same methods
// for remote connectors, so hits from both land in one log, one set of metrics, one console.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
import { silentLogger, type CustomLevels } from '../observability/logger.js';
import type { PgSettings } from '../store/postgres/connection.js';
import { WafEngine, type AttackType, type WafEngineOptions } from '../waf/index.js';
import { analyseRequest, pathOf } from './analyse.js';
import { AttackLog, REDACTED, type NewHit } from './attacklog.js';
import { AutoGraylist } from './autograylist.js';
import { loadNodeConfig, validateNodeConfig, type NodeFileConfig } from './config.js';
import { decide, preDecide } from './decide.js';
import { NodeError } from './errors.js';
import { falsePositiveRuleInput, type FalsePositiveOptions } from './falsepositive.js';
import { isLoopbackHost, type Cidr } from './ip.js';
import { IpLists } from './iplists.js';
import { NodeMetrics } from './metrics.js';
import { normalizeRequestId, type Message, type ResponseMessage } from './protocol.js';
import { RealIpResolver } from './realip.js';
import { globToRegExp, RuleSet, type ApplicableRules } from './rules.js';
import { postgresStores } from './pg/index.js';
import type { ReplicaLink } from './replica.js';
import { NodeServer } from './server.js';
import { EmbeddedAttackStore, EmbeddedIpListStore, type AttackStore, type IpListStore } from './stores.js';
import { isMode, MODES, type Clock, type HitSource, type InspectHit, type InspectRequest, type InspectResult, type ListName, type Mode, type StoredHit } from './types.js';

export interface FilteringNodeOptions {
  /** Listeners for connectors, API and console (default 127.0.0.1:5000; port 0 = any free port). */
  listen?: Array<{ host: string; port: number }>;
  /** Data folder: the node keeps its files in `<prefix>/node/`. */
  prefix: string;
  /** Default mode; else WALLARM_MODE, else the config file, else 'block'. */
  mode?: Mode;
  /** Application of requests that do not name one (else WALLARM_APPLICATION). */
  application?: string;
  /** Bearer token for the API and console off loopback (else PORTCULLIS_NODE_TOKEN, else the config file). */
  token?: string | null;
  /** node.yaml / node.json. */
  configFile?: string;
  /** The same settings inline (merged over the file). */
  config?: Record<string, unknown>;
  logger?: Logger<CustomLevels> | Logger;
  engine?: WafEngine;
  engineOptions?: WafEngineOptions;
  /** Hits kept in memory and served by the API. */
  attackLogMax?: number;
  /** Clock (ms since epoch); tests inject one. */
  now?: Clock;
  /** Environment to read WALLARM_* / PORTCULLIS_NODE_TOKEN from (default process.env). */
  env?: Record<string, string | undefined>;
  /** Treat every listener as non-loopback: the API requires the token (tests simulate exposure with it). */
  requireToken?: boolean;
  /** Largest connector message body in bytes (default 16 MiB, or body_limit in the config file). */
  bodyLimit?: number;
  /** Register process-level default metrics on this node's registry. */
  defaultMetrics?: boolean;
  /** The gateway's database: on PostgreSQL the attack log and IP lists are shared by every node on it. */
  database?: NodeDatabase;
  /**
   * A proxy worker's replica of its primary's node (replica.ts): state and settings from `replica.state`,
   * records to the primary; no listener, no files, no config file of its own.
   */
  replica?: ReplicaLink;
}

export interface NodeDatabase {
  /** 'postgres', 'embedded' or 'off'. */
  kind: string;
  pg?: PgSettings | null;
  /** Tags this node's hits and attacks (the gateway's node id). */
  nodeId?: string;
  /** How often the IP lists are checked for a missed change (ms, default 5000). */
  pollMs?: number;
}

export type NodeState = 'starting' | 'running' | 'stopping' | 'stopped';

const NON_BLOCKING_TYPES: ReadonlySet<AttackType> = new Set(['overlimit_res']);

interface RequestFacts {
  requestId: string;
  method: string;
  host: string;
  path: string;
  clientIp: string | null;
  application: string | null;
  rules: ApplicableRules;
  mode: Mode;
}

export class FilteringNode {
  readonly prefix: string;
  readonly dir: string;
  readonly logger: Logger<CustomLevels> | Logger;
  readonly metrics: NodeMetrics;
  readonly ipLists: IpLists;
  readonly rules: RuleSet;
  readonly attackLog: AttackLog;
  /** What the API reads: this node's log, or every node's on PostgreSQL. */
  readonly attackStore: AttackStore;
  /** Where IP list changes go; lookups use ipLists, which it keeps current. */
  readonly ipListStore: IpListStore;
  readonly database: NodeDatabase | null;
  readonly engine: WafEngine;
  readonly application: string | null;
  readonly token: string | null;
  readonly requireToken: boolean;
  readonly bodyLimit: number;
  readonly allowedNetworks: Cidr[];
  readonly allowedHosts: RegExp[];
  readonly listen: Array<{ host: string; port: number }>;
  readonly startedAt: number;
  /** The validated config file (and inline config) this node runs with. */
  readonly fileConfig: NodeFileConfig;
  /** Told of every mode change (a primary's node streams it to its workers' replicas). */
  onModeChange: ((mode: Mode) => void) | null = null;
  state: NodeState = 'starting';
  private readonly replica: ReplicaLink | null;
  private modeValue: Mode;
  private readonly now: Clock;
  private readonly realIp: RealIpResolver;
  private readonly autoGray: AutoGraylist;
  private readonly overlimitBlock: boolean;
  private readonly engineOptions: WafEngineOptions;
  private readonly mirrorQueue: Message[] = [];
  private readonly mirrorMax: number;
  private mirrorScheduled = false;
  private mirrorWaiters: Array<() => void> = [];
  private readonly idAliases = new Map<string, string>();
  private server: NodeServer | null = null;
  private purgeTimer: NodeJS.Timeout | null = null;
  private readonly stateFile: string;
  private readonly closeStores: () => Promise<void>;
  private opened: Promise<void> | null = null;

  constructor(opts: FilteringNodeOptions) {
    if (!opts || typeof opts.prefix !== 'string' || opts.prefix === '') throw new Error('FilteringNode: prefix (data folder) is required');
    const env = opts.env ?? process.env;
    this.now = opts.now ?? Date.now;
    this.logger = opts.logger ?? silentLogger();
    const replica = (this.replica = opts.replica ?? null);
    let file: NodeFileConfig = {};
    if (replica) file = validateNodeConfig(replica.state.settings, '<primary node>');
    else {
      if (opts.configFile) file = loadNodeConfig(opts.configFile);
      if (opts.config) file = { ...file, ...validateNodeConfig(opts.config, '<options.config>') };
    }
    this.fileConfig = file;
    const envMode = replica ? undefined : env.WALLARM_MODE?.trim();
    if (envMode && !isMode(envMode)) throw new Error(`WALLARM_MODE must be one of ${MODES.join(', ')} (got '${envMode}')`);
    this.modeValue = replica?.state.mode ?? opts.mode ?? (envMode as Mode | undefined) ?? file.mode ?? 'block';
    if (!isMode(this.modeValue)) throw new Error(`mode must be one of ${MODES.join(', ')}`);
    this.application = replica ? replica.state.application : opts.application ?? (env.WALLARM_APPLICATION?.trim() || null) ?? file.application ?? null;
    this.token = opts.token ?? (env.PORTCULLIS_NODE_TOKEN?.trim() || null) ?? file.token ?? null;
    this.listen = replica ? [] : opts.listen ?? [{ host: '127.0.0.1', port: 5000 }];
    this.requireToken = opts.requireToken === true || this.listen.some((l) => !isLoopbackHost(l.host));
    if (this.requireToken && !this.token) {
      throw new Error('the node listens off loopback: set a token (PORTCULLIS_NODE_TOKEN) for its API and console');
    }
    this.bodyLimit = opts.bodyLimit ?? file.body_limit ?? 16 * 1024 * 1024;
    this.allowedNetworks = file.allowed_networks ?? [];
    this.allowedHosts = (file.allowed_hosts ?? []).map(globToRegExp);
    this.overlimitBlock = file.overlimit_block === true;
    this.mirrorMax = file.mirror_queue ?? 10_000;
    this.realIp = new RealIpResolver(file.proxy_headers);
    this.autoGray = new AutoGraylist(file.auto_graylist, this.now);
    this.engineOptions = opts.engineOptions ?? {};
    this.engine = opts.engine ?? new WafEngine(this.engineOptions);
    this.metrics = new NodeMetrics({ defaultMetrics: opts.defaultMetrics });
    this.prefix = opts.prefix;
    this.dir = path.join(opts.prefix, 'node');
    if (!replica) fs.mkdirSync(this.dir, { recursive: true });
    this.stateFile = path.join(this.dir, 'state.json');

    this.ipLists = new IpLists(this.now);
    this.rules = new RuleSet(this.now);
    if (replica) {
      for (const e of replica.state.ipLists) this.ipLists.put(e);
      this.rules.put(replica.state.rules);
    } else this.restoreState();
    for (const [i, e] of (file.ip_lists ?? []).entries()) {
      try { this.ipLists.add(e as Record<string, unknown>, 'config'); } catch (err) { throw new Error(`node config ip_lists[${i}]: ${(err as Error).message}`); }
    }
    for (const [i, r] of (file.rules ?? []).entries()) {
      try { this.rules.add(r, 'config'); } catch (err) { throw new Error(`node config rules[${i}]: ${(err as Error).message}`); }
    }

    this.attackLog = new AttackLog({
      file: path.join(this.dir, 'attacks.journal'),
      now: this.now,
      maxHits: opts.attackLogMax ?? file.attack_log?.max_hits,
      maxBytes: file.attack_log?.max_bytes,
      maxFiles: file.attack_log?.max_files,
      sampling: file.sampling ? { enabled: file.sampling.enabled, keep: file.sampling.keep, windowMs: file.sampling.window !== undefined ? file.sampling.window * 1000 : undefined } : undefined,
      redactKeys: file.attack_log?.redact_keys,
    });
    this.attackLog.onError = (e) => {
      this.metrics.errors.inc({ type: 'journal' });
      this.logger.error({ err: e }, 'attack log write failed');
    };
    // a replica's hits go to the primary's log; its own stays empty and its journal unopened
    const rs = replica ? null : this.attackLog.open();
    if (rs?.corrupt || rs?.tornTail) this.logger.warn({ corrupt: rs.corrupt, tornTail: rs.tornTail }, 'attack log: dropped damaged lines on replay');
    const db = opts.database;
    this.database = db ?? null;
    if (replica) {
      this.attackStore = new EmbeddedAttackStore(this.attackLog);
      this.ipListStore = replica.ipListStore;
      this.closeStores = () => replica.close();
    } else if (db?.kind === 'postgres' && db.pg) {
      const s = postgresStores(this.attackLog, this.ipLists, {
        pg: db.pg, nodeId: db.nodeId ?? 'node', pollMs: db.pollMs ?? 5000,
        maxHits: opts.attackLogMax ?? file.attack_log?.max_hits ?? 100_000, now: this.now, logger: this.logger as Logger,
      });
      this.attackStore = s.attacks;
      this.ipListStore = s.ipLists;
      this.closeStores = () => s.close();
    } else {
      this.attackStore = new EmbeddedAttackStore(this.attackLog);
      this.ipListStore = new EmbeddedIpListStore(this.ipLists, () => this.saveState());
      this.closeStores = async () => undefined;
    }
    this.startedAt = this.now();
    this.updateModeGauge();
  }

  get mode(): Mode {
    return this.modeValue;
  }

  setMode(mode: Mode): void {
    if (!isMode(mode)) throw new NodeError(400, `mode must be one of ${MODES.join(', ')}`);
    this.modeValue = mode;
    this.updateModeGauge();
    this.logger.info({ mode }, 'node mode changed');
    this.onModeChange?.(mode);
  }

  private updateModeGauge(): void {
    for (const m of MODES) this.metrics.mode.set({ mode: m }, m === this.modeValue ? 1 : 0);
  }

  /** Load the shared IP lists (PostgreSQL) and follow their changes; start() does it too. */
  open(): Promise<void> {
    this.opened ??= this.ipListStore.open();
    return this.opened;
  }

  /** Bind the listeners; resolves with their addresses. */
  async start(): Promise<AddressInfo[]> {
    if (this.server) return this.server.addresses();
    await this.open();
    this.state = 'starting';
    this.server = new NodeServer(this);
    const addrs = await this.server.listen(this.listen);
    this.purgeTimer = setInterval(() => {
      const n = this.ipLists.purge();
      if (n) this.saveState();
    }, 60_000);
    this.purgeTimer.unref();
    this.state = 'running';
    this.logger.info({ listen: addrs.map((a) => `${a.address}:${a.port}`), mode: this.mode }, 'filtering node started');
    return addrs;
  }

  addresses(): AddressInfo[] {
    return this.server?.addresses() ?? [];
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopping';
    if (this.purgeTimer) { clearInterval(this.purgeTimer); this.purgeTimer = null; }
    if (this.server) { await this.server.close(); this.server = null; }
    // Mirrored requests still queued are analysed now (bounded by the queue size).
    this.drainMirror(Infinity);
    await this.closeStores();
    if (!this.replica) this.attackLog.close();
    this.state = 'stopped';
    for (const w of this.mirrorWaiters.splice(0)) w();
  }

  // ---- in-process API -------------------------------------------------------------------------

  /** In-line verdict for one request (no network). Never throws for request content. */
  inspect(req: InspectRequest): InspectResult {
    const t0 = performance.now();
    this.metrics.messages.inc({ type: 'request', result: 'processed' });
    const facts = this.facts(req);
    const res = this.evaluate(req, facts, true);
    this.metrics.latency.observe({ path: 'inline' }, (performance.now() - t0) / 1000);
    return res;
  }

  /** The connector's response to a request inspected earlier (status recorded on its hits). */
  reportResponse(requestId: string, status: number, extra: { headers?: Array<[string, string]> | Record<string, string>; bodyBytes?: number } = {}): boolean {
    this.metrics.messages.inc({ type: 'response', result: 'processed' });
    const rid = this.resolveId(requestId);
    if (!rid) return false;
    let headers: Record<string, string> | undefined;
    if (extra.headers) headers = Array.isArray(extra.headers) ? Object.fromEntries(extra.headers) : extra.headers;
    if (this.replica) {
      this.replica.record({ response: { requestId: rid, status, headers, bodyBytes: extra.bodyBytes } });
      return true;
    }
    return this.attackLog.setResponse(rid, { status, headers, bodyBytes: extra.bodyBytes }) > 0;
  }

  /** The wallarm-plugin calls this when it forwarded a request without a verdict (timeout, node error). */
  recordFailOpen(reason = 'timeout'): void {
    this.metrics.failOpen.inc({ reason });
    this.metrics.bypassed.inc({ reason: 'fail_open' });
  }

  /** Queue mirrored traffic (out of band, monitoring semantics). Returns how many were accepted. */
  ingest(messages: Message[]): { accepted: number; dropped: number } {
    let accepted = 0, dropped = 0;
    for (const m of messages) {
      if (this.mirrorQueue.length >= this.mirrorMax) { dropped++; continue; }
      this.mirrorQueue.push(m);
      accepted++;
    }
    if (dropped) {
      this.metrics.errors.inc({ type: 'queue_full' }, dropped);
      this.metrics.messages.inc({ type: 'mirror', result: 'rejected' }, dropped);
    }
    this.scheduleMirror();
    return { accepted, dropped };
  }

  /** Resolves when the mirror queue is empty (tests, graceful shutdown). */
  whenIdle(): Promise<void> {
    if (this.mirrorQueue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.mirrorWaiters.push(resolve));
  }

  private scheduleMirror(): void {
    if (this.mirrorScheduled || this.mirrorQueue.length === 0) return;
    this.mirrorScheduled = true;
    setImmediate(() => {
      this.mirrorScheduled = false;
      this.drainMirror(16);
      if (this.mirrorQueue.length > 0) this.scheduleMirror();
      else for (const w of this.mirrorWaiters.splice(0)) w();
    });
  }

  private drainMirror(max: number): void {
    let n = 0;
    while (n++ < max && this.mirrorQueue.length > 0) {
      const m = this.mirrorQueue.shift()!;
      try {
        if (m.type === 'response') this.handleResponseMessage(m);
        else {
          const t0 = performance.now();
          this.metrics.messages.inc({ type: 'mirror', result: 'processed' });
          const facts = this.facts(m);
          if (facts.mode !== 'off') facts.mode = 'monitoring';
          this.evaluate(m, facts, false);
          this.metrics.latency.observe({ path: 'mirror' }, (performance.now() - t0) / 1000);
        }
      } catch (e) {
        this.metrics.errors.inc({ type: 'engine' });
        this.logger.error({ err: e }, 'mirror analysis failed');
      }
    }
  }

  handleResponseMessage(m: ResponseMessage): boolean {
    return this.reportResponse(m.requestId, m.status, { headers: m.headers, bodyBytes: m.bodyBytes });
  }

  // ---- evaluation -----------------------------------------------------------------------------

  private resolveId(id: string): string | null {
    return normalizeRequestId(id) ?? this.idAliases.get(id) ?? null;
  }

  private facts(req: InspectRequest): RequestFacts {
    let requestId = normalizeRequestId(req.requestId);
    if (!requestId) {
      requestId = randomBytes(16).toString('hex');
      if (req.requestId) {
        this.idAliases.set(req.requestId, requestId);
        if (this.idAliases.size > 10_000) this.idAliases.delete(this.idAliases.keys().next().value!);
      }
    }
    const headers = Array.isArray(req.headers) ? req.headers : [];
    const real = this.realIp.resolve(req.clientIp, headers);
    let host = real.host ?? req.host ?? '';
    if (!host) for (const [k, v] of headers) if (k.toLowerCase() === 'host') { host = v; break; }
    const url = typeof req.url === 'string' ? req.url : '/';
    const application = req.application ?? this.application;
    const method = typeof req.method === 'string' ? req.method.toUpperCase() : 'GET';
    const p = pathOf(url);
    const rules = this.rules.forRequest({ host, path: p, method, application });
    const mode = req.modeOverride ?? rules.mode ?? this.modeValue;
    return { requestId, method, host, path: p, clientIp: real.clientIp, application, rules, mode };
  }

  private evaluate(req: InspectRequest, f: RequestFacts, inline: boolean): InspectResult {
    const base = { requestId: f.requestId, mode: f.mode, clientIp: f.clientIp };
    if (f.mode === 'off') {
      this.metrics.bypassed.inc({ reason: 'off' });
      return { ...base, verdict: 'pass', blocked: false, hits: [], reason: 'off' };
    }
    const entry = this.ipLists.lookup(f.clientIp, f.application);
    let list: ListName | null = entry?.list ?? null;
    this.metrics.acl.inc({ list: list ?? 'none' });
    // Out of band nothing can be blocked: a denylisted source is analysed like any other.
    if (!inline && list === 'deny') list = null;
    const pre = preDecide(f.mode, list);
    if (pre.final) {
      if (!pre.final.block) {
        this.metrics.bypassed.inc({ reason: pre.final.reason });
        return { ...base, verdict: 'pass', blocked: false, hits: [], reason: pre.final.reason };
      }
      const hit: InspectHit = {
        type: 'blocked_source', point: [], payload: `${f.clientIp ?? '-'} ${entry?.ip ?? ''}${entry?.reason ? ' (' + entry.reason + ')' : ''}`.slice(0, 256),
        detector: 'acl:denylist', source: 'denylist', blocking: true,
      };
      this.recordHits(req, f, [hit], true, inline);
      this.metrics.requestsBlocked.inc({ reason: 'denylist' });
      this.metrics.attacksBlocked.inc({ type: 'blocked_source', source: 'denylist' });
      this.logger.info({ request_id: f.requestId, client_ip: f.clientIp, reason: 'denylist' }, 'request blocked');
      return { ...base, verdict: 'block', blocked: true, hits: [hit], reason: 'denylist' };
    }

    this.metrics.requestsAnalyzed.inc({ path: inline ? 'inline' : 'mirror' });
    const hits = this.analyse(req, f);
    const canBlockAttack = inline && (f.mode === 'block' || (f.mode === 'safe_blocking' && list === 'gray'));
    let attack = false, vpatch = false;
    for (const h of hits) {
      if (h.source === 'vpatch') { h.blocking = inline; vpatch = true; continue; }
      const eligible = h.source !== 'experimental' && (this.overlimitBlock || !NON_BLOCKING_TYPES.has(h.type));
      if (eligible) attack = true;
      h.blocking = eligible && canBlockAttack;
    }
    const d = decide(f.mode, list, { vpatch, attack, anyHit: hits.length > 0 });
    const blocked = inline && d.block;
    if (hits.length > 0) {
      this.recordHits(req, f, hits, blocked, inline);
      if (this.autoGray.observe(f.clientIp, hits) && f.clientIp && !entry) {
        try {
          const e = this.ipLists.add({ ip: f.clientIp, list: 'gray', reason: 'Malicious payload trigger', ttl: this.autoGray.ttlS, application: null }, 'auto', 'Malicious payload trigger');
          this.metrics.autoGraylisted.inc();
          this.ipListStore.added(e);
          this.logger.info({ client_ip: f.clientIp }, 'source graylisted by the malicious payload trigger');
        } catch { /* address not listable */ }
      }
    }
    if (blocked) {
      this.metrics.requestsBlocked.inc({ reason: d.reason });
      for (const h of hits) if (h.blocking) this.metrics.attacksBlocked.inc({ type: h.type, source: d.blockedBy ?? h.source });
      this.logger.info({ request_id: f.requestId, client_ip: f.clientIp, reason: d.reason, types: [...new Set(hits.map((h) => h.type))] }, 'request blocked');
    }
    return { ...base, verdict: blocked ? 'block' : 'pass', blocked, hits, reason: d.reason };
  }

  private analyse(req: InspectRequest, f: RequestFacts): InspectHit[] {
    return analyseRequest(this.engine, this.engineOptions, req, f, (what, e) => {
      this.metrics.errors.inc({ type: 'engine' });
      this.logger.warn({ request_id: f.requestId, error: e instanceof Error ? e.message : e }, what);
    });
  }

  private recordHits(req: InspectRequest, f: RequestFacts, hits: InspectHit[], blocked: boolean, inline: boolean): void {
    const t = this.now();
    // a payload cut from the raw URI or body may carry part of a configured secret's value
    const rawSecret = hits.some((h) => h.point.length === 1 && h.point[0]!.length === 1) && this.attackLog.rawHoldsSecret(req.url, req.body);
    for (const h of hits) {
      this.metrics.attacksFound.inc({ type: h.type, source: h.source });
      const payload = rawSecret && h.point.length === 1 && h.point[0]!.length === 1 ? REDACTED : h.payload;
      const hit: NewHit = {
        request_id: f.requestId, time: t, client_ip: f.clientIp, host: f.host, method: f.method, path: f.path,
        point: h.point, type: h.type, payload, detector: h.detector, source: h.source,
        verdict: blocked ? 'blocked' : 'monitored', response_status: null, application: f.application,
        ...(h.source === 'experimental' ? { experimental: true } : {}), ...(inline ? {} : { oob: true }),
      };
      // a replica's hits are sampled and stored by the primary
      if (this.replica) this.replica.record({ hit });
      else if (!this.attackLog.record(hit)) this.metrics.sampled.inc();
    }
  }

  // ---- false positives and persistence --------------------------------------------------------

  /** Mark a hit as a false positive and (unless markOnly) add a rule that stops detection at its point. */
  falsePositive(hitId: string, opts: FalsePositiveOptions = {}): { hit: StoredHit; rule: ReturnType<RuleSet['add']> | null } | null {
    const hit = this.attackLog.getHit(hitId);
    if (!hit) return null;
    this.attackLog.markFalsePositive(hitId);
    return { hit, rule: this.falsePositiveRule(hit, opts) };
  }

  /** falsePositive() for a hit any node recorded (the attack store's), as the API serves it. */
  async markFalsePositive(hitId: string, opts: FalsePositiveOptions = {}): Promise<{ hit: StoredHit; rule: ReturnType<RuleSet['add']> | null } | null> {
    const hit = await this.attackStore.markFalsePositive(hitId);
    if (!hit) return null;
    return { hit, rule: this.falsePositiveRule(hit, opts) };
  }

  private falsePositiveRule(hit: StoredHit, opts: FalsePositiveOptions): ReturnType<RuleSet['add']> | null {
    const input = falsePositiveRuleInput(hit, opts);
    if (!input) return null;
    const rule = this.rules.add(input, 'false_positive');
    this.saveState();
    return rule;
  }

  private restoreState(): void {
    let raw: string;
    try { raw = fs.readFileSync(this.stateFile, 'utf8'); } catch { return; }
    try {
      const s = JSON.parse(raw) as { ip_lists?: unknown; rules?: unknown };
      this.ipLists.restore(s.ip_lists);
      this.rules.restore(s.rules);
    } catch (e) {
      this.logger.error({ err: e, file: this.stateFile }, 'node state file unreadable; starting with empty lists and rules');
    }
  }

  /** Persist API-made lists and rules (config-file entries come back from the file; on PostgreSQL the lists live there). */
  saveState(): void {
    if (this.replica) return;
    const lists = this.database?.kind === 'postgres' ? [] : [...this.ipLists.snapshot('manual'), ...this.ipLists.snapshot('auto')];
    const data = JSON.stringify({ version: 1, ip_lists: lists, rules: this.rules.snapshot() });
    const tmp = `${this.stateFile}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, data);
      fs.renameSync(tmp, this.stateFile);
    } catch (e) {
      this.metrics.errors.inc({ type: 'state' });
      this.logger.error({ err: e }, 'cannot save node state');
    }
  }
}
