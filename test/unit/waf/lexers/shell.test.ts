import { describe, it, expect } from 'vitest';
import { shellCommands } from '../../../../src/waf/lexers/shell.js';

const cmds = (s: string) => shellCommands(s).map((c) => `${c.via}:${c.name}${c.args.length ? ' ' + c.args.map((a) => a.text).join(' ') : ''}`);

describe('shell lexer', () => {
  it('finds commands in every command position', () => {
    expect(cmds('a b; c d | e && f || g & h\ni')).toEqual(['start:a b', 'separator:c d', 'separator:e', 'separator:f', 'separator:g', 'separator:h', 'separator:i']);
    expect(cmds('x $(id -u) y')).toEqual(['start:x', 'substitution:id -u']);
    expect(cmds('x=`uname -a`')).toEqual(['start:x=', 'backtick:uname -a']);
    expect(cmds('{cat,/etc/hosts}')).toEqual(['brace:cat /etc/hosts']);
  });
  it('removes quotes, escapes, empty expansions and carets the way the shell does', () => {
    const [c] = shellCommands("c'a't /e\"t\"c/hosts");
    expect(c!.name).toBe('cat');
    expect(c!.obfuscated).toBe(true);
    expect(c!.args[0]!.text).toBe('/etc/hosts');
    expect(shellCommands('w\\ho$@am$1i')[0]!.name).toBe('whoami');
    expect(shellCommands('w^h^o^a^m^i')[0]!.name).toBe('whoami');
    expect(shellCommands('/usr/bin/id')[0]!.name).toBe('id');
    expect(shellCommands('C:\\Windows\\System32\\cmd.exe /c dir')[0]!.name).toBe('cmd');
  });
  it('treats $IFS spellings as blanks', () => {
    const [c] = shellCommands('cat${IFS}/etc/passwd');
    expect(c!.name).toBe('cat');
    expect(c!.ifs).toBe(true);
    expect(shellCommands('cat$IFS$9/x')[0]!.args[0]!.text).toBe('/x');
  });
  it('records redirections and Markdown-style backticks', () => {
    expect(shellCommands('ls > /tmp/x')[0]!.redirect).toBe(true);
    expect(shellCommands('run `ls` now')[1]!.spacedTick).toBe(true);
    expect(cmds('```bash')).toEqual([]);
  });
  it('does not read `word(` as a subshell', () => {
    expect(cmds('fromBase64(base64)')).toEqual(['start:frombase64']);
  });
});
