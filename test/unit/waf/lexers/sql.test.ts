import { describe, it, expect } from 'vitest';
import { lexSql } from '../../../../src/waf/lexers/sql.js';

const fp = (v: string, q = 0) => {
  const r = lexSql(v, q);
  return r ? r.tokens.map((t) => t.t).join('') : null;
};

describe('SQL lexer', () => {
  it('folds values into libinjection-style token types', () => {
    expect(fp("1 UNION SELECT a,b FROM t WHERE x='y'")).toBe('1UEn,nknkno s'.replace(' ', ''));
    expect(fp('sleep(5) AND @@version')).toBe('f(1)&v');
    expect(fp('a || b && c')).toBe('n&n&n');
    expect(fp('x LIKE y')).toBe('non');
  });
  it('starts inside a quote context and ends the first string at the closing quote', () => {
    expect(fp("abc' OR 'x'='x", 39)).toBe('s&sos');
    expect(fp('abc" OR 1', 34)).toBe('s&1');
    expect(fp('no quote here', 39)).toBeNull();
    expect(fp("it''s still inside", 39)).toBeNull();
    expect(fp("esc\\' still inside", 39)).toBeNull();
  });
  it('drops comments but remembers one that ends the value', () => {
    const r = lexSql("x'-- -", 39)!;
    expect(r.tokens.map((t) => t.t).join('')).toBe('s');
    expect(r.endComment).toBe('-- -');
    expect(lexSql('a/**/UNION/**/SELECT')!.tokens.map((t) => t.t).join('')).toBe('nUE');
    expect(lexSql('a # note')!.endComment).toBe('# note');
  });
  it('lexes MySQL executable comments as code', () => {
    const r = lexSql('1 /*!50000UNION*/ /*!SELECT*/ 2')!;
    expect(r.tokens.map((t) => t.t).join('')).toBe('1UE1');
    expect(r.execAt).toEqual([1, 2]);
  });
  it('reads numbers, hex, identifiers that start with digits, prefixed strings, variables', () => {
    expect(fp('0x3a 1.5e3 .5 1st')).toBe('111n');
    expect(fp("N'abc' _latin1'x' @x @@datadir")).toBe('ssvv');
    expect(fp('master..xp_cmdshell information_schema.tables')).toBe('nn');
    expect(lexSql('`weird name`')!.tokens[0]!.v).toBe('weird name');
  });
  it('marks unterminated strings open', () => {
    const r = lexSql("x = 'abc")!;
    expect(r.tokens[2]).toMatchObject({ t: 's', open: true });
  });
  it('caps the token count', () => {
    expect(lexSql('('.repeat(10000), 0, 100)!.tokens.length).toBe(100);
  });
});
