// Adversarial inputs for the timing test: long runs of the characters and fragments that drive each
// lexer / regex (quotes, brackets, delimiters, separators, encodings), plus deep nesting.
const MB = Number(process.env.ADV_SIZE ?? 1 << 20);

function rep(s: string, size = MB): string {
  return s.repeat(Math.ceil(size / s.length)).slice(0, size);
}

export const ADVERSARIAL: Array<[string, string]> = [
  ...[
    'a', ' ', "'", '"', '`', '(', ')', '<', '>', '{', '}', '[', ']', '%', '\\', '/', ';', '|', '&', '$', '#', '*', '=', ':',
    '.', '-', '\n', '\r\n', '\0', '@', '!', ',', '+', '~', '^', '\u560a', '\u00c0', '\uff0e', '1',
  ].map((c): [string, string] => [`repeat ${JSON.stringify(c)}`, rep(c)]),
  ...[
    "'a", '"a', "''", '\\\'', 'a.', '1.', '0x', '../', '..\\', '%2e', '%25', '%c0%ae', '&#', '&lt;', '&#x3c;', '\\u00', '--', '/*',
    '*/', '/*!', '<!--', '-->', '<a ', '<a/', '<a on', 'on', 'onx=', '" onx', '=a ', 'javascript', 'java\tscript:', 'data:',
    '{{', '}}', '${', '#{', '<%', '<#', '$(', '$((', '${IFS}', 'c\'a', '`a', 'a;b', 'a|b', 'a&&b', 'or ', 'union ', 'select ',
    "' or 1=1 ", 'select a,', '(select ', 'sleep(', 'alert(', 'a(', 'a.b', 'document.', 'top[', '[1,', '__proto__', 'http://',
    '://', 'http://a@', '//', '\\\\', '/\\', '*)(', ')(', '(&', '(|(a=', '$ne:', '[$ne]', 'db.', 'a:\n', '\r\nX:', 'X: \n',
    '\nA1 ', '<!ENTITY ', '<!DOCTYPE a SYSTEM ', 'schemaLocation="', '+ADw', 'etc/', '/etc/passwd', 'proc/', 'a:b:', ':1.2',
    'x.', 'a-', '0.0.', '0x7f.', '[::', 'jndi:', '${${', '() {', 'O:1:"', '!!python/', '<?php ', "'&'", '"+"', '<esi:',
  ].map((c): [string, string] => [`repeat ${JSON.stringify(c)}`, rep(c)]),
  ['nested parens', '('.repeat(MB / 2) + ')'.repeat(MB / 2)],
  ['nested brackets', '['.repeat(MB / 2) + ']'.repeat(MB / 2)],
  ['nested braces', '{'.repeat(MB / 2) + '}'.repeat(MB / 2)],
  ['nested quotes', '"\''.repeat(MB / 4) + '\'"'.repeat(MB / 4)],
  ['nested tags', '<a>'.repeat(MB / 8) + '</a>'.repeat(MB / 8)],
  ['long word then attack', 'A'.repeat(MB) + "' UNION SELECT 1-- <script>alert(1)</script>;id"],
];
