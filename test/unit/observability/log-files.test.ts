import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogFile, logTarget } from '../../../src/observability/log-files.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'portcullis-logs-'));
  dirs.push(d);
  return d;
};

describe('LogFile', () => {
  it('creates the folder, appends lines and has them on disk after close', async () => {
    const dir = tmp();
    const file = path.join(dir, 'logs', 'access.log');
    fs.mkdirSync(path.dirname(file));
    fs.writeFileSync(file, 'earlier\n');
    const log = new LogFile(file);
    log.write('one\n');
    log.write('two\n');
    await log.close();
    expect(fs.readFileSync(file, 'utf8')).toBe('earlier\none\ntwo\n');
    const nested = new LogFile(path.join(dir, 'a', 'b', 'error.log'));
    nested.write('x\n');
    await nested.close();
    expect(fs.readFileSync(path.join(dir, 'a', 'b', 'error.log'), 'utf8')).toBe('x\n');
  });

  it('drops lines without throwing when the file cannot be opened', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'not-a-folder'), '');
    const log = new LogFile(path.join(dir, 'not-a-folder', 'access.log'));
    expect(() => log.write('lost\n')).not.toThrow();
    await expect(log.close()).resolves.toBeUndefined();
  });

  it('resolves Kong log settings', () => {
    expect(logTarget('off', '/p')).toBeNull();
    expect(logTarget('/dev/stdout', '/p')).toBe(1);
    expect(logTarget('/dev/stderr', '/p')).toBe(2);
    expect(logTarget('logs/access.log', '/p')).toBe('/p/logs/access.log');
  });
});
