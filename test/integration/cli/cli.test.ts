import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/gateway.js';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../../../dist/cli.js');

async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const r = await run(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 15_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err: any) {
    return { code: err.code as number, stdout: err.stdout as string, stderr: err.stderr as string };
  }
}

describe('portcullis CLI', () => {
  it('prints help and version', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: portcullis <command>');
    const v = await cli(['version']);
    expect(v.stdout).toMatch(/^Portcullis \d+\.\d+\.\d+ \(Kong 3\.10\.0 compatible\)/);
  });

  it('rejects unknown commands and flags clearly', async () => {
    const cmd = await cli(['frobnicate']);
    expect(cmd.code).toBe(1);
    expect(cmd.stderr).toBe("Error: unknown command 'frobnicate' (see 'portcullis --help')\n");
    const flag = await cli(['start', '--no-such-flag', 'x']);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toBe("Error: unknown option '--no-such-flag' (see 'portcullis --help')\n");
  });

  it('refuses to start on a bad setting with exit code 1', async () => {
    const r = await cli(['start'], { KONG_PROXY_LISTEN: '0.0.0.0:99999', KONG_PREFIX: tempDir() });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/KONG_PROXY_LISTEN.*99999/);
  });

  it('validates declarative files and lists every error with its path', async () => {
    const dir = tempDir();
    const good = path.join(dir, 'good.yml');
    fs.writeFileSync(good, '_format_version: "3.0"\nservices:\n- name: a\n  url: http://a.test\n');
    expect((await cli(['config', 'validate', good])).stdout).toBe('parse successful\n');
    const bad = path.join(dir, 'bad.yml');
    fs.writeFileSync(bad, '_format_version: "3.0"\nservices:\n- name: a\n  port: 0\n  routes:\n  - paths: ["x"]\n');
    const r = await cli(['config', 'validate', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("service 'a': host: required field missing");
    expect(r.stderr).toContain('route: paths.1: should start with: / (fixed path) or ~/ (regex path)');
  });

  it('refuses to start DB-less with an invalid declarative file', async () => {
    const dir = tempDir();
    const bad = path.join(dir, 'kong.yml');
    fs.writeFileSync(bad, '_format_version: "3.0"\nservices:\n- port: 1\n');
    const r = await cli(['start'], { KONG_DATABASE: 'off', KONG_DECLARATIVE_CONFIG: bad, KONG_PREFIX: dir, KONG_ADMIN_LISTEN: '127.0.0.1:0', KONG_PROXY_LISTEN: 'off', PORTCULLIS_NODE_LISTEN: 'off' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error parsing declarative config file ${bad}`);
  });
});
