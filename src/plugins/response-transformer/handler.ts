// response-transformer (kong/plugins/response-transformer: header_transformer.lua, body_transformer.lua)
import type { Kong, PluginHandler } from '../types.js';

interface Conf {
  remove: { json: string[]; headers: string[] };
  rename: { json: string[]; headers: string[] };
  replace: { json: string[]; json_types: string[]; headers: string[] };
  add: { json: string[]; json_types: string[]; headers: string[] };
  append: { json: string[]; json_types: string[]; headers: string[] };
}

/** "name:value" split at the first run of colons; an empty value reads as absent (Kong's iter). */
function split(item: string): [string, string | undefined] {
  const m = /^([^:]+):*(.*)$/s.exec(item);
  if (!m) return [item, undefined];
  return [m[1]!, m[2] === '' ? undefined : m[2]];
}

function isJson(ct: string | undefined): boolean {
  return ct !== undefined && ct.toLowerCase().includes('application/json');
}

function bodyTransformSet(c: Conf): boolean {
  return c.remove.json.length > 0 || c.rename.json.length > 0 || c.replace.json.length > 0 || c.add.json.length > 0 || c.append.json.length > 0;
}

/** Value conversion of body_transformer.lua: strings stay strings unless json_types says number/boolean. */
function typed(value: string, type: string | undefined): unknown {
  if (type === 'number') {
    const n = Number(value);
    return value.trim() !== '' && Number.isFinite(n) ? n : undefined;
  }
  if (type === 'boolean') return value === 'true';
  return value;
}

function appendValue(current: unknown, value: unknown): unknown[] {
  if (typeof current === 'string') return [current, value];
  if (Array.isArray(current)) return [...current, value];
  return [value];
}

export function transformJson(conf: Conf, text: string): string | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
  const o = body as Record<string, unknown>;
  for (const item of conf.remove.json) delete o[split(item)[0]];
  for (const item of conf.rename.json) {
    const [oldName, newName] = split(item);
    if (o[oldName] !== undefined && newName) {
      const v = o[oldName];
      delete o[oldName];
      o[newName] = v;
    }
  }
  conf.replace.json.forEach((item, i) => {
    const [name, value] = split(item);
    if (value === undefined) return;
    const v = typed(value, conf.replace.json_types[i]);
    if (o[name] !== undefined && o[name] !== false && v !== undefined) o[name] = v; // JSON null is truthy in Lua (cjson.null)
  });
  conf.add.json.forEach((item, i) => {
    const [name, value] = split(item);
    if (value === undefined) return;
    const v = typed(value, conf.add.json_types[i]);
    if ((o[name] === undefined || o[name] === false) && v !== undefined) o[name] = v;
  });
  conf.append.json.forEach((item, i) => {
    const [name, value] = split(item);
    if (value === undefined) return;
    const v = typed(value, conf.append.json_types[i]);
    if (v !== undefined) o[name] = appendValue(o[name], v);
  });
  return JSON.stringify(o);
}

export const handler: PluginHandler = {
  header_filter(kong: Kong, conf: Conf) {
    const headers = kong.response.get_headers();
    const has = (n: string) => headers[n.toLowerCase()] !== undefined;
    for (const item of conf.remove.headers) kong.response.clear_header(split(item)[0]);
    for (const item of conf.rename.headers) {
      const [oldName, newName] = split(item);
      if (has(oldName) && newName) {
        const v = headers[oldName.toLowerCase()]!;
        kong.response.clear_header(oldName);
        for (const x of Array.isArray(v) ? v : [v]) kong.response.add_header(newName, x);
      }
    }
    for (const item of conf.replace.headers) {
      const [name, value] = split(item);
      if (has(name) && value !== undefined) kong.response.set_header(name, value);
    }
    for (const item of conf.add.headers) {
      const [name, value] = split(item);
      if (!has(name) && value !== undefined) kong.response.set_header(name, value);
    }
    for (const item of conf.append.headers) {
      const [name, value] = split(item);
      if (value !== undefined) kong.response.add_header(name, value);
    }
    // the body is going to change: its length is recomputed
    if (bodyTransformSet(conf) && isJson(headers['content-type'] as string | undefined)) kong.response.clear_header('Content-Length');
  },

  body_filter(kong: Kong, conf: Conf) {
    if (!bodyTransformSet(conf)) return;
    const body = kong.response.get_raw_body();
    if (!body || body.length === 0) return;
    const ct = kong.response.get_header('content-type');
    // On the buffered path the response headers are not attached yet; then a JSON object body counts as JSON.
    if (ct !== undefined ? !isJson(ct) : kong.raw.responseHeaders !== null) return;
    const out = transformJson(conf, body.toString('utf8'));
    if (out === null) {
      if (ct !== undefined) kong.log.warn('body transform failed: failed parsing json body');
      return;
    }
    kong.response.set_raw_body(out);
  },
};
