// The prefilters that keep ordinary values from being lexed in full must never drop an attack: each
// case below puts the attack where only the full analysis finds it (deep in long text, behind a long
// run of tokens, obfuscated, encoded) and checks the detector still fires, and that look-alike prose
// still passes.
import { describe, expect, it } from 'vitest';
import { sqli } from '../../../../src/waf/detectors/sqli.js';
import { rce } from '../../../../src/waf/detectors/rce.js';
import { ptrav } from '../../../../src/waf/detectors/ptrav.js';
import { scanner } from '../../../../src/waf/detectors/scanner.js';
import { asIsMayOpen, quoteTailMayFire, strongPossible, tailCanFire } from '../../../../src/waf/detectors/sqli/prefilter.js';
import { mayNameProgram } from '../../../../src/waf/detectors/rce/programs.js';
import { lexSql } from '../../../../src/waf/lexers/sql.js';
import { shellCommands } from '../../../../src/waf/lexers/shell.js';
import { F, charFlags, lowerOf } from '../../../../src/waf/lexers/text.js';
import { WafEngine } from '../../../../src/waf/engine.js';
import { GET, POST_JSON, URI, run } from './helpers.js';
import { req } from '../parsers/helpers.js';

/** Ordinary prose with the characters that pass the cheap gates: `;`, `(`, apostrophes, quotes. */
const PROSE = "It's a plain note; nothing (really) to \"see\" here - we set the table, update the list and create a summary. ";
const prose = (n: number): string => PROSE.repeat(Math.ceil(n / PROSE.length)).slice(0, n);

describe('sqli prefilter', () => {
  it('lets ordinary prose with quotes, semicolons and SQL-ish words pass', () => {
    expect(run(sqli, prose(4000), POST_JSON)).toBeNull();
    expect(run(sqli, "O'Brien; (the manager) said: \"set it up\"", GET)).toBeNull();
  });

  it('still finds attacks far into long text', () => {
    expect(run(sqli, prose(6000) + "' UNION SELECT username, password FROM users--", POST_JSON)?.stamp).toBe('sqli:union');
    expect(run(sqli, prose(6000) + '; DROP TABLE users', POST_JSON)?.stamp).toBe('sqli:stacked-query');
    expect(run(sqli, prose(3000) + ' AND 1=(SELECT COUNT(*) FROM information_schema.tables)', POST_JSON)).not.toBeNull();
  });

  it('finds a break-out whose tail comes after more tokens than the head lexes', () => {
    expect(run(sqli, "x')))))))))))) OR 1=1--", GET)).not.toBeNull();
    expect(run(sqli, '1)))))))))))) OR 1=1 -- -', GET)).not.toBeNull();
  });

  it('finds dangerous functions written with comments or blanks before the paren', () => {
    expect(run(sqli, '1 AND sleep/**/(5)', GET)).not.toBeNull();
    expect(run(sqli, "1' AND BENCHMARK (5000000, MD5('a'))-- ", GET)).not.toBeNull();
  });

  it('finds JS-escaped and entity-encoded break-outs', () => {
    expect(run(sqli, '\\u0027 OR 1=1--', GET)).not.toBeNull();
    expect(run(sqli, '&#39; OR &#39;1&#39;=&#39;1', GET)).not.toBeNull();
  });

  it('strongPossible says yes for every strong construct and no for prose', () => {
    const yes = ['1 union select 2', 'waitfor delay', "exec('x')", 'master..xp_cmdshell', 'into outfile', '/*!50000 or*/', 'sleep (1)', 'pg_sleep/**/(1)', 'x from information_schema.tables', "a; set @x=1", 'a; drop table t'];
    for (const s of yes) expect(strongPossible(lowerOf(s), charFlags(s)), s).toBe(true);
    // no strong word, or one that needs a `;`, a paren or FROM it does not have
    const no = ['experience (exp) points', 'from the sleepy town', 'we set the table and went home', 'update: created, deleted'];
    for (const s of no) expect(strongPossible(lowerOf(s), charFlags(s)), s).toBe(false);
  });

  it('asIsMayOpen and quoteTailMayFire read the first significant character without lexing', () => {
    for (const v of ['1 or 1=1', ' -1 union select 1', '.5', ') or (1=1', '; drop table t', '|| 1', '/**/1 or 1', '# x', 'OR 1=1', 'union select', 'NULL or 1', 'and.x', '\u00e9and']) {
      expect(asIsMayOpen(v), v).toBe(true);
    }
    for (const v of ['en-US,en;q=0.9', 'Mozilla/5.0 (X11; Linux)', "'quoted'", '(1)', '@x', '=1', 'N\'x\' or 1']) expect(asIsMayOpen(v), v).toBe(false);
    const may = (v: string): boolean | null => quoteTailMayFire(v, 34);
    for (const v of ['x" or "1"="1', 'x")))) OR 1=1', 'x"=1', 'x"/**/or/**/1', 'x"#', 'x" union select 1', 'x";', 'x"', 'x" WAITFOR DELAY', 'x" is not null']) {
      expect(may(v), v).toBe(true);
    }
    for (const v of ['{"sub":"1234567890","name":"John"}', 'say "hello" to me', 'x"1', 'x"(', 'x",']) expect(may(v), v).toBe(false);
    expect(may('never closed')).toBeNull();
  });

  it('tailCanFire reads the token after the break-out and the run of parens before it', () => {
    const tail = (v: string): boolean => tailCanFire(lexSql(v, 39, 8)!.tokens, 0);
    expect(tail("x' OR 1=1")).toBe(true);
    expect(tail("x' UNION SELECT 1")).toBe(true);
    expect(tail("x'; DROP TABLE t")).toBe(true);
    expect(tail("x' = 'y")).toBe(true);
    expect(tail("x' ORDER BY 1")).toBe(true);
    expect(tail("x'")).toBe(true); // the end: a trailing comment may count
    expect(tail("x'))))))))))")).toBe(true); // ran out of head tokens
    expect(tail("O'Brien went home")).toBe(false);
    expect(tail("it's (fine)")).toBe(false);
  });
});

describe('rce prefilter (the shell lexer builds only candidate commands)', () => {
  it('returns only the commands the caller wants, counting every command against the cap', () => {
    const src = 'alpha one; beta two; cat /etc/passwd; gamma; ls -la';
    const all = shellCommands(src);
    expect(all.map((c) => c.name)).toEqual(['alpha', 'beta', 'cat', 'gamma', 'ls']);
    const some = shellCommands(src, 128, (name) => name === 'cat' || name === 'ls');
    expect(some.map((c) => [c.name, c.args.map((a) => a.text)])).toEqual([['cat', ['/etc/passwd']], ['ls', ['-la']]]);
    expect(some[0]).toEqual(all[2]);
    // the cap counts skipped commands too, as without a filter
    expect(shellCommands(src, 3, (name) => name === 'ls')).toEqual([]);
    expect(shellCommands(src, 3, (name) => name === 'cat').map((c) => c.name)).toEqual(['cat']);
  });

  it('still finds commands deep in long text, plain and obfuscated', () => {
    expect(run(rce, prose(6000) + '; cat /etc/passwd', POST_JSON)).not.toBeNull();
    expect(run(rce, prose(6000) + "; c'a't /etc/passwd", POST_JSON)).not.toBeNull();
    expect(run(rce, prose(6000) + '; w^hoami', POST_JSON)).not.toBeNull();
    expect(run(rce, prose(3000) + ' $(whoami) ' + prose(100), POST_JSON)).not.toBeNull();
    expect(run(rce, prose(3000) + ' | /???/??t /???/p??s??', POST_JSON)).not.toBeNull();
    expect(run(rce, '{cat,/etc/passwd}', GET)).not.toBeNull();
    expect(run(rce, ';C:\\Windows\\System32\\cmd.exe /c dir', GET)).not.toBeNull();
  });

  it('mayNameProgram sees program names through quotes, escapes, carets, paths and case', () => {
    const may = (v: string): boolean => mayNameProgram(v, charFlags(v));
    for (const v of ["; c'a't /etc/passwd", ';c\\at /etc/passwd', '{c\\\\at,/etc/passwd}', ';ca\\\nt x', '; "who"ami', '; W^HOAMI',
      ';C:\\Windows\\System32\\CMD.EXE /c dir', '; /usr/bin/wget x', '$(x)', '${IFS}', '; /???/??t /etc/passwd',
      ';cat(', '(id)', '`id`', ';ls>x', ';ls<x', ';cat.exe x', ';%windir%\\cmd x', '{cat,/etc/passwd}', ';ca\\\nt x']) {
      expect(may(v), v).toBe(true);
    }
    for (const v of ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko)', '{"alg":"HS256","typ":"JWT"}', "it's (really) fine; thanks",
      '/api/v1/users/12345/orders?limit=20&offset=40&sort=-created_at', 'a=1&date=today&x=cat-food']) {
      expect(may(v), v).toBe(false);
    }
  });

  it('lets prose full of everyday program names pass', () => {
    expect(run(rce, prose(6000), POST_JSON)).toBeNull();
    expect(run(rce, 'Set the date; find a time; make a copy (or move it)', POST_JSON)).toBeNull();
  });
});

describe('ptrav prefilter', () => {
  it('skips the path walk only when nothing could change it, and still sees wrappers', () => {
    expect(run(ptrav, 'jar:http:evil.example!x', GET)?.stamp).toBe('ptrav:stream-wrapper');
    expect(run(ptrav, prose(3000) + ' ../../../../etc/passwd', POST_JSON)?.stamp).toBe('ptrav:sensitive-file');
    expect(run(ptrav, '..\\..\\..\\windows\\win.ini', GET)).not.toBeNull();
    expect(run(ptrav, '%2e%2e%2f%2e%2e%2fetc%2fpasswd', GET)).not.toBeNull();
    expect(run(ptrav, '\uff0e\uff0e\uff0f\uff0e\uff0e\uff0fetc\uff0fpasswd', GET)).not.toBeNull();
    expect(run(ptrav, 'a;b/../../etc/shadow', GET)).not.toBeNull();
    expect(run(ptrav, 'Version 1.2.3; see notes', GET)).toBeNull();
  });
});

describe('scanner probe-path index', () => {
  it('finds probe paths anywhere in the URL and keeps list order', () => {
    expect(run(scanner, '/static/../.git/config', URI)?.payload).toContain('/.git/');
    expect(run(scanner, '/app//wp-config.php.bak', URI)?.stamp).toBe('scanner:probe-path');
    expect(run(scanner, '/api/v1/users/12345/orders', URI)).toBeNull();
    expect(run(scanner, '/' + 'a/'.repeat(3000) + '.env', URI)?.stamp).toBe('scanner:probe-path');
  });
});

describe('shared value summary', () => {
  it('memoises flags and the lower-cased form per value, and recomputes for a new value', () => {
    const a = 'Hello; World';
    expect(charFlags(a) & F.SEMI).toBeTruthy();
    expect(lowerOf(a)).toBe('hello; world');
    expect(lowerOf('ABC')).toBe('abc');
    expect(lowerOf(a)).toBe('hello; world');
    expect(charFlags('plain') & F.SEMI).toBe(0);
  });
});

describe('engine: value decoders gated by the character summary', () => {
  const eng = new WafEngine();
  const types = (url: string, body?: string, ct = 'application/json'): string[] =>
    [...new Set(eng.analyze(req(body === undefined ? 'GET' : 'POST', url, body === undefined ? [] : [['Content-Type', ct]], body)).hits.map((h) => h.type))];

  it('still decodes base64, short and long, hex, percent and fullwidth forms', () => {
    expect(types('/?q=' + Buffer.from("' or 1=1--").toString('base64'))).toContain('sqli');
    expect(types('/?q=' + encodeURIComponent(Buffer.from('<script>alert(1)</script>').toString('base64')))).toContain('xss');
    expect(types('/?q=0x' + Buffer.from('<script>alert(1)</script>').toString('hex'))).toContain('xss');
    expect(types('/?q=%253Cscript%253Ealert(1)%253C%252Fscript%253E')).toContain('xss');
    expect(types('/', JSON.stringify({ a: '\uff1cscript\uff1ealert(1)\uff1c/script\uff1e' }))).toContain('xss');
  });

  it('keeps ordinary short tokens undecoded', () => {
    expect(types('/?tags=blue&sku=SKU-1234&name=cotton')).toEqual([]);
  });
});

describe('engine: values already passed in the same kind of place', () => {
  const eng = new WafEngine();
  const post = (body: unknown): ReturnType<WafEngine['analyze']> =>
    eng.analyze(req('POST', '/api', [['Content-Type', 'application/json']], JSON.stringify(body)));
  const where = (r: ReturnType<WafEngine['analyze']>, type: string): string[] =>
    r.hits.filter((h) => h.type === type).map((h) => JSON.stringify(h.point));

  // enough distinct values first that the engine starts remembering values it has passed
  const pad = Array.from({ length: 80 }, (_, i) => `value number ${i}`);

  it('reports an attack at every point it appears, however often it repeats', () => {
    const r = post({ pad, items: Array.from({ length: 50 }, () => ({ q: "' or 1=1--", tag: 'blue' })) });
    expect(where(r, 'sqli')).toHaveLength(50);
  });

  it('judges a value again when its context differs (parameter name, place)', () => {
    // a protocol-relative URL is an open redirect under `next`, not under `title`
    const r = post({ pad, a: [{ title: '//evil.example.com' }, { next: '//evil.example.com' }, { title: '//evil.example.com' }] });
    expect(where(r, 'redir')).toEqual([JSON.stringify([['post'], ['json_doc'], ['hash', 'a'], ['array', 1], ['hash', 'next']])]);
    const r2 = post({ pad, title: '//evil.example.com', next: '//evil.example.com' });
    expect(where(r2, 'redir')).toHaveLength(1);
    // a User-Agent value seen before in a query parameter is still judged as a User-Agent
    const r3 = eng.analyze(req('GET', '/?' + pad.map((p, i) => `p${i}=${encodeURIComponent(p)}`).join('&') + '&ua=sqlmap%2F1.5', [['User-Agent', 'sqlmap/1.5']]));
    expect(r3.hits.filter((h) => h.type === 'scanner').map((h) => h.point)).toEqual([[['header', 'USER-AGENT']]]);
  });

  it('hands every value to custom detectors', () => {
    const seen: string[] = [];
    const custom = new WafEngine({ detectors: [{ type: 'sqli', description: 'records', detect: (v, c) => { seen.push(JSON.stringify(c.point) + v); return null; } }] });
    custom.analyze(req('POST', '/', [['Content-Type', 'application/json']], JSON.stringify([{ a: 'x' }, { a: 'x' }])));
    expect(seen.filter((s) => s.endsWith('"a"]]x'))).toHaveLength(2);
  });
});
