import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal } from '../../../src/store/embedded/journal.js';
import { tempDir } from '../../helpers/gateway.js';

const dirs: string[] = [];
const fresh = () => {
  const d = tempDir();
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const row = (id: string, name: string) => ({ id, name, created_at: 1 });

describe('journal', () => {
  it('replays appended records after reopening', async () => {
    const dir = fresh();
    const j = new Journal(dir);
    j.load();
    await j.append([{ op: 'put', entity: 'services', row: row('a', 'one') }]);
    await j.append([{ op: 'put', entity: 'services', row: row('b', 'two') }]);
    await j.append([{ op: 'del', entity: 'services', id: 'a' }]);
    await j.close();
    const state = new Journal(dir).load();
    expect(state.tables.services).toEqual([row('b', 'two')]);
    expect(state.seq).toBe(3);
    expect(state.dropped).toBe(0);
  });

  it('drops a torn tail and a corrupted record, keeping everything before them', async () => {
    const dir = fresh();
    const j = new Journal(dir);
    j.load();
    await j.append([{ op: 'put', entity: 'services', row: row('a', 'one') }]);
    await j.close();
    const file = path.join(dir, 'journal.log');
    fs.appendFileSync(file, '0badc0de {"seq":2,"ops":[{"op":"put","entity":"services","row":{"id":"x"}}]}\n');
    const corrupted = new Journal(dir).load();
    expect(corrupted.dropped).toBe(1);
    expect(corrupted.tables.services?.map((r) => r.id)).toEqual(['a']);
    fs.appendFileSync(file, '12345678 {"seq":3,"op'); // torn write, no newline
    const torn = new Journal(dir).load();
    expect(torn.dropped).toBe(1);
    expect(torn.tables.services?.map((r) => r.id)).toEqual(['a']);
    // the tail was truncated: later appends land on a clean journal
    const j2 = new Journal(dir);
    j2.load();
    await j2.append([{ op: 'put', entity: 'services', row: row('c', 'three') }]);
    await j2.close();
    expect(new Journal(dir).load().tables.services?.map((r) => r.id).sort()).toEqual(['a', 'c']);
  });

  it('compacts into a snapshot and keeps later records', async () => {
    const dir = fresh();
    const j = new Journal(dir);
    j.load();
    await j.append([{ op: 'put', entity: 'services', row: row('a', 'one') }]);
    await j.compact({ services: [row('a', 'one')] });
    expect(fs.statSync(path.join(dir, 'journal.log')).size).toBe(0);
    await j.append([{ op: 'put', entity: 'services', row: row('b', 'two') }]);
    await j.close();
    const state = new Journal(dir).load();
    expect(state.tables.services?.map((r) => r.id).sort()).toEqual(['a', 'b']);
  });
});
