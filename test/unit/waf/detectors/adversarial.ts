// Adversarial inputs for the timing tests (and `node bench/waf-detectors.mjs --adversarial`):
// long runs of the characters and fragments that drive each lexer or regex (quotes, brackets,
// delimiters, separators, encodings, keywords), deep nesting, and a long word hiding an attack.

type Spec = { unit: string } | { open: string; close: string } | { prefix: string; suffix: string };

const UNITS = [
  'a', ' ', "'", '"', '`', '(', ')', '<', '>', '{', '}', '[', ']', '%', '\\', '/', ';', '|', '&', '$', '#', '*', '=', ':',
  '.', '-', '\n', '\r\n', '\0', '@', '!', ',', '+', '~', '^', '\u560a', '\u00c0', '\uff0e', '1',
  "'a", '"a', "''", "\\'", 'a.', '1.', '0x', '../', '..\\', '%2e', '%25', '%c0%ae', '&#', '&lt;', '&#x3c;', '\\u00', '--', '/*',
  '*/', '/*!', '<!--', '-->', '<a ', '<a/', '<a on', 'on', 'onx=', '" onx', '=a ', 'javascript', 'java\tscript:', 'data:',
  '{{', '}}', '${', '#{', '<%', '<#', '$(', '$((', '${IFS}', "c'a", '`a', 'a;b', 'a|b', 'a&&b', 'or ', 'union ', 'select ',
  "' or 1=1 ", 'select a,', '(select ', 'sleep(', 'alert(', 'a(', 'a.b', 'document.', 'top[', '[1,', '__proto__', 'http://',
  '://', 'http://a@', '//', '\\\\', '/\\', '*)(', ')(', '(&', '(|(a=', '$ne:', '[$ne]', 'db.', 'a:\n', '\r\nX:', 'X: \n',
  '\nA1 ', '<!ENTITY ', '<!DOCTYPE a SYSTEM ', 'schemaLocation="', '+ADw', 'etc/', '/etc/passwd', 'proc/', 'a:b:', ':1.2',
  'x.', 'a-', '0.0.', '0x7f.', '[::', 'jndi:', '${${', '() {', 'O:1:"', '!!python/', '<?php ', "'&'", '"+"', '<esi:',
];

const SPECS: Array<[string, Spec]> = [
  ...UNITS.map((u): [string, Spec] => [`repeat ${JSON.stringify(u)}`, { unit: u }]),
  ['nested parens', { open: '(', close: ')' }],
  ['nested brackets', { open: '[', close: ']' }],
  ['nested braces', { open: '{', close: '}' }],
  ['nested quotes', { open: '"\'', close: '\'"' }],
  ['nested tags', { open: '<a>', close: '</a>' }],
  ['nested calls', { open: 'alert(', close: ')' }],
  ['long word then attack', { prefix: 'A', suffix: "' UNION SELECT 1-- <script>alert(1)</script>;id" }],
];

function build(spec: Spec, size: number): string {
  if ('unit' in spec) return spec.unit.repeat(Math.ceil(size / spec.unit.length)).slice(0, size);
  if ('open' in spec) {
    const k = Math.max(1, Math.floor(size / (spec.open.length + spec.close.length)));
    return spec.open.repeat(k) + spec.close.repeat(k);
  }
  return spec.prefix.repeat(size) + spec.suffix;
}

/** The adversarial inputs, `size` characters each (optionally only the named ones). */
export function adversarialSet(size: number, names?: string[]): Array<[string, string]> {
  const picked = names ? SPECS.filter(([n]) => names.includes(n)) : SPECS;
  return picked.map(([n, spec]): [string, string] => [n, build(spec, size)]);
}

/** Names of all adversarial inputs. */
export const ADVERSARIAL_NAMES: string[] = SPECS.map(([n]) => n);
