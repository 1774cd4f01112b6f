import { describe, it, expect } from 'vitest';
import { sqli } from '../../../../src/waf/detectors/sqli.js';
import { GET, POST_JSON, ctx } from './helpers.js';

const stamp = (v: string, c = GET) => sqli.detect(v, c)?.stamp ?? null;

describe('sqli detector', () => {
  it('has the right type', () => expect(sqli.type).toBe('sqli'));

  describe('parenthesised operands and number-glued keywords', () => {
    it.each(["1'or(1)=(1)-- -", "x' AnD(2)>(1)#", "7'||(9)=(9)-- ", "1'OR(1)#", "z\" or((3))=((3))-- -", '2.5UNION SELECT login,2 FROM users-- -', '9e1union select 1,@@version#'])(
      '%s',
      (v) => expect(stamp(v)).toMatch(/^sqli:(tautology|union|operator)$/),
    );
    it.each(["it's fine' or (maybe) not", "O'Neil (and sons) or (partners)", "I'd say 'yes' or (if you must) 'no'", 'version 1.0beta released', 'a 3.5mm jack and 2e5x'])(
      'passes %s',
      (v) => expect(stamp(v)).toBeNull(),
    );
  });

  describe('UNION-based', () => {
    it.each([
      "x' union select null,null,version()-- -",
      '-7 UNION ALL SELECT table_name,2 FROM information_schema.tables',
      "9 uNiOn/**/SeLeCt/**/login,pass/**/from/**/accounts",
      '5 union distinct select 1,2,3',
      "zz\" UNION (SELECT 1, @@hostname)#",
      '0 /*!50000UNION*/ /*!50000SELECT*/ 1,2',
      "abc\\u0027 union select password from admins--",
    ])('%s', (v) => expect(stamp(v)).toMatch(/^sqli:(union|mysql-comment)$/));
  });

  describe('boolean / tautology break-outs', () => {
    it.each([
      "bob' OR 'x'='x",
      "bob' or 2>1-- ",
      'bob" OR ""="',
      "99 OR 7=7",
      "1 AND 3=3",
      "44) or (8=8",
      "')) OR (('z'='z",
      "x' AND 5 BETWEEN 1 AND 9 AND 'a'='a",
      "name' OR username IS NOT NULL OR 'x'='",
      "1' or true#",
      "q' || 'a'='a",
      "k' AnD 1=1 aNd 'k'='k",
    ])('%s', (v) => expect(stamp(v)).not.toBeNull());
  });

  describe('comment truncation', () => {
    it.each(["admin'--", "root' #", "administrator')-- -", "me'/*"])('%s', (v) => expect(stamp(v)).toBe('sqli:comment'));
  });

  describe('stacked queries and statements', () => {
    it.each([
      "1; DROP TABLE customers--",
      "x'; DELETE FROM sessions; --",
      "7;waitfor delay '0:0:9'--",
      "1'; EXEC master..xp_cmdshell 'whoami'--",
      "2; DECLARE @q nvarchar(99); SET @q='x'",
      "3; INSERT INTO users VALUES('h','h')",
      "4; UPDATE users SET role='admin'",
      "1); SHUTDOWN--",
    ])('%s', (v) => expect(stamp(v)).not.toBeNull());
  });

  describe('functions and sub-queries', () => {
    it.each([
      "1 AND SLEEP(7)",
      "x' AND BENCHMARK(9000000,SHA1(1))-- ",
      "(SELECT pg_sleep(10))",
      "1 and extractvalue(0x0a,concat(0x0a,(select user())))",
      "' + (SELECT TOP 1 name FROM sysobjects) + '",
      "1 AND (SELECT COUNT(*) FROM users) > 0",
      "abc' AND ASCII(SUBSTRING((SELECT password FROM users LIMIT 1),1,1))>64--",
      "1 rlike (select (case when (1=1) then 1 else 0x28 end))",
      "' and load_file('/etc/hosts')='",
      "1' INTO OUTFILE '/var/www/shell.php'--",
      "5 ORDER BY 12-- -",
      "x' GROUP BY id HAVING 1=1--",
      "&#39; OR &#39;1&#39;=&#39;1",
    ])('%s', (v) => expect(stamp(v)).not.toBeNull());
  });

  it('catches SQL in JSON bodies and headers too', () => {
    expect(stamp("z' OR 'q'='q", POST_JSON)).not.toBeNull();
    expect(stamp('1 UNION SELECT 1,2', ctx('header', 'x-id'))).toBe('sqli:union');
  });

  describe('look-alikes pass', () => {
    it.each([
      "O'Brien",
      "D'Angelo's pizza",
      "l'amour or l'argent",
      "rock'n'roll and blues",
      'union was a great select',
      'Please select the union you want to join from the list',
      'I would like to drop a table reservation',
      '1 or 2 people',
      '10-20 items',
      '3 * 4 = 12',
      'john+or@example.com',
      "it's 5' - 6' tall",
      'sleep (8 hours) per night',
      'He said "yes" - and left',
      'select your country from the menu',
      'The 1990s and 2000s',
      'Order by phone or email',
      'Where is my order #1234?',
      "Let's meet at 5 o'clock",
      '{"a":"b","c":[1,2,3]}',
      'SELECT * FROM table is how you read everything',
      '/*! jQuery v3.7.1 | (c) OpenJS Foundation */',
    ])('%s', (v) => expect(stamp(v)).toBeNull());
  });

  it('returns a bounded payload excerpt', () => {
    const v = 'A'.repeat(5000) + "' UNION SELECT a,b FROM c" + 'B'.repeat(5000);
    const m = sqli.detect(v, GET)!;
    expect(m.stamp).toBe('sqli:union');
    expect(m.payload.length).toBeLessThanOrEqual(120);
    expect(m.payload).toContain('UNION');
  });
});
