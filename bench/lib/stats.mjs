// Small statistics and table helpers for paired-alternating benchmarks.

export function median(xs) {
  const a = xs.filter((x) => x !== null && x !== undefined && Number.isFinite(x)).sort((p, q) => p - q);
  if (!a.length) return null;
  const m = a.length >> 1;
  return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2;
}

export function minMax(xs) {
  const a = xs.filter((x) => Number.isFinite(x));
  return a.length ? [Math.min(...a), Math.max(...a)] : [null, null];
}

/**
 * Per-round paired ratios of field `key` between target `name` and `ref`, over rows { round, target, [key] }.
 * The median of these is the figure to report: both runs of a pair saw the same machine state (drift cancels).
 */
export function pairedRatios(rows, name, ref, key = 'rps') {
  const a = new Map();
  const b = new Map();
  for (const r of rows) {
    if (r.target === name) a.set(r.round, r[key]);
    if (r.target === ref) b.set(r.round, r[key]);
  }
  const out = [];
  for (const [round, v] of a) if (b.get(round) > 0 && Number.isFinite(v)) out.push(v / b.get(round));
  return out;
}

/**
 * Run order for paired-alternating rounds: "abba" reverses the order every other round (cancels linear
 * drift), "abab" keeps it.
 */
export function roundOrder(targets, round, order = 'abba') {
  return order === 'abba' && round % 2 === 0 ? [...targets].reverse() : [...targets];
}

export function fmt(x, digits = 1) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  return x.toFixed(digits);
}

/** Render rows (arrays of strings) as an aligned text table; first row is the header. Numbers right-aligned. */
export function table(rows) {
  const w = [];
  for (const r of rows) r.forEach((c, i) => (w[i] = Math.max(w[i] ?? 0, String(c).length)));
  const num = (s) => /^[-+]?[\d.,]+(%|x|×)?$/.test(s) || s === '-';
  return rows
    .map((r, ri) => r.map((c, i) => (ri > 0 && num(String(c)) && i > 0 ? String(c).padStart(w[i]) : String(c).padEnd(w[i]))).join('  ').trimEnd())
    .join('\n');
}
