// request-transformer (kong/plugins/request-transformer/access.lua). Order: uri, method, headers,
// body, querystring; within each: remove, rename, replace, add, append.
import type { Kong, PluginHandler } from '../types.js';
import { boundaryOf, parseMultipart, renamePart, serializeMultipart, simplePart, type Part } from '../shared/multipart.js';
import { render, TemplateError, type TemplateEnv } from './template.js';

interface Section {
  body: string[];
  headers: string[];
  querystring: string[];
}
interface Conf {
  http_method: string | null;
  remove: Section;
  rename: Section;
  replace: Section & { uri: string | null };
  add: Section;
  append: Section;
}

type QueryValue = string | string[] | true;

/** Kong's `iter`: "name:value" split at the first run of colons; the value is a template. */
function* pairs(list: string[], env: TemplateEnv | null): Generator<[string, string]> {
  for (const item of list) {
    const m = /^([^:]+):*(.*)$/s.exec(item);
    const name = m ? m[1]! : item;
    let value = m ? m[2]! : '';
    if (env) {
      try {
        value = render(value, env);
      } catch (err) {
        throw new Error(`[request-transformer] failed to render the template ${value}, error: ${(err as TemplateError).message}`);
      }
    }
    yield [name, value];
  }
}

function appendValue(old: unknown, value: string): unknown {
  if (old === undefined || old === null) return value;
  if (Array.isArray(old)) return [...old, value];
  return [old, value];
}

const JSON_T = 1;
const MULTI = 2;
const ENCODED = 3;
function contentKind(ct: string | undefined): number | null {
  if (!ct) return null;
  const l = ct.toLowerCase();
  if (l.includes('application/json')) return JSON_T;
  if (l.includes('multipart/form-data')) return MULTI;
  if (l.includes('application/x-www-form-urlencoded')) return ENCODED;
  return null;
}

function decodeArgs(text: string): Record<string, QueryValue> {
  const out: Record<string, QueryValue> = {};
  for (const part of text.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const dec = (s: string) => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        return s;
      }
    };
    const k = dec(eq < 0 ? part : part.slice(0, eq));
    const v: QueryValue = eq < 0 ? true : dec(part.slice(eq + 1));
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, String(v)] : [String(prev), String(v)];
  }
  return out;
}

function encodeArgs(args: Record<string, unknown>, sort: boolean): string {
  const keys = Object.keys(args);
  if (sort) keys.sort();
  const out: string[] = [];
  for (const k of keys) {
    const v = args[k];
    if (v === undefined || v === null || v === false) continue;
    for (const x of Array.isArray(v) ? v : [v]) {
      out.push(x === true ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(String(x))}`);
    }
  }
  return out.join('&');
}

/** Percent-encode what a path may not carry, keeping existing escapes. */
function escapePath(p: string): string {
  return p.replace(/%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]/gu, (c) => encodeURIComponent(c));
}

function transformHeaders(kong: Kong, conf: Conf, env: TemplateEnv): void {
  const req = kong.service.request;
  const has = (n: string) => kong.request.get_header(n) !== undefined;
  for (const [name] of pairs(conf.remove.headers, null)) req.clear_header(name);
  for (const [oldName, newName] of pairs(conf.rename.headers, null)) {
    const v = kong.request.get_headers()[oldName.toLowerCase()];
    if (v === undefined) continue;
    req.clear_header(oldName);
    req.clear_header(newName);
    for (const x of Array.isArray(v) ? v : [v]) req.add_header(newName, x);
  }
  for (const [name, value] of pairs(conf.replace.headers, env)) {
    if (name.toLowerCase() === 'host' || has(name)) req.set_header(name, value);
  }
  for (const [name, value] of pairs(conf.add.headers, env)) {
    if (name.toLowerCase() !== 'host' && !has(name)) req.set_header(name, value);
  }
  for (const [name, value] of pairs(conf.append.headers, env)) {
    if (name.toLowerCase() === 'host') continue;
    req.add_header(name, value);
  }
}

function transformTable(table: Record<string, unknown>, conf: Conf, section: 'body' | 'querystring', env: TemplateEnv, hasContent: boolean): boolean {
  let changed = false;
  if (hasContent) {
    for (const [name] of pairs(conf.remove[section], env)) {
      delete table[name];
      changed = true;
    }
    for (const [oldName, newName] of pairs(conf.rename[section], env)) {
      const v = table[oldName];
      delete table[oldName];
      if (v !== undefined) table[newName] = v;
      changed = true;
    }
    for (const [name, value] of pairs(conf.replace[section], env)) {
      if (table[name] !== undefined && table[name] !== null) {
        table[name] = value;
        changed = true;
      }
    }
  }
  for (const [name, value] of pairs(conf.add[section], env)) {
    if (table[name] === undefined || table[name] === null) {
      table[name] = value;
      changed = true;
    }
  }
  for (const [name, value] of pairs(conf.append[section], env)) {
    table[name] = appendValue(table[name], value);
    changed = true;
  }
  return changed;
}

function transformMultipart(parts: Part[], conf: Conf, env: TemplateEnv, hasContent: boolean): boolean {
  let changed = false;
  const find = (n: string) => parts.findIndex((p) => p.name === n);
  if (hasContent) {
    for (const [name] of pairs(conf.remove.body, env)) {
      for (let i = find(name); i >= 0; i = find(name)) parts.splice(i, 1);
      changed = true;
    }
    for (const [oldName, newName] of pairs(conf.rename.body, env)) {
      const i = find(oldName);
      if (i >= 0) parts[i] = renamePart(parts[i]!, newName);
      changed = true;
    }
    for (const [name, value] of pairs(conf.replace.body, env)) {
      const i = find(name);
      if (i >= 0) {
        parts.splice(i, 1);
        parts.push(simplePart(name, value));
        changed = true;
      }
    }
  }
  for (const [name, value] of pairs(conf.add.body, env)) {
    if (find(name) < 0) {
      parts.push(simplePart(name, value));
      changed = true;
    }
  }
  return changed;
}

async function transformBody(kong: Kong, conf: Conf, env: TemplateEnv): Promise<void> {
  const ct = kong.request.get_header('content-type');
  const kind = contentKind(ct);
  const any = ['remove', 'rename', 'replace', 'add', 'append'].some((s) => (conf as any)[s].body.length > 0);
  if (kind === null || !any) return;
  const raw = await kong.request.get_raw_body();
  const hasContent = raw.length > 0;
  let out: Buffer | null = null;
  if (kind === JSON_T) {
    let params: unknown;
    try {
      params = hasContent ? JSON.parse(raw.toString('utf8')) : {};
    } catch {
      return;
    }
    if (!params || typeof params !== 'object' || Array.isArray(params)) {
      if (hasContent) return;
      params = {};
    }
    if (transformTable(params as Record<string, unknown>, conf, 'body', env, hasContent)) out = Buffer.from(JSON.stringify(params));
  } else if (kind === ENCODED) {
    const params = decodeArgs(raw.toString('latin1'));
    if (transformTable(params, conf, 'body', env, hasContent)) out = Buffer.from(encodeArgs(params, false));
  } else {
    const boundary = boundaryOf(ct!);
    if (!boundary) return;
    const parts = hasContent ? parseMultipart(raw, boundary) : [];
    if (!parts) return;
    if (transformMultipart(parts, conf, env, hasContent)) out = serializeMultipart(parts, boundary);
  }
  if (out) kong.service.request.set_raw_body(out);
}

export const handler: PluginHandler = {
  async access(kong: Kong, conf: Conf) {
    let query: Record<string, QueryValue> | null = null;
    const queryParams = () => (query ??= kong.request.get_query() as Record<string, QueryValue>);
    const env: TemplateEnv = {
      headers: (n) => kong.request.get_headers()[n.toLowerCase()],
      query_params: queryParams,
      uri_captures: () => kong.raw.match?.uriCaptures ?? null,
      shared: kong.ctx.shared,
    };

    // uri
    if (conf.replace.uri) {
      let uri: string;
      try {
        uri = render(conf.replace.uri, env);
      } catch (err) {
        throw new Error(`[request-transformer] failed to render the template ${conf.replace.uri}, error: ${(err as Error).message}`);
      }
      kong.service.request.set_path(escapePath(uri));
    }

    // method; a GET/HEAD/TRACE moves a form body into the query string
    let queryChanged = false;
    if (conf.http_method) {
      const m = conf.http_method.toUpperCase();
      kong.service.request.set_method(m);
      if ((m === 'GET' || m === 'HEAD' || m === 'TRACE') && contentKind(kong.request.get_header('content-type')) === ENCODED) {
        const params = decodeArgs((await kong.request.get_raw_body()).toString('latin1'));
        if (Object.keys(params).length) {
          const q = { ...queryParams() };
          for (const [k, v] of Object.entries(params)) {
            const prev = q[k];
            q[k] = prev === undefined ? v : ([] as string[]).concat(prev as any, v as any);
          }
          query = q;
          queryChanged = true;
        }
      }
    }

    transformHeaders(kong, conf, env);
    await transformBody(kong, conf, env);

    // querystring
    const qsOps = ['remove', 'rename', 'replace', 'add', 'append'].some((s) => (conf as any)[s].querystring.length > 0);
    if (qsOps) {
      const q: Record<string, unknown> = { ...queryParams() };
      transformTable(q, conf, 'querystring', env, true);
      kong.service.request.set_raw_query(encodeArgs(q, true));
    } else if (queryChanged) {
      kong.service.request.set_raw_query(encodeArgs(query!, true));
    }
  },
};
