// XML text and DTD helpers for the XML parser: character and predefined entity references in text,
// entity declarations read from an internal subset, and the size every entity would expand to
// (measured, never expanded), so bombs can be reported as data_bomb.

const PREDEF: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decode predefined and numeric character references; other entity references stay as written. */
export function decodeXmlText(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(/&(?:#[xX]([0-9a-fA-F]{1,6})|#([0-9]{1,7})|([A-Za-z_][\w.-]*));/g, (m, hx: string | undefined, dc: string | undefined, nm: string | undefined) => {
    if (hx !== undefined || dc !== undefined) {
      const cp = hx !== undefined ? parseInt(hx, 16) : parseInt(dc!, 10);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
    }
    return PREDEF[nm!] ?? m;
  });
}

export interface EntityDecl {
  name: string;
  param: boolean;
  value: string | null; // internal literal
  external: string | null; // SYSTEM/PUBLIC declaration text
}

export function parseEntities(subset: string): EntityDecl[] {
  const out: EntityDecl[] = [];
  const re = /<!ENTITY\s+(%\s+)?([^\s%"'>]+)\s+((?:"[^"]*"|'[^']*'|[^>"'])*)>/gi;
  let m: RegExpExecArray | null;
  while ((m = re.exec(subset)) !== null) {
    const body = m[3]!.trim();
    const lit = /^(?:"([^"]*)"|'([^']*)')/.exec(body);
    const isExt = /^(?:SYSTEM|PUBLIC)\b/i.test(body);
    out.push({ name: m[2]!, param: !!m[1], value: !isExt && lit ? (lit[1] ?? lit[2] ?? '') : null, external: isExt ? body : null });
    if (out.length > 10000) break;
  }
  return out;
}

/**
 * Expansion size of each internal entity, computed on the declaration graph (memoised, cycle-aware)
 * instead of expanding. Returns the largest size, Infinity on a reference cycle.
 */
export function entityExpansion(decls: EntityDecl[], limit: number): { max: number; sizes: Map<string, number> } {
  const byName = new Map<string, EntityDecl>();
  for (const d of decls) {
    const k = (d.param ? '%' : '&') + d.name;
    if (!byName.has(k)) byName.set(k, d); // first declaration wins (XML 1.0 §4.2)
  }
  const sizes = new Map<string, number>();
  const visiting = new Set<string>();
  let max = 0;
  const refRe = /([&%])([A-Za-z_:][\w.:-]*);/g;
  const size = (k: string, depth: number): number => {
    const known = sizes.get(k);
    if (known !== undefined) return known;
    const d = byName.get(k);
    if (!d || d.value === null) return 0;
    if (visiting.has(k) || depth > 64) return Infinity;
    visiting.add(k);
    let total = 0, stripped = d.value.length;
    const refs: string[] = [];
    refRe.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = refRe.exec(d.value)) !== null) { refs.push(m[1]! + m[2]!); stripped -= m[0].length; }
    total = stripped;
    for (const r of refs) {
      if (!byName.has(r)) { total += r.length + 1; continue; }
      total += size(r, depth + 1);
      if (total > limit) { total = total === Infinity ? Infinity : limit + 1; break; }
    }
    visiting.delete(k);
    sizes.set(k, total);
    return total;
  };
  for (const k of byName.keys()) {
    const s = size(k, 0);
    if (s > max) max = s;
    if (max > limit) break;
  }
  return { max, sizes };
}
