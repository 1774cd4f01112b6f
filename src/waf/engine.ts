// The WAF engine: turns a WafRequest into the (point, value) pairs the parsers find, runs every
// detector on every value (and on key names, kind 'name'), and returns deduplicated hits (one per
// attack type per point). Budgets: decoding depth, structural nesting, values and bytes examined, body
// bytes, inflate size, and wall-clock time (checked every few values and between windows of long
// values); going over time stops analysis with an overlimit_res hit. It never throws.
// Speed: detectors share a one-pass character summary and lower-cased form of the value
// (lexers/charclass.ts) and return early when the characters their syntax needs are absent; in large
// requests a short value already passed in the same kind of place is not run past them again.
import { CleanMemo } from './clean-memo.js';
import { normalizeRequest } from './request.js';
import { parseBody } from './parsers/body.js';
import { parseHeaders } from './parsers/headers.js';
import { DEFAULT_LIMITS, VALUE_RAW, type ParseLimits, type Sink } from './parsers/sink.js';
import { parseUri } from './parsers/uri.js';
import { expandValue } from './parsers/values.js';
import { detectors as bundledDetectors } from './detectors/index.js';
import type { AnalysisResult, AttackType, DetectContext, Detector, EngineOptions, Hit, Point, ValueKind, WafRequest } from './types.js';

export interface WafEngineOptions extends EngineOptions {
  /** Detectors to run; defaults to the registry in ./detectors/index.js. */
  detectors?: Detector[];
  /** Maximum values inspected per request (default 100000); past it analysis stops with overlimit_res. */
  maxValues?: number;
  /** Maximum characters handed to detectors per request (default 16 Mi). */
  maxExaminedBytes?: number;
  /** Structural nesting kept in points (default 32). */
  maxNesting?: number;
  /** Largest XML entity expansion tolerated (default 1 MiB). */
  maxEntityExpansion?: number;
  /** Values longer than this are handed to detectors in overlapping windows (default 16 Ki chars). */
  detectWindow?: number;
  /** Maximum hits kept (default 256). */
  maxHits?: number;
}

const registry: Detector[] = bundledDetectors;
const registryError: unknown = null;

/** The registry's detectors, and why loading it failed (null when it loaded). */
export function defaultDetectors(): { detectors: Detector[]; error: unknown } {
  return { detectors: registry, error: registryError };
}

const OVERLAP = 512;
const MAX_PAYLOAD = 256;
export class WafEngine {
  readonly detectors: Detector[];
  readonly limits: ParseLimits;
  readonly timeBudgetMs: number;
  readonly maxValues: number;
  readonly maxExaminedBytes: number;
  readonly detectWindow: number;
  readonly maxHits: number;
  readonly disabled: Set<AttackType>;
  /** Only bundled detectors: their answers depend on no more of the context than CleanMemo compares. */
  readonly memoSafe: boolean;

  constructor(opts: WafEngineOptions = {}) {
    this.disabled = new Set(opts.disabledTypes ?? []);
    this.detectors = (opts.detectors ?? registry).filter((d) => d && typeof d.detect === 'function' && !this.disabled.has(d.type));
    this.memoSafe = this.detectors.every((d) => registry.includes(d));
    this.limits = {
      maxDepth: num(opts.maxDepth, DEFAULT_LIMITS.maxDepth),
      maxNesting: num(opts.maxNesting, DEFAULT_LIMITS.maxNesting),
      maxInflateBytes: num(opts.maxInflateBytes, DEFAULT_LIMITS.maxInflateBytes),
      maxEntityExpansion: num(opts.maxEntityExpansion, DEFAULT_LIMITS.maxEntityExpansion),
      maxBodyBytes: num(opts.maxBodyBytes, DEFAULT_LIMITS.maxBodyBytes),
    };
    this.timeBudgetMs = num(opts.timeBudgetMs, 100);
    this.maxValues = num(opts.maxValues, 100000);
    this.maxExaminedBytes = num(opts.maxExaminedBytes, 16 * 1024 * 1024);
    this.detectWindow = Math.max(1024, num(opts.detectWindow, 16 * 1024));
    this.maxHits = num(opts.maxHits, 256);
  }

  analyze(req: WafRequest): AnalysisResult {
    const t0 = performance.now();
    const run = new Run(this, t0);
    try {
      const nreq = normalizeRequest(req);
      parseUri(nreq, run);
      if (!run.stop) parseHeaders(nreq, run);
      if (!run.stop) {
        const b = parseBody(nreq, run);
        if (b.truncated) run.truncated = true;
      }
    } catch (e) {
      // A parser bug must not take the request down: report it, keep the hits found so far.
      run.error = e instanceof Error ? e.message : String(e);
    }
    const res: AnalysisResult = { hits: run.hits, elapsedUs: Math.round((performance.now() - t0) * 1000), overlimit: run.overlimit };
    if (run.truncated) res.truncated = true;
    if (run.error !== null) res.error = run.error;
    res.valuesExamined = run.count;
    return res;
  }
}

const DECODER_TAGS = new Set(['percent', 'htmljs', 'base64', 'hex', 'utf7', 'gzip', 'unicode', 'utf16']);

/** The value came out of a text decoder (the only place chains of decoders can multiply). */
function isDecoderOutput(point: Point): boolean {
  const last = point[point.length - 1];
  return last !== undefined && last.length === 1 && DECODER_TAGS.has(last[0]);
}

function num(v: number | undefined, dflt: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : dflt;
}

/** Per-request state; also the Sink the parsers push into. */
class Run implements Sink {
  readonly limits: ParseLimits;
  readonly hits: Hit[] = [];
  private readonly seen = new Set<string>();
  private readonly expanded = new Set<string>();
  /** Short values every detector passed (see clean-memo.ts); null when custom detectors run. */
  private readonly memo: CleanMemo | null;
  count = 0;
  bytes = 0;
  stop = false;
  overlimit = false;
  truncated = false;
  error: string | null = null;
  private readonly deadline: number;

  constructor(private readonly eng: WafEngine, t0: number) {
    this.limits = eng.limits;
    this.deadline = t0 + eng.timeBudgetMs;
    this.memo = eng.memoSafe ? new CleanMemo() : null;
  }

  private polls = 0;

  stopped(): boolean {
    if (this.stop) return true;
    if ((++this.polls & 15) === 0) this.checkTime(null);
    return this.stop;
  }

  private checkTime(point: Point | null): void {
    if (this.stop) return;
    if (performance.now() > this.deadline) {
      this.overlimit = true;
      this.stop = true;
      this.addHit('overlimit_res', point ?? [['uri']], `analysis exceeded the ${this.eng.timeBudgetMs} ms budget`, 'overlimit_res:time-budget', true);
    }
  }

  private cut(point: Point, what: string): void {
    this.stop = true;
    this.truncated = true;
    this.addHit('overlimit_res', point, `analysis stopped: more than ${what}`, 'overlimit_res:size-budget', true);
  }

  value(point: Point, value: string, depth: number, flags = 0): void {
    if (this.stop) return;
    const n = value.length;
    if (++this.count > this.eng.maxValues) return this.cut(point, `${this.eng.maxValues} values`);
    this.bytes += n;
    if (this.bytes > this.eng.maxExaminedBytes) return this.cut(point, `${this.eng.maxExaminedBytes} characters examined`);
    if ((this.count & 7) === 0 || n > 4096) { this.checkTime(point); if (this.stop) return; }
    if (n > 0) this.detect(point, value, 'value');
    if ((flags & VALUE_RAW) !== 0 || depth >= this.limits.maxDepth || n < 3 || this.stop) return;
    // The same string met again (at another point or through another decoding order) is not decoded
    // twice: this keeps chains of decoders from multiplying.
    // Scoped to the top-level part (a header, a parameter, the body) so the same token in two places
    // is still decoded at both.
    if (depth > 1 && n <= 4096 && isDecoderOutput(point)) {
      const top = point[0];
      const key = top ? top[0] + '\u0001' + (top.length > 1 ? String(top[1]) : '') + '\u0002' + value : value;
      if (this.expanded.has(key)) return;
      this.expanded.add(key);
    }
    expandValue(point, value, depth, flags, this);
  }

  name(point: Point, name: string): void {
    if (this.stop || name.length === 0) return;
    if (++this.count > this.eng.maxValues) return this.cut(point, `${this.eng.maxValues} values`);
    this.bytes += name.length;
    if ((this.count & 7) === 0) { this.checkTime(point); if (this.stop) return; }
    this.detect(point, name, 'name');
  }

  hit(type: AttackType, point: Point, payload: string, stamp: string): void {
    if (this.eng.disabled.has(type)) return;
    this.addHit(type, point, payload, stamp);
  }

  private addHit(type: AttackType, point: Point, payload: string, stamp: string, force = false): void {
    if (this.hits.length >= this.eng.maxHits && !force) return;
    let key: string;
    try { key = type + '\u0000' + JSON.stringify(point); } catch { key = type + '\u0000' + String(point); }
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.hits.push({ type, point, payload: payload.length > MAX_PAYLOAD ? payload.slice(0, MAX_PAYLOAD) : payload, detector: stamp });
  }

  private detect(point: Point, value: string, kind: ValueKind): void {
    const dets = this.eng.detectors;
    if (dets.length === 0) return;
    const first = point[0];
    const root = first ? first[0] : '';
    const header = root === 'header' && first && first.length > 1 ? String(first[1]) : undefined;
    const memo = this.memo;
    if (memo !== null && memo.applies(value, kind, this.count)) {
      if (memo.passed(value, point, kind, root, header)) return;
      if (!this.runDetectors(dets, value, { point, kind, root, header })) memo.remember(value, point, kind, root, header);
      return;
    }
    const ctx: DetectContext = { point, kind, root, header };
    const w = this.eng.detectWindow;
    if (value.length <= w) { this.runDetectors(dets, value, ctx); return; }
    // Long values: overlapping windows, so no single detector call sees more than w chars and the
    // clock is checked between windows.
    for (let off = 0; off < value.length; off += w - OVERLAP) {
      this.runDetectors(dets, value.slice(off, off + w), ctx);
      this.checkTime(point);
      if (this.stop || off + w >= value.length) return;
    }
  }

  /** Run the detectors on one value (or window); true when any of them matched. */
  private runDetectors(dets: Detector[], value: string, ctx: DetectContext): boolean {
    // On long values one detector call can take milliseconds: check the clock between detectors so the
    // budget is overshot by at most one call.
    const long = value.length > 2048;
    let matched = false;
    for (let i = 0; i < dets.length; i++) {
      const d = dets[i]!;
      let m;
      try { m = d.detect(value, ctx); } catch { continue; }
      if (m) {
        matched = true;
        this.addHit(d.type, ctx.point, typeof m.payload === 'string' ? m.payload : String(m.payload), typeof m.stamp === 'string' ? m.stamp : d.type);
      }
      if (long) { this.checkTime(ctx.point); if (this.stop) return matched; }
    }
    return matched;
  }
}

let shared: WafEngine | null = null;

/** Analyse one request with a default engine (or one built from opts). */
export function analyze(req: WafRequest, opts?: WafEngineOptions): AnalysisResult {
  if (opts) return new WafEngine(opts).analyze(req);
  shared ??= new WafEngine();
  return shared.analyze(req);
}
