// Point helpers: build, compare and print the parser chains that locate a value (docs/waf §6).
import type { Point, PointPart } from './types.js';

/** Append one part to a point without mutating it. */
export function child(point: Point, part: PointPart): Point {
  const out = point.slice();
  out.push(part);
  return out;
}

/** Flat dotted form used in the Console and in logs: `post.json_doc.hash.user.array.0`. */
export function pointToString(point: Point): string {
  let s = '';
  for (const part of point) {
    for (let i = 0; i < part.length; i++) {
      if (s.length > 0) s += '.';
      s += String(part[i]);
    }
  }
  return s;
}

/** Flat list form carried by hits in Wallarm's API: `["post","json_doc","hash","user","array",0]`. */
export function pointToFlat(point: Point): Array<string | number> {
  const out: Array<string | number> = [];
  for (const part of point) for (const p of part) out.push(p);
  return out;
}

/** Nested form of Wallarm's rules API / Terraform provider: `[["post"],["json_doc"],["hash","user"]]`. */
export function pointToNested(point: Point): string {
  return JSON.stringify(point);
}

/** Stable key for maps and dedup. */
export function pointKey(point: Point): string {
  return JSON.stringify(point);
}

export function pointEquals(a: Point, b: Point): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    if (x.length !== y.length || x[0] !== y[0] || x[1] !== y[1]) return false;
  }
  return true;
}
