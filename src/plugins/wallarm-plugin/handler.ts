// wallarm-plugin: every request is judged by the filtering node: in-process (no network) when no
// wallarm_node_address is set, over HTTP to a node otherwise; blocking=false mirrors out-of-band.
import { encode } from '@msgpack/msgpack';
import { Pool } from 'undici';
import { WafEngine } from '../../waf/index.js';
import type { Kong, PluginEnv, PluginHandler } from '../types.js';
import type { WafInspector } from '../../pdk/index.js';

interface Conf {
  blocking: boolean;
  wallarm_node_address: string | null;
  timeout_ms: number;
  mode: 'off' | 'monitoring' | 'safe_blocking' | 'block' | null;
  application: string | null;
  fallback_action: 'pass' | 'block';
  inspect_response: boolean;
  request_body_limit: number;
  response_body_limit: number;
  block_status: number;
  block_body: string;
  block_content_type: string;
}

interface State {
  /** Request id known to the node, and whether it reported hits (log phase reports the status). */
  requestId?: string;
  hits?: boolean;
  remote?: boolean;
}

const BURST_MS = 10_000;

/** A stand-in when the gateway runs no filtering node: the engine alone, blocking on any attack unless monitoring. */
function engineInspector(): WafInspector {
  const engine = new WafEngine();
  return {
    inspect(req) {
      if (req.modeOverride === 'off') return { blocked: false, requestId: req.requestId ?? '', hits: [], reason: 'off' };
      const r = engine.analyze(req);
      const hits = r.hits.filter((h) => h.type !== 'overlimit_res');
      const blocked = hits.length > 0 && req.modeOverride !== 'monitoring';
      return { blocked, requestId: req.requestId ?? '', hits: r.hits, reason: hits.length ? 'attack' : 'none' };
    },
    reportResponse: () => false,
    recordFailOpen: () => {},
  };
}

export function createHandler(env: PluginEnv): PluginHandler {
  const pools = new Map<string, Pool>();
  let local: WafInspector | null = null;
  let failures = 0;
  let lastFailLog = 0;
  const inspector = (): WafInspector => env.waf ?? (local ??= engineInspector());

  const poolFor = (address: string): Pool => {
    const origin = new URL(address).origin;
    let p = pools.get(origin);
    if (!p) pools.set(origin, (p = new Pool(origin, { connections: 64, pipelining: 1, keepAliveTimeout: 30_000 })));
    return p;
  };

  const nodeFailed = (reason: string, err: unknown) => {
    failures++;
    env.waf?.recordFailOpen(reason);
    const now = Date.now();
    if (now - lastFailLog >= BURST_MS) {
      env.logger.warn({ plugin: 'wallarm-plugin', reason, err: (err as Error)?.message, failures }, 'filtering node unreachable; applying fallback_action');
      lastFailLog = now;
      failures = 0;
    }
  };

  const message = async (kong: Kong, conf: Conf) => {
    const ctx = kong.raw;
    let body: Buffer | null = null;
    const hasBody = ctx.headers.get('content-length') !== undefined || ctx.headers.get('transfer-encoding') !== undefined;
    if (hasBody && conf.request_body_limit > 0) {
      const raw = await kong.request.get_raw_body();
      body = raw.length > conf.request_body_limit ? raw.subarray(0, conf.request_body_limit) : raw;
    }
    const headers: Array<[string, string]> = [];
    const list = ctx.headers.list;
    for (let i = 0; i < list.length; i += 2) headers.push([list[i]!, list[i + 1]!]);
    return {
      method: ctx.method,
      url: ctx.target,
      headers,
      body,
      clientIp: ctx.clientIp,
      protocol: ctx.scheme,
      host: ctx.headers.get('host') ?? undefined,
      requestId: ctx.requestId,
      application: conf.application ?? undefined,
      modeOverride: conf.mode ?? undefined,
    };
  };

  const block = (kong: Kong, conf: Conf) =>
    kong.response.exit(conf.block_status, conf.block_body, { 'Content-Type': conf.block_content_type });

  const wire = (m: Awaited<ReturnType<typeof message>>) =>
    encode({
      method: m.method,
      uri: m.url,
      headers: m.headers,
      body: m.body ?? undefined,
      client_ip: m.clientIp,
      request_id: m.requestId,
      host: m.host,
      application: m.application,
      protocol: m.protocol,
      mode: m.modeOverride,
    } as Record<string, unknown>);

  return {
    async access(kong: Kong, conf: Conf) {
      const state = kong.ctx.plugin as State;
      const m = await message(kong, conf);
      state.requestId = m.requestId;
      if (!conf.wallarm_node_address) {
        if (!conf.blocking) {
          // out-of-band: analysed after this request went on, never delaying it (monitoring only)
          setImmediate(() => {
            try {
              const r = inspector().inspect({ ...m, modeOverride: conf.mode === 'off' ? 'off' : 'monitoring' });
              state.hits = r.hits.length > 0;
            } catch (err) {
              env.logger.error({ err, plugin: 'wallarm-plugin' }, 'out-of-band inspection failed');
            }
          });
          return;
        }
        const r = inspector().inspect(m);
        state.hits = r.hits.length > 0;
        if (r.blocked) return block(kong, conf);
        return;
      }
      const pool = poolFor(conf.wallarm_node_address);
      const base = new URL(conf.wallarm_node_address).pathname.replace(/\/$/, '');
      if (!conf.blocking) {
        pool
          .request({ path: `${base}/v1/mirror`, method: 'POST', headers: { 'content-type': 'application/msgpack' }, body: Buffer.from(wire(m)), headersTimeout: conf.timeout_ms, bodyTimeout: conf.timeout_ms })
          .then((res) => res.body.dump())
          .catch((err) => nodeFailed('mirror', err));
        return;
      }
      state.remote = true;
      let status: number;
      try {
        const res = await pool.request({
          path: `${base}/v1/inspect`,
          method: 'POST',
          headers: { 'content-type': 'application/msgpack', accept: 'application/json' },
          body: Buffer.from(wire(m)),
          signal: AbortSignal.timeout(conf.timeout_ms),
          headersTimeout: conf.timeout_ms,
          bodyTimeout: conf.timeout_ms,
        });
        status = res.statusCode;
        const verdict = (await res.body.json().catch(() => null)) as { hits?: unknown[] } | null;
        state.hits = Array.isArray(verdict?.hits) && verdict!.hits.length > 0;
      } catch (err) {
        nodeFailed((err as Error)?.name === 'TimeoutError' || /timeout/i.test(String((err as Error)?.message)) ? 'timeout' : 'error', err);
        if (conf.fallback_action === 'block') return block(kong, conf);
        return;
      }
      if (status === 403) return block(kong, conf);
      if (status < 200 || status >= 300) {
        nodeFailed(`status_${status}`, new Error(`node answered ${status}`));
        if (conf.fallback_action === 'block') return block(kong, conf);
      }
    },

    log(kong: Kong, conf: Conf) {
      const state = kong.ctx.plugin as State;
      if (!state.requestId || (!state.hits && !conf.inspect_response)) return;
      const status = kong.response.get_status();
      const headers = conf.inspect_response ? (kong.response.get_headers() as Record<string, string>) : undefined;
      if (!state.remote) {
        inspector().reportResponse(state.requestId, status, { headers });
        return;
      }
      const pool = poolFor(conf.wallarm_node_address!);
      const base = new URL(conf.wallarm_node_address!).pathname.replace(/\/$/, '');
      pool
        .request({
          path: `${base}/v1/response`,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ request_id: state.requestId, status, headers }),
          headersTimeout: conf.timeout_ms,
          bodyTimeout: conf.timeout_ms,
        })
        .then((res) => res.body.dump())
        .catch(() => undefined);
    },

    async close() {
      await Promise.all([...pools.values()].map((p) => p.close().catch(() => undefined)));
      pools.clear();
    },
  };
}
