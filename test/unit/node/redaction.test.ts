// Configured secret names (attack_log.redact_keys): their values never reach the attack log, neither at
// their own point nor inside snippets of the raw URI or body.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSensitivePoint, rawHoldsSecret, redactHeaders } from '../../../src/node/redact.js';
import { validateNodeConfig } from '../../../src/node/config.js';
import { WafEngine } from '../../../src/waf/index.js';
import { makeNode, req } from './helpers.js';

const KEYS = new Set(['PASSWORD', 'X-API-KEY']);

describe('configured secret names', () => {
  it('make any point that names them sensitive, whatever its depth', () => {
    expect(isSensitivePoint([['get', 'password']], KEYS)).toBe(true);
    expect(isSensitivePoint([['post'], ['json_doc'], ['hash', 'user'], ['hash', 'Password']], KEYS)).toBe(true);
    expect(isSensitivePoint([['header', 'X-API-KEY'], ['base64']], KEYS)).toBe(true);
    expect(isSensitivePoint([['get', 'q']], KEYS)).toBe(false);
    expect(isSensitivePoint([['get', 'password']])).toBe(false);
    expect(redactHeaders({ 'X-Api-Key': 'k1', Server: 's' }, KEYS)).toEqual({ 'x-api-key': '[redacted]', server: 's' });
  });

  it('mark a request whose raw URI or body carries one', () => {
    expect(rawHoldsSecret('/a?x=1&password=p', null, KEYS)).toBe(true);
    expect(rawHoldsSecret('/a?x=1&pass%77ord=p', null, KEYS)).toBe(true);
    expect(rawHoldsSecret('/a?x=password', null, KEYS)).toBe(false);
    expect(rawHoldsSecret('/a', new TextEncoder().encode('{"Password":"p"}'), KEYS)).toBe(true);
    expect(rawHoldsSecret('/a?password=p', null, new Set())).toBe(false);
  });

  it('are validated in the node config', () => {
    expect(validateNodeConfig({ attack_log: { redact_keys: ['password'] } }).attack_log?.redact_keys).toEqual(['password']);
    expect(() => validateNodeConfig({ attack_log: { redact_keys: 'password' } })).toThrow('attack_log.redact_keys must be a list of names');
    expect(() => validateNodeConfig({ attack_log: { redact_keys: [''] } })).toThrow('attack_log.redact_keys must be a list of names');
  });

  it('keep their values out of the log and its journal, URI snippets included', () => {
    const n = makeNode({ engine: new WafEngine(), config: { attack_log: { redact_keys: ['password'] } } });
    const secret = 'Zq7secret';
    const r = n.inspect(req(`/login?password=${secret}%3Cscript%3Ealert(1)%3C%2Fscript%3E&q=1%27%20UNION%20SELECT%20password%20FROM%20users--`));
    expect(r.blocked).toBe(true);
    const hits = n.attackLog.queryHits({}).data;
    const at = (root: string, name?: string) => hits.filter((h) => h.point[0]![0] === root && (name === undefined || h.point[0]![1] === name));
    expect(at('get', 'password').map((h) => h.payload)).toEqual(['[redacted]']);
    expect(at('uri').length).toBeGreaterThan(0);
    for (const h of at('uri')) expect(h.payload).toBe('[redacted]');
    // an unrelated parameter keeps its payload
    expect(at('get', 'q')[0]!.payload).toContain('UNION SELECT');
    n.attackLog.flush();
    expect(fs.readFileSync(path.join(n.dir, 'attacks.journal'), 'utf8')).not.toContain(secret);
  });

  it('leave payloads alone when the request names none of them', () => {
    const n = makeNode({ engine: new WafEngine(), config: { attack_log: { redact_keys: ['password'] } } });
    n.inspect(req('/login?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E'));
    const uri = n.attackLog.queryHits({}).data.filter((h) => h.point[0]![0] === 'uri');
    expect(uri.length).toBeGreaterThan(0);
    for (const h of uri) expect(h.payload).toContain('<script>');
  });
});
