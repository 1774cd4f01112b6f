// A hit marked as a false positive becomes a rule that stops detection where it fired (docs/waf.md §8):
// for that detector stamp, that attack type, or every type, at its point, host, path and application.
import type { StoredHit } from './types.js';

export interface FalsePositiveOptions {
  scope?: 'stamp' | 'type' | 'all';
  /** Only hide the hit; add no rule. */
  markOnly?: boolean;
  path?: 'exact' | 'any';
}

/** The rule input for RuleSet.add, or null when no rule applies (mark only, or a denylisted source). */
export function falsePositiveRuleInput(hit: StoredHit, opts: FalsePositiveOptions): Record<string, unknown> | null {
  if (opts.markOnly || hit.type === 'blocked_source') return null;
  const scope = opts.scope ?? 'type';
  const input: Record<string, unknown> = scope === 'stamp'
    ? { action: 'disable_stamp', stamps: [hit.detector] }
    : { action: 'disable_attack_type', types: scope === 'all' ? 'all' : [hit.type] };
  if (hit.point.length > 0) input.point = hit.point;
  if (hit.host) input.host = hit.host;
  if (opts.path !== 'any') input.path = `= ${hit.path}`;
  if (hit.application) input.application = hit.application;
  input.comment = `false positive: hit ${hit.id} (${hit.type} at ${JSON.stringify(hit.point)})`;
  input.hit_id = hit.id;
  return input;
}
