// What a parser talks to. Parsers are push-style: they call value()/name() for every (point, value)
// they find (the engine runs detectors and the value decoders), and hit() for findings that come from
// parsing itself (data_bomb, invalid_xml). They poll stopped() in loops so budgets cut them short.
import type { AttackType, Point } from '../types.js';

export interface ParseLimits {
  /** Decoding layers allowed (base64 in JSON in a form field = 3). */
  maxDepth: number;
  /** Structural nesting kept in points (JSON/XML); deeper values are still inspected at the capped point. */
  maxNesting: number;
  /** Cap for decompressed bodies (gzip/deflate/brotli) before a data_bomb hit. */
  maxInflateBytes: number;
  /** Cap for the summed expansion of XML entities before a data_bomb hit. */
  maxEntityExpansion: number;
  /** Bytes of body inspected. */
  maxBodyBytes: number;
}

export const DEFAULT_LIMITS: ParseLimits = {
  maxDepth: 8,
  maxNesting: 32,
  maxInflateBytes: 10 * 1024 * 1024,
  maxEntityExpansion: 1024 * 1024,
  maxBodyBytes: 1024 * 1024,
};

/** Inspect the value only: no further decoding (the parser already decoded it structurally). */
export const VALUE_RAW = 1;
/** Text decoders only (percent, base64, htmljs...), no JSON/XML/GraphQL sniffing: already tried. */
export const VALUE_NO_STRUCT = 2;

export interface Sink {
  readonly limits: ParseLimits;
  /**
   * A value at `point`, reached through `depth` decoding layers; the engine inspects it and runs the
   * value decoders on it, as restricted by `flags` (VALUE_RAW, VALUE_NO_STRUCT).
   */
  value(point: Point, value: string, depth: number, flags?: number): void;
  /** A key name (query/form/JSON/cookie/header names...), inspected with kind 'name'. */
  name(point: Point, name: string): void;
  /** A finding made by the parser itself. */
  hit(type: AttackType, point: Point, payload: string, stamp: string): void;
  /** True when the budget is spent; parsers stop early. */
  stopped(): boolean;
}

/** A sink that records everything: used by tests and handy for debugging. */
export class CollectSink implements Sink {
  readonly limits: ParseLimits;
  readonly values: Array<{ point: Point; value: string; depth: number }> = [];
  readonly names: Array<{ point: Point; name: string }> = [];
  readonly hits: Array<{ type: AttackType; point: Point; payload: string; stamp: string }> = [];
  constructor(limits: Partial<ParseLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }
  value(point: Point, value: string, depth: number, _flags?: number): void { this.values.push({ point, value, depth }); }
  name(point: Point, name: string): void { this.names.push({ point, name }); }
  hit(type: AttackType, point: Point, payload: string, stamp: string): void { this.hits.push({ type, point, payload, stamp }); }
  stopped(): boolean { return false; }
}
