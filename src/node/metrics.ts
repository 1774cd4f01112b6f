// Prometheus metrics of one node, on its own Registry (several nodes can share a process), named in the
// spirit of docs/waf.md §10.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class NodeMetrics {
  readonly registry = new Registry();
  readonly messages: Counter<'type' | 'result'>;
  readonly requestsAnalyzed: Counter<'path'>;
  readonly requestsBlocked: Counter<'reason'>;
  readonly attacksFound: Counter<'type' | 'source'>;
  readonly attacksBlocked: Counter<'type' | 'source'>;
  readonly acl: Counter<'list'>;
  readonly bypassed: Counter<'reason'>;
  readonly errors: Counter<'type'>;
  readonly failOpen: Counter<'reason'>;
  readonly sampled: Counter;
  readonly autoGraylisted: Counter;
  readonly latency: Histogram<'path'>;
  readonly ipListEntries: Gauge<'list'>;
  readonly mode: Gauge<'mode'>;

  constructor(opts: { defaultMetrics?: boolean; prefix?: string } = {}) {
    const p = opts.prefix ?? 'portcullis_node_';
    const r = [this.registry];
    this.messages = new Counter({ name: `${p}messages_total`, help: 'Connector messages by type (request, response, health, mirror) and result (processed, rejected)', labelNames: ['type', 'result'], registers: r });
    this.requestsAnalyzed = new Counter({ name: `${p}requests_analyzed_total`, help: 'Requests analysed by the engine, by path (inline, mirror)', labelNames: ['path'], registers: r });
    this.requestsBlocked = new Counter({ name: `${p}requests_blocked_total`, help: 'Requests blocked, by reason (attack, vpatch, denylist, graylist)', labelNames: ['reason'], registers: r });
    this.attacksFound = new Counter({ name: `${p}attacks_total`, help: 'Hits found, by attack type and source (detector, vpatch, regex, experimental, denylist)', labelNames: ['type', 'source'], registers: r });
    this.attacksBlocked = new Counter({ name: `${p}attacks_blocked_total`, help: 'Hits in blocked requests, by attack type and what blocked (detector, vpatch, denylist, graylist)', labelNames: ['type', 'source'], registers: r });
    this.acl = new Counter({ name: `${p}acl_total`, help: 'IP list lookups by result (allow, deny, gray, none)', labelNames: ['list'], registers: r });
    this.bypassed = new Counter({ name: `${p}requests_bypassed_total`, help: 'Requests not analysed, by reason (off, allowlist, fail_open)', labelNames: ['reason'], registers: r });
    this.errors = new Counter({ name: `${p}errors_total`, help: 'Errors by type (decode, body_read, body_too_large, engine, journal, queue_full)', labelNames: ['type'], registers: r });
    this.failOpen = new Counter({ name: `${p}fail_open_total`, help: 'Requests forwarded without a verdict (connector timeout or node error)', labelNames: ['reason'], registers: r });
    this.sampled = new Counter({ name: `${p}hits_sampled_out_total`, help: 'Hits counted but not stored because of sampling', registers: r });
    this.autoGraylisted = new Counter({ name: `${p}auto_graylisted_total`, help: 'Addresses graylisted by the malicious payload trigger', registers: r });
    this.latency = new Histogram({ name: `${p}inspect_duration_seconds`, help: 'Time to a verdict (inline) or to analyse a mirrored request', labelNames: ['path'], buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1], registers: r });
    this.ipListEntries = new Gauge({ name: `${p}iplist_entries`, help: 'Active IP list entries by list', labelNames: ['list'], registers: r });
    this.mode = new Gauge({ name: `${p}mode`, help: 'Current node mode (1 for the active one)', labelNames: ['mode'], registers: r });
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: p });
  }
}
