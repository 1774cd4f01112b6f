// Short values every detector passed, with the context they were seen in: the same value in the same
// kind of place (a JSON key on every record, a tag repeated in a list) is not run past the detectors
// again. Bundled detectors are pure functions of (value, context), so this changes no answer.
import type { Point, ValueKind } from './types.js';

/** Values up to this length are remembered. */
const MAX_LEN = 128;
const MAX_ENTRIES = 8192;
/** Small requests rarely repeat a value: remembering starts after this many values and names. */
const AFTER = 64;
/**
 * Lookups of one kind (names, values) after which the memo is judged: when fewer than one in
 * MIN_HIT_RATIO hit, that kind is not looked up or remembered again in this request (a form of 40k
 * distinct fields gains nothing and pays for a map of them).
 */
const TRIAL = 1024;
const MIN_HIT_RATIO = 8;

/**
 * What a bundled detector reads from its context besides the value: kind, root, header, the last
 * named key of the point (paramName; the whole chain under a `$` key) and whether the point is
 * inside a DTD.
 */
interface SeenContext {
  kind: ValueKind;
  root: string;
  header: string | undefined;
  key: string;
  dtd: boolean;
}

export class CleanMemo {
  private readonly clean = new Map<string, SeenContext>();
  /** [names, values] */
  private readonly lookups = [0, 0];
  private readonly hits = [0, 0];
  private readonly off = [false, false];

  /** Whether this value is one the memo looks up at all (the count of values inspected so far given). */
  applies(value: string, kind: ValueKind, count: number): boolean {
    return value.length <= MAX_LEN && count > AFTER && !this.off[kind === 'name' ? 0 : 1];
  }

  /** True when the value already passed every detector in an equal context. */
  passed(value: string, point: Point, kind: ValueKind, root: string, header: string | undefined): boolean {
    const k = kind === 'name' ? 0 : 1;
    const prev = this.clean.get(value);
    const hit = prev !== undefined && prev.kind === kind && prev.root === root && prev.header === header && sameSpot(prev, point);
    if (hit) this.hits[k]++;
    if (++this.lookups[k]! === TRIAL && this.hits[k]! * MIN_HIT_RATIO < TRIAL) this.off[k] = true;
    return hit;
  }

  /** Remember a value every detector passed (the first context it passed in is kept). */
  remember(value: string, point: Point, kind: ValueKind, root: string, header: string | undefined): void {
    if (this.clean.size >= MAX_ENTRIES || this.clean.has(value)) return;
    const { key, dtd } = spotOf(point);
    this.clean.set(value, { kind, root, header, key, dtd });
  }
}

/**
 * The last named key of the point and whether it lies inside a DTD. Under a `$` key (a query
 * operator) the whole chain of keys counts, with a mark for a top-level array: nosqli judges an
 * operator by the document around it (a `filters` field, a pipeline stage).
 */
function spotOf(point: Point): { key: string; dtd: boolean } {
  let key = '';
  let dtd = false;
  for (let i = point.length - 1; i >= 0; i--) {
    const part = point[i]!;
    if (key === '' && part.length > 1 && typeof part[1] === 'string') key = part[1];
    if (part[0] === 'xml_dtd' || part[0] === 'xml_dtd_entity') dtd = true;
  }
  if (key.charCodeAt(0) === 36 /* $ */) {
    for (let i = point.length - 2; i >= 0; i--) {
      const part = point[i]!;
      key = (part.length > 1 && typeof part[1] === 'string' ? part[1] : part[0] === 'array' ? '[]' : part[0]) + '\u0001' + key;
    }
  }
  return { key, dtd };
}

function sameSpot(prev: SeenContext, point: Point): boolean {
  const { key, dtd } = spotOf(point);
  return prev.key === key && prev.dtd === dtd;
}
