// The SQL lexer's vocabulary: the one-letter type of each reserved word (statement, keyword, logic,
// operator word, literal, UNION-like), the keywords that stay keywords before `(`, and the character
// classes of identifiers, blanks and numbers.

const STATEMENTS = [
  'select', 'insert', 'update', 'delete', 'drop', 'create', 'alter', 'truncate', 'declare', 'exec',
  'execute', 'shutdown', 'waitfor', 'replace', 'merge', 'grant', 'revoke', 'rename', 'handler', 'load',
  'set', 'call', 'use', 'show', 'describe', 'desc', 'begin', 'commit', 'rollback', 'kill', 'prepare', 'do',
  'pragma', 'attach', 'copy',
];
const KEYWORDS = [
  'from', 'where', 'into', 'values', 'table', 'database', 'schema', 'order', 'group', 'by', 'having',
  'limit', 'offset', 'as', 'case', 'when', 'then', 'else', 'end', 'all', 'distinct', 'top', 'in', 'is',
  'not', 'between', 'exists', 'join', 'inner', 'outer', 'left', 'right', 'cross', 'on', 'using', 'delay',
  'time', 'asc', 'outfile', 'dumpfile', 'procedure', 'escape', 'collate', 'binary', 'interval', 'if',
  'column', 'columns', 'tables', 'user', 'password', 'identified', 'to', 'with', 'natural', 'straight_join',
  'sounds', 'for', 'xml', 'path', 'raw', 'auto', 'explicit', 'rownum', 'fetch', 'first', 'next', 'rows',
  'only', 'char', 'varchar', 'nvarchar', 'int', 'integer', 'varbinary', 'cast', 'convert',
];
const LOGIC = ['and', 'or', 'xor'];
const OPWORDS = ['like', 'rlike', 'regexp', 'div', 'mod', 'glob', 'match', 'ilike'];
const LITERALS = ['null', 'true', 'false', 'unknown'];

export const WORDTYPE = new Map<string, string>();
for (const w of STATEMENTS) WORDTYPE.set(w, 'E');
for (const w of KEYWORDS) WORDTYPE.set(w, 'k');
for (const w of LOGIC) WORDTYPE.set(w, '&');
for (const w of OPWORDS) WORDTYPE.set(w, 'o');
for (const w of LITERALS) WORDTYPE.set(w, '1');
WORDTYPE.set('union', 'U');
WORDTYPE.set('intersect', 'U');
WORDTYPE.set('except', 'U');
WORDTYPE.set('minus', 'U');
/** Keywords that keep their type even when followed by `(`. */
export const KEEP_BEFORE_PAREN = new Set([
  'select', 'in', 'exists', 'values', 'union', 'and', 'or', 'xor', 'not', 'from', 'where', 'on', 'using',
  'into', 'as', 'all', 'distinct', 'when', 'then', 'else', 'is', 'like', 'rlike', 'regexp', 'between',
  'by', 'having', 'exec', 'execute', 'over', 'div', 'mod', 'insert', 'table', 'case',
]);

export function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (c >= 0xc0 && c !== 0xfeff && c < 0xfff0);
}
export function isIdentChar(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57) || c === 36;
}
export function isWs(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0 || c === 0xfeff || c === 0x2028 || c === 0x2029 || c === 0x3000;
}
export function isHexC(c: number): boolean {
  return (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 102);
}
export function isDig(c: number): boolean {
  return c >= 48 && c <= 57;
}
