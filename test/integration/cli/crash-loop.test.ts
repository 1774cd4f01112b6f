// Crash safety under load: concurrent admin writes, kill -9 at a random moment, restart, check.
// Every write that answered 2xx must be there, nothing half-written, and start-up must never fail
// on a torn journal tail. CI runs a few cycles; `CRASH_CYCLES=100 npx vitest run test/integration/cli/crash-loop.test.ts`
// (or `npm run crash-loop`) runs the full loop.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/gateway.js';
import { freePort } from '../../helpers/net.js';

const CLI = path.resolve(import.meta.dirname, '../../../dist/cli.js');
const CYCLES = Number(process.env.CRASH_CYCLES ?? 3);
const prefix = tempDir();
let child: ChildProcess | null = null;

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  fs.rmSync(prefix, { recursive: true, force: true });
});


/** Resolves when the process has exited (also if it already had). */
function exitOf(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => c.once('exit', () => resolve()));
}

async function start(port: number): Promise<ChildProcess> {
  const c = spawn(process.execPath, [CLI, 'start'], {
    env: { ...process.env, KONG_PREFIX: prefix, KONG_ADMIN_LISTEN: `127.0.0.1:${port}`, KONG_PROXY_LISTEN: 'off', PORTCULLIS_NODE_LISTEN: 'off', KONG_LOG_LEVEL: 'error' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  c.stderr!.on('data', (d) => (stderr += d));
  const deadline = Date.now() + 30_000; // generous: a loaded CI machine starts node slowly
  while (Date.now() < deadline) {
    if (c.exitCode !== null) throw new Error(`start-up failed (exit ${c.exitCode}): ${stderr}`);
    if (await fetch(`http://127.0.0.1:${port}/status`).then((r) => r.ok, () => false)) return c;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gateway did not start: ${stderr}`);
}

async function listAll(port: number, entity: string): Promise<any[]> {
  const out: any[] = [];
  let next: string | null = `/${entity}?size=1000`;
  while (next) {
    const body = (await (await fetch(`http://127.0.0.1:${port}${next}`)).json()) as any;
    out.push(...body.data);
    next = body.next;
  }
  return out;
}

describe('crash loop', () => {
  it(`keeps every acknowledged write across ${CYCLES} kill -9 cycles`, async () => {
    const acknowledged = new Map<string, number>(); // service name -> retries value last acknowledged
    let seq = 0;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const port = await freePort();
      child = await start(port);
      const stopAt = Date.now() + 100 + Math.floor(Math.random() * 400);
      const writer = async (lane: number) => {
        while (Date.now() < stopAt) {
          const name = `c${cycle}-l${lane}-${seq++}`;
          try {
            const r = await fetch(`http://127.0.0.1:${port}/services`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, host: `${lane}.test`, retries: 1 }) });
            if (r.status === 201) acknowledged.set(name, 1);
            const p = await fetch(`http://127.0.0.1:${port}/services/${name}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"retries":7}' });
            if (p.status === 200) acknowledged.set(name, 7);
          } catch {
            return; // the process is gone
          }
        }
      };
      const lanes = Promise.all([0, 1, 2, 3].map(writer));
      await new Promise((r) => setTimeout(r, Math.max(0, stopAt - Date.now() - 20)));
      const exited = exitOf(child);
      child.kill('SIGKILL');
      await lanes;
      await exited;

      child = await start(port);
      const services = await listAll(port, 'services');
      const byName = new Map(services.map((s) => [s.name, s]));
      for (const [name, retries] of acknowledged) {
        const s = byName.get(name);
        expect(s, `acknowledged ${name} missing after cycle ${cycle}`).toBeDefined();
        // a PATCH cut off by the kill may or may not have landed; an acknowledged one must have
        if (retries === 7) expect(s.retries, `acknowledged PATCH of ${name} lost`).toBe(7);
      }
      for (const s of services) {
        expect(s.id).toMatch(/^[0-9a-f-]{36}$/);
        expect(typeof s.host).toBe('string');
        expect([1, 7]).toContain(s.retries);
      }
      const gone = exitOf(child);
      child.kill('SIGKILL');
      await gone;
    }
    expect(acknowledged.size).toBeGreaterThan(0);
  }, 60_000 + CYCLES * 45_000);
});
