// Kong's argument decoding (kong/api/arguments.lua): form and multipart keys with dots and
// brackets become nested tables, repeated keys become arrays, then types are inferred from the schema.
import type { Field, FieldEntry } from '../store/schema/index.js';
import { getField } from '../store/schema/validate.js';

type Part = string | number | null; // null = "[]" (append)

function splitKey(key: string): Part[] {
  const parts: Part[] = [];
  let cur = '';
  for (let i = 0; i < key.length; i++) {
    const c = key[i];
    if (c === '.') {
      if (cur !== '') parts.push(cur);
      cur = '';
    } else if (c === '[') {
      if (cur !== '') parts.push(cur);
      cur = '';
      const end = key.indexOf(']', i);
      if (end < 0) {
        cur = key.slice(i);
        break;
      }
      const inner = key.slice(i + 1, end);
      if (inner === '') parts.push(null);
      else if (/^\d+$/.test(inner)) parts.push(Number(inner));
      else parts.push(inner);
      i = end;
    } else cur += c;
  }
  if (cur !== '') parts.push(cur);
  return parts;
}

const APPEND = '\u0000append';
const IDX = '\u0000idx:';

class Multi {
  constructor(readonly values: unknown[]) {}
}

/** Decode ordered (key, value) pairs into a nested object the way Kong does. */
export function decodeArgs(pairs: Array<[string, string]>): Record<string, any> {
  const root: Record<string, any> = {};
  for (const [key, value] of pairs) {
    const parts = splitKey(key);
    if (parts.length) assign(root, parts, value);
  }
  return normalize(root) as Record<string, any>;
}

function assign(node: Record<string, any>, parts: Part[], value: string): void {
  const [p, ...rest] = parts;
  if (p === null) {
    const arr: unknown[] = (node[APPEND] ??= []);
    if (!rest.length) arr.push(value);
    else {
      const child = {};
      arr.push(child);
      assign(child, rest, value);
    }
    return;
  }
  const k = typeof p === 'number' ? IDX + p : p!;
  if (!rest.length) {
    const cur = node[k];
    if (cur === undefined) node[k] = value;
    else if (cur instanceof Multi) cur.values.push(value);
    else node[k] = new Multi([cur, value]);
    return;
  }
  if (typeof node[k] !== 'object' || node[k] === null || node[k] instanceof Multi) node[k] = {};
  assign(node[k], rest, value);
}

function normalize(node: unknown): unknown {
  if (node instanceof Multi) return node.values.map(normalize);
  if (typeof node !== 'object' || node === null) return node;
  const obj = node as Record<string, any>;
  const keys = Object.keys(obj);
  const idx = keys.filter((k) => k.startsWith(IDX));
  const named = keys.filter((k) => !k.startsWith('\u0000'));
  if ((idx.length || obj[APPEND]) && named.length === 0) {
    const arr: unknown[] = [];
    for (const k of idx.sort((a, b) => Number(a.slice(IDX.length)) - Number(b.slice(IDX.length)))) arr.push(normalize(obj[k]));
    if (obj[APPEND]) arr.push(...obj[APPEND].map(normalize));
    return arr;
  }
  const out: Record<string, any> = {};
  for (const k of named) out[k] = normalize(obj[k]);
  return out;
}

/** Schema-driven conversion of decoded form strings: "" -> null, numbers, booleans, single values to arrays. */
export function inferTypes(fields: FieldEntry[] | undefined, obj: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(obj)) {
    const f = fields ? getField(fields, k) : undefined;
    out[k] = f ? inferValue(f, v) : v === '' ? null : v;
  }
  return out;
}

export function inferValue(f: Field, v: any): any {
  if (v === '') return null;
  switch (f.type) {
    case 'integer':
    case 'number': {
      if (typeof v === 'string' && /^\s*-?\d+(\.\d+)?([eE][+-]?\d+)?\s*$/.test(v)) return Number(v);
      return v;
    }
    case 'boolean':
      if (v === 'true') return true;
      if (v === 'false') return false;
      return v;
    case 'array':
    case 'set': {
      const arr = Array.isArray(v) ? v : typeof v === 'object' && v !== null ? Object.values(v) : [v];
      return f.elements ? arr.map((x) => inferValue({ ...f.elements!, required: true }, x)) : arr;
    }
    case 'record':
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) return inferTypes(f.fields, v);
      return v;
    case 'map':
      if (typeof v === 'object' && v !== null && !Array.isArray(v) && f.values) {
        const out: Record<string, any> = {};
        for (const [k, x] of Object.entries(v)) out[k] = inferValue(f.values, x);
        return out;
      }
      return v;
    default:
      return v;
  }
}
