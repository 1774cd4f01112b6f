// Kong's request-transformer templates: `$(headers.x)`, `$(headers["x-y"])`, `$(query_params.q)`,
// `$(uri_captures.name)`, `$(uri_captures[1])`, `$(shared.k)`, with `a or b or 'literal'` fallbacks.
// Kong evaluates a sandboxed Lua expression; only these lookups are supported here.

export interface TemplateEnv {
  headers: (name: string) => string | string[] | undefined;
  query_params: () => Record<string, unknown>;
  uri_captures: () => { unnamed: (string | undefined)[]; named: Record<string, string> } | null;
  shared: Record<string, unknown>;
}

export class TemplateError extends Error {}

const TERM = /^\s*(?:(headers|query_params|uri_captures|shared)\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*(?:"([^"]*)"|'([^']*)'|(\d+))\s*\])|"([^"]*)"|'([^']*)'|(\d+(?:\.\d+)?))\s*/;

function lookup(env: TemplateEnv, table: string, key: string, numeric: boolean): unknown {
  switch (table) {
    case 'headers': {
      // ngx.req.get_headers(): case-insensitive, '_' reads as '-'
      const v = env.headers(key.replace(/_/g, '-'));
      return Array.isArray(v) ? v.join(', ') : v;
    }
    case 'query_params': {
      const v = env.query_params()[key];
      return Array.isArray(v) ? v[0] : v === true ? true : v;
    }
    case 'uri_captures': {
      const c = env.uri_captures();
      if (!c) return undefined;
      if (numeric || /^\d+$/.test(key)) return c.unnamed[Number(key)];
      return c.named[key];
    }
    default:
      return env.shared[key];
  }
}

function evaluate(expr: string, env: TemplateEnv): string {
  const parts = expr.split(/\s+or\s+/);
  for (const part of parts) {
    const m = TERM.exec(part);
    if (!m || m[0].length !== part.length) throw new TemplateError(`unsupported template expression: ${expr}`);
    let v: unknown;
    if (m[1]) v = lookup(env, m[1], m[2] ?? m[3] ?? m[4] ?? m[5]!, m[5] !== undefined);
    else v = m[6] ?? m[7] ?? m[8];
    if (v !== undefined && v !== null && v !== false) return v === true ? 'true' : String(v);
  }
  return '';
}

/** Render `$(...)` placeholders; text without them is returned unchanged. */
export function render(value: string, env: TemplateEnv): string {
  if (!value.includes('$(')) return value;
  let out = '';
  let i = 0;
  while (i < value.length) {
    const at = value.indexOf('$(', i);
    if (at < 0) {
      out += value.slice(i);
      break;
    }
    out += value.slice(i, at);
    // find the matching ')' outside quotes
    let j = at + 2;
    let quote: string | null = null;
    for (; j < value.length; j++) {
      const ch = value[j]!;
      if (quote) {
        if (ch === quote) quote = null;
      } else if (ch === '"' || ch === "'") quote = ch;
      else if (ch === ')') break;
    }
    if (j >= value.length) throw new TemplateError(`unterminated template: ${value}`);
    out += evaluate(value.slice(at + 2, j), env);
    i = j + 1;
  }
  return out;
}
