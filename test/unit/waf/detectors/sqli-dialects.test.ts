// SQL injection techniques specific to a dialect or an escaping convention: T-SQL IF statements,
// backslash/quote confusion, LIMIT ... INTO, PostgreSQL operators and dollar quoting, stacked
// statements of SQLite, PostgreSQL, Oracle and MySQL, and form-encoded spaces in values the
// application decodes once more. Each group has benign look-alikes that must pass.
import { describe, it, expect } from 'vitest';
import { sqli } from '../../../../src/waf/detectors/sqli.js';
import { GET, POST_JSON, ctx } from './helpers.js';

const stamp = (v: string, c = GET) => sqli.detect(v, c)?.stamp ?? null;
const HEADER = ctx('header', 'x-filter');

describe('sqli: T-SQL IF <condition> <statement> after a break-out', () => {
  it.each([
    "x' IF 1=1 WAITFOR TIME '23:59'--",
    "' IF (ASCII(SUBSTRING(DB_NAME(),1,1)) > 64) WAITFOR DELAY '0:0:2'--",
    "1 IF(SELECT COUNT(*) FROM users)>0 WAITFOR DELAY '0:0:3'",
    "'; IF EXISTS(SELECT * FROM users) SELECT 1--",
    "x' IF NOT (1=2) EXEC master..xp_cmdshell 'ping x'--",
    "abc\" if (len(user)=3) waitfor delay '00:00:04'--",
  ])('%s', (v) => expect(stamp(v)).not.toBeNull());

  it('names the time delay when the statement is WAITFOR', () => {
    expect(stamp("q' IF (2>1) WAITFOR DELAY '0:0:7'--")).toBe('sqli:time-delay');
    expect(stamp("'; IF (1=1) SELECT 1 --")).toBe('sqli:conditional');
  });

  it.each([
    'What if (really) we wait for delay',
    'if (a === 1) { select(item); }',
    "She asked 'if' (politely) we could wait",
    "Tell me if (and when) you exec the plan",
  ])('passes: %s', (v) => expect(stamp(v)).toBeNull());
});

describe('sqli: a backslash before the quote (escape confusion)', () => {
  // standard SQL strings do not escape with `\`, and addslashes turns `\'` into `\\'`: the quote closes
  it.each([
    "abc\\' OR 'a'='a",
    '\\" OR 1=1#',
    "x\\'; DROP TABLE users--",
    "1\\' UNION SELECT 1,2--",
    "\\' AND SLEEP(3)-- -",
  ])('%s', (v) => {
    expect(stamp(v)).not.toBeNull();
    expect(stamp(v, POST_JSON)).not.toBeNull();
  });

  it.each([
    'He said \\"yes\\" or \\"no\\"',
    '{\\"name\\":\\"O\'Brien\\"}',
    "it\\'s fine",
    "C:\\\\Users\\\\O'Brien\\\\Documents",
    "don\\'t stop me now\\'",
  ])('passes: %s', (v) => expect(stamp(v)).toBeNull());
});

describe('sqli: LIMIT and INTO tails (column-count probes, variables)', () => {
  it.each([
    "1' LIMIT 0,1 INTO @a,@b-- -",
    "-1' LIMIT 1 OFFSET 0 INTO @x;--",
    "x' INTO @a,@b,@c-- -",
    "1' LIMIT 1 PROCEDURE ANALYSE(1,1)--",
    "7\" LIMIT 1 INTO @,@#",
    "1' LIMIT 1 UNION SELECT 1,2-- -",
  ])('%s', (v) => expect(stamp(v)).not.toBeNull());

  it.each(['Speed limit 30 into town', "Put the students' into @groups", "the teachers' limit 5 per class", 'limit 1 into @home'])(
    'passes: %s',
    (v) => expect(stamp(v)).toBeNull(),
  );
});

describe('sqli: PostgreSQL operators, casts and dollar quoting', () => {
  it.each([
    "x' AND payload->'is_admin' = 'true",
    "' OR meta ? 'admin'--",
    "1' AND '1'::int=1--",
    "') OR $tag$x$tag$ = $tag$x$tag$ --",
    "' OR 1=1::int--",
    "1' AND data#>>'{a,b}'='x'--",
    "' OR tags @> ARRAY['admin']--",
    "' OR roles[1]='admin'--",
    "1' AND (data#>'{a}')::text = '1",
    "' OR profile->'flags' ?| array['root'] --",
    "9' AND 'a'::text <@ 'b'::text OR '1'='1",
  ])('%s', (v) => expect(stamp(v)).not.toBeNull());

  it.each([
    'Price: $$ to $$$',
    'The C++ operator -> is for pointers',
    'ratio 16::9',
    "x -> y (see 'docs')",
    'LaTeX $$x^2$$ and $$y$$',
    "rock 'n' roll -> 'classic'",
    "What's up? 'nothing'",
    "Is it 5' or 6'? 'tall'",
    'std::vector<int> v; v[0] = 1;',
    "The tag is #>'x' in the doc",
  ])('passes: %s', (v) => expect(stamp(v)).toBeNull());
});

describe('sqli: stacked statements of other dialects', () => {
  it.each([
    ['1; PRAGMA table_info(users)--', 'sqlite pragma'],
    ["1; ATTACH DATABASE '/var/www/lol.php' AS lol;--", 'sqlite attach'],
    ["'; COPY (SELECT '') TO PROGRAM 'curl x'--", 'postgres copy to program'],
    ["1; COPY cmd FROM PROGRAM 'id';--", 'postgres copy from program'],
    ["'; DO LANGUAGE plpgsql $x$BEGIN PERFORM 1; END$x$;--", 'postgres DO block'],
    ["x'; BEGIN EXECUTE IMMEDIATE 'GRANT DBA TO scott'; END;--", 'oracle block'],
    ["1; EXECUTE IMMEDIATE v_sql;--", 'oracle dynamic sql'],
    ["'; GRANT ALL PRIVILEGES ON *.* TO 'x'@'%'--", 'grant'],
    ["1; LOAD DATA INFILE '/etc/passwd' INTO TABLE t--", 'mysql load data'],
    ['1; SHOW TABLES--', 'mysql show'],
    ["1; SET GLOBAL general_log = 'ON'--", 'mysql set global'],
    ['1; DO SLEEP(5)', 'mysql do'],
    ["1;/**/PRAGMA/**/writable_schema=ON", 'comments between'],
  ])('%s (%s)', (v) => expect(stamp(v)).not.toBeNull());

  it.each([
    'Done; do it again tomorrow',
    'ok; copy that to the wiki',
    'Note; show me the tables please',
    'Thanks; call me at 5',
    'Hi; grant me access please',
    'Step 1; begin the install',
    'later; load the dishwasher',
    'fine; set up the pragma later',
    "Ok; attach the 'report' as pdf",
  ])('passes: %s', (v) => expect(stamp(v)).toBeNull());
});

describe('sqli: `+` as a form-encoded space in values decoded once more', () => {
  it.each([
    "1'+OR+1=1--+",
    '-1+UNION+SELECT+1,2--',
    "1\"+OR+\"a\"=\"a",
    "x'+UNION+ALL+SELECT+NULL,version()--+",
  ])('%s', (v) => {
    expect(stamp(v, POST_JSON)).not.toBeNull();
    expect(stamp(v, HEADER)).not.toBeNull();
  });

  it.each([
    'https://www.example.com/search?q=union+select&page=2',
    'C++ or C#',
    'john+or@example.com',
    '2024-05-14T09:31:22+02:00',
    'dGhpcyB+is+a/b==',
    "rock+'n'+roll",
    'select+your+plan+and+union+fees',
  ])('passes: %s', (v) => expect(stamp(v, POST_JSON)).toBeNull());
});
