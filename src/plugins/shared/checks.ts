// Kong's declarative entity checks (kong/db/schema/init.lua) over a plugin's config, with Kong's messages.
// Paths are written as Kong writes them: 'config.allow'.
import type { EntityCheck } from '../../store/schema/types.js';

/** Kong's is_nonempty: null, an empty array/record and '' all count as empty. */
export function isNonEmpty(v: unknown): boolean {
  if (v === null || v === undefined || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

function get(entity: Record<string, any>, path: string): unknown {
  let cur: any = entity;
  for (const p of path.split('.')) {
    if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
    cur = cur[p];
  }
  return cur;
}

function quoted(paths: string[]): string {
  return paths.map((p) => `'${p}'`).join(', ');
}

export function atLeastOneOf(...paths: string[]): EntityCheck {
  return (e) => (paths.some((p) => isNonEmpty(get(e, p))) ? undefined : { '@entity': [`at least one of these fields must be non-empty: ${quoted(paths)}`] });
}

export function onlyOneOf(...paths: string[]): EntityCheck {
  return (e) =>
    paths.filter((p) => isNonEmpty(get(e, p))).length > 1 ? { '@entity': [`only one of these fields must be non-empty: ${quoted(paths)}`] } : undefined;
}

/** Builds nested field errors from a dotted path: 'config.x' -> { config: { x: msg } }. */
export function nestedError(path: string, msg: string): Record<string, unknown> {
  const parts = path.split('.');
  let out: Record<string, unknown> = { [parts.pop()!]: msg };
  while (parts.length) out = { [parts.pop()!]: out };
  return out;
}

/**
 * Kong's `conditional` check: when if_field passes `ifMatch`, then_field must pass `thenMatch`
 * (which returns an error message or undefined). A null then-value passes, as in Kong, unless required.
 */
export function conditional(ifField: string, ifMatch: (v: any) => boolean, thenField: string, thenMatch: (v: any) => string | undefined): EntityCheck {
  return (e) => {
    if (!ifMatch(get(e, ifField))) return undefined;
    const v = get(e, thenField);
    if (v === null || v === undefined) return undefined;
    const err = thenMatch(v);
    if (!err) return undefined;
    return { '@entity': [`failed conditional validation given value of field '${ifField}'`], ...nestedError(thenField, err) };
  };
}

/** Kong 3.x deprecated shorthand fields: old config names copied onto their new names when absent. */
export function renameShorthand(map: Record<string, string>): (config: Record<string, any>) => Record<string, any> {
  return (config) => {
    const out = { ...config };
    for (const [from, to] of Object.entries(map)) {
      if (!(from in out)) continue;
      const v = out[from];
      delete out[from];
      if (out[to] === undefined && v !== undefined) out[to] = v;
    }
    return out;
  };
}
