// Validation, defaults and merging with Kong's semantics and error messages
// (kong/db/schema/init.lua). Errors nest like the input; array element errors sit at their index.
import type { EntityCheckContext, EntitySchema, Field, FieldEntry, FieldErrors } from './types.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(v: unknown): v is string {
  return typeof v === 'string' && UUID_RE.test(v);
}

export function fieldList(entries: FieldEntry[]): Array<[string, Field]> {
  const out: Array<[string, Field]> = [];
  for (const e of entries) for (const k of Object.keys(e)) out.push([k, e[k]!]);
  return out;
}

export function getField(entries: FieldEntry[], name: string): Field | undefined {
  for (const e of entries) if (name in e) return e[name];
  return undefined;
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

function isPlainObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Fill defaults for absent fields (insert, upsert): absent records are built from their fields' defaults. */
export function fillDefaults(entries: FieldEntry[], input: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [name, f] of fieldList(entries)) {
    let v = input[name];
    if (v === undefined) {
      if (f.default !== undefined) v = clone(f.default);
      else if (f.type === 'record' && f.fields && !f.abstract) v = {};
      else v = null;
    }
    if (f.type === 'record' && f.fields && isPlainObject(v)) v = { ...fillDefaults(f.fields, v), ...extraKeys(f.fields, v) };
    out[name] = v;
  }
  // keep unknown keys so validation can report them
  for (const k of Object.keys(input)) if (!(k in out)) out[k] = input[k];
  return out;
}

function extraKeys(entries: FieldEntry[], v: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = {};
  for (const k of Object.keys(v)) if (!getField(entries, k)) out[k] = v[k];
  return out;
}

/** PATCH semantics: top-level fields replaced, non-abstract records merged recursively, arrays replaced. */
export function mergeUpdate(entries: FieldEntry[], existing: Record<string, any>, patch: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = { ...existing };
  for (const k of Object.keys(patch)) {
    const f = getField(entries, k);
    const pv = patch[k];
    if (f && f.type === 'record' && f.fields && !f.abstract && isPlainObject(pv) && isPlainObject(existing[k])) {
      out[k] = mergeUpdate(f.fields, existing[k], pv);
    } else {
      out[k] = pv;
    }
  }
  return out;
}

export function typeError(t: string): string {
  switch (t) {
    case 'integer':
      return 'expected an integer';
    case 'array':
      return 'expected an array';
    case 'any':
      return 'expected a value';
    default:
      return `expected a ${t}`;
  }
}

/** Validate one value against a field. Returns the (normalised) value and an error (string or nested). */
export function validateField(f: Field, v: any): { value: any; error?: unknown } {
  if (v === null || v === undefined) {
    if (f.required) return { value: null, error: 'required field missing' };
    return { value: null };
  }
  switch (f.type) {
    case 'string': {
      if (typeof v !== 'string') return { value: v, error: 'expected a string' };
      const min = f.len_min ?? 1;
      if (v.length < min) return { value: v, error: `length must be at least ${min}` };
      if (f.len_max !== undefined && v.length > f.len_max) return { value: v, error: `length must be at most ${f.len_max}` };
      if (f.uuid && !isUuid(v)) return { value: v, error: 'expected a valid UUID' };
      if (f.starts_with && !v.startsWith(f.starts_with)) return { value: v, error: `should start with: ${f.starts_with}` };
      break;
    }
    case 'integer':
      if (typeof v !== 'number' || !Number.isInteger(v)) return { value: v, error: 'expected an integer' };
      break;
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v)) return { value: v, error: 'expected a number' };
      break;
    case 'boolean':
      if (typeof v !== 'boolean') return { value: v, error: 'expected a boolean' };
      break;
    case 'array':
    case 'set': {
      if (!Array.isArray(v)) {
        // Kong treats an empty object as an empty array (JSON {} and [] look alike in Lua).
        if (isPlainObject(v) && Object.keys(v).length === 0) v = [];
        else return { value: v, error: typeError(f.type) };
      }
      let arr: any[] = v;
      if (f.type === 'set') arr = dedupe(arr);
      if (f.len_min !== undefined && arr.length < f.len_min) return { value: arr, error: `length must be at least ${f.len_min}` };
      if (f.len_max !== undefined && arr.length > f.len_max) return { value: arr, error: `length must be at most ${f.len_max}` };
      if (f.elements) {
        const errs: unknown[] = [];
        let any = false;
        const values = arr.map((el, i) => {
          const r = validateField({ ...f.elements!, required: true }, el);
          if (r.error !== undefined) {
            errs[i] = r.error;
            any = true;
          }
          return r.value;
        });
        if (any) return { value: values, error: Array.from({ length: errs.length }, (_, i) => errs[i] ?? null) };
        arr = values;
      }
      v = arr;
      break;
    }
    case 'map': {
      if (!isPlainObject(v)) return { value: v, error: 'expected a map' };
      const errs: Record<string, unknown> = {};
      let any = false;
      const out: Record<string, any> = {};
      for (const [k, val] of Object.entries(v)) {
        if (f.keys) {
          const rk = validateField({ ...f.keys, required: true }, k);
          if (rk.error !== undefined) {
            errs[k] = rk.error;
            any = true;
            continue;
          }
        }
        if (f.values) {
          const rv = validateField({ ...f.values, required: true }, val);
          if (rv.error !== undefined) {
            errs[k] = rv.error;
            any = true;
          }
          out[k] = rv.value;
        } else out[k] = val;
      }
      if (any) return { value: out, error: errs };
      v = out;
      break;
    }
    case 'record': {
      if (!isPlainObject(v)) return { value: v, error: 'expected a record' };
      if (f.abstract || !f.fields) break;
      const r = validateRecord(f.fields, v);
      if (r.errors) return { value: r.value, error: r.errors };
      v = r.value;
      break;
    }
    case 'foreign': {
      if (!isPlainObject(v)) return { value: v, error: 'expected a record' };
      if (v.id === undefined || v.id === null) return { value: v, error: { id: 'missing primary key' } };
      if (!isUuid(v.id)) return { value: v, error: { id: 'expected a valid UUID' } };
      v = { id: String(v.id).toLowerCase() };
      break;
    }
    case 'any':
      break;
  }
  if (f.one_of && !f.one_of.includes(v)) return { value: v, error: `expected one of: ${f.one_of.join(', ')}` };
  if (f.between && (v < f.between[0] || v > f.between[1])) {
    return { value: v, error: `value should be between ${f.between[0]} and ${f.between[1]}` };
  }
  if (f.gt !== undefined && !(v > f.gt)) return { value: v, error: `value must be greater than ${f.gt}` };
  if (f.custom) {
    const err = f.custom(v);
    if (err) return { value: v, error: err };
  }
  if (f.normalize) v = f.normalize(v);
  return { value: v };
}

function dedupe(arr: any[]): any[] {
  const seen = new Set<string>();
  const out: any[] = [];
  for (const x of arr) {
    const key = typeof x === 'string' ? 's' + x : JSON.stringify(x);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(x);
  }
  return out;
}

export function validateRecord(entries: FieldEntry[], input: Record<string, any>): { value: Record<string, any>; errors?: FieldErrors } {
  const errors: FieldErrors = {};
  const out: Record<string, any> = {};
  for (const [name, f] of fieldList(entries)) {
    if (f.transient) {
      if (input[name] !== undefined) out[name] = input[name];
      continue;
    }
    const r = validateField(f, input[name]);
    out[name] = r.value;
    if (r.error !== undefined) errors[name] = r.error;
  }
  for (const k of Object.keys(input)) {
    if (!getField(entries, k)) errors[k] = 'unknown field';
  }
  return Object.keys(errors).length ? { value: out, errors } : { value: out };
}

/** Full entity validation: fields, then entity checks (only when the fields themselves are valid). */
export function validateEntity(
  schema: EntitySchema,
  entity: Record<string, any>,
  ctx: EntityCheckContext,
  extraChecks: EntitySchema['entity_checks'] = [],
): { value: Record<string, any>; errors?: FieldErrors } {
  const r = validateRecord(schema.fields, entity);
  if (r.errors) return r;
  const errors: FieldErrors = {};
  for (const check of [...(schema.entity_checks ?? []), ...(extraChecks ?? [])]) {
    const e = check(r.value, ctx);
    if (e) mergeErrors(errors, e);
  }
  return Object.keys(errors).length ? { value: r.value, errors } : r;
}

export function mergeErrors(into: FieldErrors, more: FieldErrors): void {
  for (const [k, v] of Object.entries(more)) {
    if (k === '@entity') {
      into['@entity'] = [...((into['@entity'] as unknown[]) ?? []), ...(v as unknown[])];
    } else if (isPlainObject(v) && isPlainObject(into[k])) {
      mergeErrors(into[k] as FieldErrors, v);
    } else if (into[k] === undefined) {
      into[k] = v;
    }
  }
}

/** Flatten nested errors into "a.b: msg" lines, @entity first, then sorted, as Kong's message builder does. */
export function flattenErrors(errors: FieldErrors, prefix = ''): string[] {
  const out: string[] = [];
  const ent = errors['@entity'];
  if (Array.isArray(ent)) for (const e of ent) out.push(String(e));
  const keys = Object.keys(errors)
    .filter((k) => k !== '@entity')
    .sort();
  for (const k of keys) {
    const v = errors[k];
    const name = prefix + k;
    if (typeof v === 'string') out.push(`${name}: ${v}`);
    else if (Array.isArray(v)) {
      v.forEach((el, i) => {
        if (el === null || el === undefined) return;
        if (typeof el === 'string') out.push(`${name}.${i + 1}: ${el}`);
        else out.push(...flattenErrors(el as FieldErrors, `${name}.${i + 1}.`));
      });
    } else if (isPlainObject(v)) out.push(...flattenErrors(v, name + '.'));
  }
  return out;
}
