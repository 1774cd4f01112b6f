// Rules (docs/waf.md §9): conditions on application, host (wildcards), path (nginx-style `=`, `^~`, `~`,
// `~*` or a plain prefix) and method; actions disable_attack_type / disable_stamp (false-positive
// rules), vpatch (block a point matching a regex, or attack types at a point, or anything), regex
// (custom detector; experimental = record only) and set_mode. A rule point matches a hit point it is a
// prefix of; a part key of "*" matches any key (["get","*"] = every query parameter).
import { randomBytes } from 'node:crypto';
import type { AttackType, Point, PointPart } from '../waf/index.js';
import { badRequest } from './errors.js';
import { isMode, MODES, type Mode } from './types.js';

export const RULE_ACTIONS = ['disable_attack_type', 'disable_stamp', 'vpatch', 'regex', 'set_mode'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

export const ATTACK_TYPES: readonly AttackType[] = [
  'sqli', 'xss', 'rce', 'ptrav', 'crlf', 'nosqli', 'xxe', 'ldapi', 'scanner', 'ssti', 'ssi', 'mail_injection',
  'ssrf', 'redir', 'data_bomb', 'invalid_xml', 'overlimit_res', 'vpatch', 'blocked_source',
];

export interface Rule {
  id: string;
  action: RuleAction;
  host: string | null;
  path: string | null;
  method: string | null;
  application: string | null;
  /** Nested point; null = anywhere in the request. */
  point: Point | null;
  /** disable_attack_type / vpatch: types ('all' = every type). */
  types: AttackType[] | 'all' | null;
  /** disable_stamp: detector stamps. */
  stamps: string[] | null;
  regex: string | null;
  /** Regex flags (default 'i'). */
  flags: string | null;
  /** regex rule: the attack type reported. */
  type: AttackType | null;
  experimental: boolean;
  mode: Mode | null;
  comment: string;
  created_at: number;
  source: 'api' | 'config' | 'false_positive';
  /** For false-positive rules: the hit that led to the rule. */
  hit_id?: string;
}

export interface RequestTarget {
  host: string;
  path: string;
  method: string;
  application: string | null;
}

interface PathMatch {
  kind: '=' | '^~' | '~' | '~*' | 'prefix';
  value: string;
  re: RegExp | null;
}

export interface CompiledRule {
  rule: Rule;
  host: RegExp | null;
  hostHasPort: boolean;
  path: PathMatch | null;
  valueRe: RegExp | null;
  specificity: number;
}

export interface ApplicableRules {
  mode: Mode | null;
  modeRule: Rule | null;
  disables: CompiledRule[];
  vpatches: CompiledRule[];
  regexes: CompiledRule[];
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) { re += '\\['; continue; }
      let cls = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
      if (cls.startsWith('!')) cls = '^' + cls.slice(1);
      re += `[${cls}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'i');
}

export { globToRegExp };

function parsePath(text: string): PathMatch {
  const m = /^(=|\^~|~\*|~)\s+(.+)$/.exec(text.trim());
  if (!m) {
    const v = text.trim();
    if (!v.startsWith('/')) throw badRequest(`'path' must start with '/' or with one of '=', '^~', '~', '~*' and a space`, { field: 'path' });
    return { kind: 'prefix', value: v, re: null };
  }
  const kind = m[1] as PathMatch['kind'];
  const value = m[2]!;
  if (kind === '~' || kind === '~*') {
    try {
      return { kind, value, re: new RegExp(value, kind === '~*' ? 'i' : '') };
    } catch (e) {
      throw badRequest(`'path' regex is invalid: ${(e as Error).message}`, { field: 'path' });
    }
  }
  return { kind, value, re: null };
}

function pathMatches(p: PathMatch, path: string): boolean {
  switch (p.kind) {
    case '=': return path === p.value;
    case '^~':
    case 'prefix': return path.startsWith(p.value);
    default: return p.re!.test(path);
  }
}

// nginx location priority: exact, then ^~ prefix (longest), then regex (case-sensitive first), then
// plain prefix (longest). Host first: a host-specific branch beats a host-agnostic one.
function specificity(host: string | null, path: PathMatch | null, method: string | null, app: string | null): number {
  let h = 0;
  if (host) h = /[*?[]/.test(host) ? 1 + Math.min(host.replace(/[*?]/g, '').length, 999) / 1000 : 2;
  let p = 0;
  if (path) {
    const len = Math.min(path.value.length, 9999) / 10000;
    p = path.kind === '=' ? 5 : path.kind === '^~' ? 4 + len : path.kind === '~' ? 3 : path.kind === '~*' ? 2 : 1 + len;
  }
  return h * 100 + p * 10 + (method ? 0.2 : 0) + (app ? 0.1 : 0);
}

function parsePoint(v: unknown): Point | null {
  if (v == null) return null;
  let arr = v;
  if (typeof v === 'string') {
    try { arr = JSON.parse(v); } catch { throw badRequest(`'point' must be a nested list like [["get","q"]]`, { field: 'point' }); }
  }
  if (!Array.isArray(arr) || arr.length === 0) throw badRequest(`'point' must be a non-empty nested list like [["get","q"]]`, { field: 'point' });
  return arr.map((part): PointPart => {
    if (!Array.isArray(part) || part.length < 1 || part.length > 2 || typeof part[0] !== 'string' || !part[0]) {
      throw badRequest(`'point' parts must be [tag] or [tag, key], e.g. ["get","q"]`, { field: 'point' });
    }
    const tag = part[0].toLowerCase();
    if (part.length === 1) return [tag];
    const key = part[1];
    if (typeof key !== 'string' && typeof key !== 'number') throw badRequest(`'point' keys must be strings or numbers`, { field: 'point' });
    return [tag, tag === 'header' && typeof key === 'string' ? key.toUpperCase() : key];
  });
}

/** A rule point matches a hit point when it is a prefix of it ("*" keys match any key). */
export function pointMatches(rulePoint: Point | null, hitPoint: Point): boolean {
  if (!rulePoint) return true;
  if (rulePoint.length > hitPoint.length) return false;
  for (let i = 0; i < rulePoint.length; i++) {
    const r = rulePoint[i]!, h = hitPoint[i]!;
    if (r[0] !== h[0]) return false;
    if (r.length === 1) continue;
    if (r[1] === '*') continue;
    if (h.length === 1) return false;
    if (r[0] === 'header' ? String(r[1]).toUpperCase() !== String(h[1]).toUpperCase() : String(r[1]) !== String(h[1])) return false;
  }
  return true;
}

function parseTypes(v: unknown, field: string): AttackType[] | 'all' {
  if (v === 'all' || (Array.isArray(v) && v.includes('all'))) return 'all';
  const arr = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(arr) || arr.length === 0) throw badRequest(`'${field}' must be a list of attack types or "all"`, { field });
  for (const t of arr) {
    if (!ATTACK_TYPES.includes(t as AttackType)) throw badRequest(`'${field}': unknown attack type '${String(t)}'`, { field });
  }
  return arr as AttackType[];
}

function optString(input: Record<string, unknown>, field: string): string | null {
  const v = input[field];
  if (v == null || v === '') return null;
  if (typeof v !== 'string') throw badRequest(`'${field}' must be a string`, { field });
  return v;
}

/** Validate and normalise rule input (from the API or the config file). */
export function parseRule(raw: unknown, source: Rule['source'], now: number): Rule {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw badRequest('a rule must be a JSON object');
  const input = raw as Record<string, unknown>;
  // Wallarm's API spellings.
  const aliases: Record<string, RuleAction> = { wallarm_mode: 'set_mode', mode: 'set_mode', experimental_regex: 'regex' };
  const actionText = typeof input.action === 'string' ? input.action : typeof input.type === 'string' && !input.regex ? input.type : input.action;
  const action = (typeof actionText === 'string' && (RULE_ACTIONS as readonly string[]).includes(actionText)
    ? actionText
    : typeof actionText === 'string' ? aliases[actionText] : undefined) as RuleAction | undefined;
  if (!action) throw badRequest(`'action' must be one of ${RULE_ACTIONS.join(', ')}`, { field: 'action' });
  const rule: Rule = {
    id: typeof input.id === 'string' && /^[\w-]{1,64}$/.test(input.id) ? input.id : randomBytes(8).toString('hex'),
    action,
    host: optString(input, 'host'),
    path: optString(input, 'path'),
    method: optString(input, 'method')?.toUpperCase() ?? null,
    application: optString(input, 'application'),
    point: parsePoint(input.point),
    types: null,
    stamps: null,
    regex: null,
    flags: null,
    type: null,
    experimental: input.experimental === true || input.action === 'experimental_regex',
    mode: null,
    comment: optString(input, 'comment') ?? '',
    created_at: typeof input.created_at === 'number' ? input.created_at : now,
    source,
  };
  if (typeof input.hit_id === 'string') rule.hit_id = input.hit_id;
  switch (action) {
    case 'disable_attack_type':
      rule.types = parseTypes(input.types ?? input.attack_types ?? 'all', 'types');
      break;
    case 'disable_stamp': {
      const s = input.stamps ?? input.stamp;
      const arr = typeof s === 'string' ? [s] : s;
      if (!Array.isArray(arr) || arr.length === 0 || arr.some((x) => typeof x !== 'string')) throw badRequest(`'stamps' must be a list of detector stamps`, { field: 'stamps' });
      rule.stamps = arr as string[];
      break;
    }
    case 'vpatch':
      if (input.types != null || input.attack_types != null) rule.types = parseTypes(input.types ?? input.attack_types, 'types');
      rule.regex = optString(input, 'regex');
      break;
    case 'regex': {
      rule.regex = optString(input, 'regex');
      if (!rule.regex) throw badRequest(`'regex' is required for a regex rule`, { field: 'regex' });
      const t = input.attack_type ?? (typeof input.type === 'string' && input.type !== 'regex' ? input.type : undefined);
      if (!ATTACK_TYPES.includes(t as AttackType) || t === 'blocked_source') throw badRequest(`'attack_type' must be an attack type (e.g. sqli, xss, vpatch)`, { field: 'attack_type' });
      rule.type = t as AttackType;
      break;
    }
    case 'set_mode':
      if (!isMode(input.mode)) throw badRequest(`'mode' must be one of ${MODES.join(', ')}`, { field: 'mode' });
      rule.mode = input.mode;
      break;
  }
  if (rule.regex !== null) {
    const flags = optString(input, 'flags') ?? 'i';
    if (!/^[imsu]*$/.test(flags)) throw badRequest(`'flags' may only contain i, m, s, u`, { field: 'flags' });
    try { new RegExp(rule.regex, flags); } catch (e) { throw badRequest(`'regex' is invalid: ${(e as Error).message}`, { field: 'regex' }); }
    rule.flags = flags;
  }
  if (rule.path) parsePath(rule.path);
  return rule;
}

function compile(rule: Rule): CompiledRule {
  const path = rule.path ? parsePath(rule.path) : null;
  return {
    rule,
    host: rule.host ? globToRegExp(rule.host) : null,
    hostHasPort: !!rule.host && rule.host.includes(':'),
    path,
    valueRe: rule.regex !== null ? new RegExp(rule.regex, rule.flags ?? 'i') : null,
    specificity: specificity(rule.host, path, rule.method, rule.application),
  };
}

function hostOnly(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const c = host.indexOf(':');
  return c >= 0 && host.indexOf(':', c + 1) < 0 ? host.slice(0, c) : host;
}

/** One change to a rule set, as a replica applies it. */
export type RuleChange = { put: Rule[] } | { del: string[] };

export class RuleSet {
  private readonly rules = new Map<string, CompiledRule>();
  version = 0;
  /** Told of every change (a primary's node streams them to its proxy workers' replicas). */
  onChange: ((c: RuleChange) => void) | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  add(input: unknown, source: Rule['source'] = 'api'): Rule {
    const rule = parseRule(input, source, this.now());
    this.rules.set(rule.id, compile(rule));
    this.version++;
    this.onChange?.({ put: [rule] });
    return rule;
  }

  /** Set rules as another node's copy has them (id, source and creation time kept). */
  put(rules: readonly Rule[]): void {
    for (const r of rules) {
      try {
        const rule = parseRule(r, r.source, this.now());
        this.rules.set(rule.id, compile(rule));
      } catch { /* a rule this version rejects stays out, as restore() does */ }
    }
    this.version++;
  }

  remove(id: string): boolean {
    const ok = this.rules.delete(id);
    if (ok) {
      this.version++;
      this.onChange?.({ del: [id] });
    }
    return ok;
  }

  get(id: string): Rule | null {
    return this.rules.get(id)?.rule ?? null;
  }

  list(filter: { action?: string; source?: string } = {}): Rule[] {
    const out: Rule[] = [];
    for (const c of this.rules.values()) {
      if (filter.action && c.rule.action !== filter.action) continue;
      if (filter.source && c.rule.source !== filter.source) continue;
      out.push(c.rule);
    }
    return out.sort((a, b) => a.created_at - b.created_at);
  }

  get size(): number {
    return this.rules.size;
  }

  /** Rules whose conditions match the request, by action; the most specific set_mode wins. */
  forRequest(t: RequestTarget): ApplicableRules {
    const out: ApplicableRules = { mode: null, modeRule: null, disables: [], vpatches: [], regexes: [] };
    if (this.rules.size === 0) return out;
    let best: CompiledRule | null = null;
    const bareHost = hostOnly(t.host);
    const method = t.method.toUpperCase();
    for (const c of this.rules.values()) {
      const r = c.rule;
      if (r.application !== null && r.application !== t.application) continue;
      if (r.method !== null && r.method !== method) continue;
      if (c.host && !c.host.test(c.hostHasPort ? t.host : bareHost)) continue;
      if (c.path && !pathMatches(c.path, t.path)) continue;
      switch (r.action) {
        case 'set_mode':
          if (!best || c.specificity > best.specificity || (c.specificity === best.specificity && r.created_at >= best.rule.created_at)) best = c;
          break;
        case 'disable_attack_type':
        case 'disable_stamp':
          out.disables.push(c);
          break;
        case 'vpatch':
          out.vpatches.push(c);
          break;
        case 'regex':
          out.regexes.push(c);
          break;
      }
    }
    if (best) { out.mode = best.rule.mode; out.modeRule = best.rule; }
    return out;
  }

  snapshot(): Rule[] {
    return this.list().filter((r) => r.source !== 'config');
  }

  restore(rules: unknown): number {
    if (!Array.isArray(rules)) return 0;
    const added: Rule[] = [];
    for (const r of rules) {
      try {
        const src = (r as Rule).source === 'false_positive' ? 'false_positive' : 'api';
        const rule = parseRule(r, src, this.now());
        this.rules.set(rule.id, compile(rule));
        added.push(rule);
      } catch { /* skip a rule the current version rejects */ }
    }
    if (added.length) {
      this.version++;
      this.onChange?.({ put: added });
    }
    return added.length;
  }
}

/** True when a disable rule suppresses this hit. */
export function disables(c: CompiledRule, type: AttackType, stamp: string, point: Point): boolean {
  const r = c.rule;
  if (!pointMatches(r.point, point)) return false;
  if (r.action === 'disable_stamp') return r.stamps!.includes(stamp);
  return r.types === 'all' || (r.types !== null && r.types.includes(type));
}
