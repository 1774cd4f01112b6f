// Cookies: ["cookie", name] per pair, values percent-decoded once (most frameworks do), names
// inspected as names. A repeated cookie name is inspected joined (["cookie", n],["pollution"]).
import type { Sink } from './sink.js';
import { percentDecode } from './percent.js';

export function parseCookies(cookies: Array<[string, string]>, sink: Sink): void {
  let dup: Map<string, string[]> | null = null;
  for (let i = 0; i < cookies.length; i++) {
    if (sink.stopped()) return;
    const [rawName, rawValue] = cookies[i]!;
    const name = percentDecode(rawName, false);
    const point: [string, string][] = [['cookie', name]];
    if (name.length > 0) sink.name(point, name);
    const value = percentDecode(rawValue, false);
    if (value.length > 0) sink.value(point, value, 0);
    if (cookies.length > 1) {
      dup ??= new Map();
      const l = dup.get(name);
      if (l) l.push(value); else dup.set(name, [value]);
    }
  }
  if (dup) for (const [name, vals] of dup) if (vals.length > 1) sink.value([['cookie', name], ['pollution']], vals.join(','), 0);
}
