// The mode × IP-list matrix of docs/waf.md §3, as one pure function. Order: off → allowlist → denylist
// → (analysis) → virtual patch → attack. The graylist only matters in safe_blocking; in monitoring
// and block a graylisted source is treated as unlisted.
import type { ListName, Mode, Reason } from './types.js';

/** Before analysis: whether to analyse at all, or the verdict when the lists decide alone. */
export interface PreDecision {
  analyse: boolean;
  /** Set when no analysis is needed: the final verdict. */
  final?: { block: boolean; reason: Reason; recordBlockedSource: boolean };
}

export function preDecide(mode: Mode, list: ListName | null): PreDecision {
  if (mode === 'off') return { analyse: false, final: { block: false, reason: 'off', recordBlockedSource: false } };
  if (list === 'allow') return { analyse: false, final: { block: false, reason: 'allowlist', recordBlockedSource: false } };
  if (list === 'deny') return { analyse: false, final: { block: true, reason: 'denylist', recordBlockedSource: true } };
  return { analyse: true };
}

export interface Findings {
  /** A virtual patch matched. */
  vpatch: boolean;
  /** At least one hit that may block (not experimental, not overlimit-bypass). */
  attack: boolean;
  /** Any hit at all (recorded even when nothing blocks). */
  anyHit: boolean;
}

export interface Decision {
  block: boolean;
  reason: Reason;
  /** Which mechanism blocked, for metrics: detector, vpatch, graylist. */
  blockedBy: 'detector' | 'vpatch' | 'graylist' | 'denylist' | null;
}

/** After analysis of a request the lists did not settle (mode is not off, source not allow/deny). */
export function decide(mode: Mode, list: ListName | null, f: Findings): Decision {
  if (f.vpatch) return { block: true, reason: 'vpatch', blockedBy: 'vpatch' };
  if (f.attack) {
    if (mode === 'block') return { block: true, reason: 'attack', blockedBy: 'detector' };
    if (mode === 'safe_blocking' && list === 'gray') return { block: true, reason: 'graylist', blockedBy: 'graylist' };
  }
  return { block: false, reason: f.anyHit ? 'attack' : 'none', blockedBy: null };
}

/** The whole matrix for one cell: used by tests and by the docs table. */
export function verdictFor(mode: Mode, list: ListName | null, f: Findings): Decision & { analysed: boolean } {
  const pre = preDecide(mode, list);
  if (pre.final) return { block: pre.final.block, reason: pre.final.reason, blockedBy: pre.final.block ? 'denylist' : null, analysed: false };
  return { ...decide(mode, list, f), analysed: true };
}
