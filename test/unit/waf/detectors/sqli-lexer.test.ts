// The SQL lexer's string conventions and dialect operators (sql-strings.ts, sql-punct.ts).
import { describe, it, expect } from 'vitest';
import { lexSql, stringEnd } from '../../../../src/waf/lexers/sql.js';
import { dollarQuote } from '../../../../src/waf/lexers/sql-strings.js';

const fp = (v: string, q = 0, ansi = false): string | null => {
  const r = lexSql(v, q, 2048, ansi);
  return r ? r.tokens.map((t) => t.t).join('') : null;
};
const vals = (v: string): string[] => lexSql(v)!.tokens.map((t) => t.v);

describe('SQL lexer: strings', () => {
  it('backslash escapes by default, not in standard-SQL (ansi) mode', () => {
    expect(stringEnd("'a\\'b'", 0, 39)).toBe(6);
    expect(stringEnd("'a\\'b'", 0, 39, true)).toBe(4);
    expect(fp("x\\' OR 1=1", 39)).toBeNull();
    expect(fp("x\\' OR 1=1", 39, true)).toBe('s&1o1');
    expect(fp("it''s", 39, true)).toBeNull();
  });

  it('reads closed PostgreSQL dollar quotes as strings, and nothing else', () => {
    expect(fp("$$a'b$$ = $q$x$q$")).toBe('sos');
    expect(lexSql('$body$ select 1 $body$')!.tokens[0]).toMatchObject({ t: 's', v: ' select 1 ' });
    expect(dollarQuote('$$ never closed', 0)).toBeNull();
    expect(dollarQuote('$1 and $2', 0)).toBeNull();
    expect(fp('$$ price')).toBe('XXn');
  });
});

describe('SQL lexer: PostgreSQL operators', () => {
  it('lexes JSON, containment, existence and cast operators as one token', () => {
    expect(vals("data->>'role' = 'x'")).toEqual(['data', '->>', 'role', '=', 'x']);
    expect(vals("a->'b' @> c <@ d ? 'k' ?| e ?& f")).toEqual(['a', '->', 'b', '@>', 'c', '<@', 'd', '?', 'k', '?|', 'e', '?&', 'f']);
    expect(vals("'1'::int")).toEqual(['1', '::', 'int']);
    expect(vals('@x <=> @y')).toEqual(['@x', '<=>', '@y']);
  });

  it('reads #> as a path operator only before a path literal, else # is a MySQL comment', () => {
    expect(vals("d#>>'{a}'")).toEqual(['d', '#>>', '{a}']);
    const c = lexSql("x #> y")!;
    expect(c.tokens.map((t) => t.v)).toEqual(['x']);
    expect(c.endComment).toBe('#> y');
  });

  it('keeps -- a comment and - an operator', () => {
    expect(vals('1 - 2')).toEqual(['1', '-', '2']);
    expect(lexSql('1 --> 2')!.endComment).toBe('--> 2');
  });
});

describe('SQL lexer: numbers', () => {
  it('ends a decimal or exponent number where letters start, and keeps 1st/9abc/0xfe identifiers', () => {
    expect(vals('1.0UNION')).toEqual(['1.0', 'union']);
    expect(vals('2e5select')).toEqual(['2e5', 'select']);
    expect(vals('.5from')).toEqual(['.5', 'from']);
    expect(vals('1st')).toEqual(['1st']);
    expect(vals('9abc')).toEqual(['9abc']);
    expect(fp('0xfeed')).toBe('1');
  });
});
