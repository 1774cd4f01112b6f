// nginx_worker_processes > 1: a primary (store, admin API) with proxy worker processes.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI, jsonCall, startCliGateway, stopCliGateway, type CliGateway as Running } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/gateway.js';
import { sleep } from '../../helpers/time.js';
import { echoServer, nodeRequest, type Upstream } from '../../helpers/upstream.js';

const running: Running[] = [];
let up: Upstream;

beforeAll(async () => {
  up = await echoServer('backend');
});
afterAll(async () => {
  await up?.close();
});
afterEach(async () => {
  for (const r of running.splice(0)) await stopCliGateway(r, workerPids(r));
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function workerPids(r: Running): number[] {
  return [...new Set(r.lines.filter((l) => l.msg === 'proxy worker listening').map((l) => l.worker_pid as number))];
}

async function start(workers: number, env: Record<string, string> = {}): Promise<Running> {
  const r = await startCliGateway({ workers, env });
  running.push(r);
  return r;
}

function adminCall(r: Running, method: string, p: string, body?: unknown): Promise<{ status: number; json: any }> {
  return jsonCall(r.admin, method, p, body);
}

/** Requests on fresh connections until `want` distinct workers answered (bounded); returns statuses by worker pid. */
async function spread(r: Running, p: string, want: number): Promise<{ statuses: number[]; pids: Set<number> }> {
  const statuses: number[] = [];
  const pids = new Set<number>();
  const deadline = Date.now() + 15_000;
  for (let round = 0; round < 100 && Date.now() < deadline; round++) {
    const seen = r.lines.length;
    const batch = await Promise.all(Array.from({ length: 10 }, () => nodeRequest(r.proxy, p, { headers: { connection: 'close' } })));
    statuses.push(...batch.map((b) => b.status));
    await sleep(20);
    for (const l of r.lines.slice(seen)) if (l.log === 'access' && l.uri === p) pids.add(l.pid);
    if (pids.size >= want && round >= 1) break;
  }
  return { statuses, pids };
}

describe('proxy workers (KONG_NGINX_WORKER_PROCESSES)', () => {
  it('serves from every worker, and every admin change reaches all of them', async () => {
    const r = await start(2);
    expect(workerPids(r)).toHaveLength(2);
    expect((await adminCall(r, 'POST', '/services', { name: 'echo', url: `http://127.0.0.1:${up.port}` })).status).toBe(201);
    expect((await adminCall(r, 'POST', '/services/echo/routes', { name: 'r1', paths: ['/one'] })).status).toBe(201);
    await sleep(100);

    const first = await spread(r, '/one', 2);
    expect(first.pids.size).toBe(2);
    expect(new Set(first.statuses)).toEqual(new Set([200]));

    expect((await adminCall(r, 'PATCH', '/routes/r1', { paths: ['/two'] })).status).toBe(200);
    await sleep(100);
    const moved = await spread(r, '/two', 2);
    expect(moved.pids.size).toBe(2);
    expect(new Set(moved.statuses)).toEqual(new Set([200]));
    const old = await spread(r, '/one', 2);
    expect(new Set(old.statuses)).toEqual(new Set([404]));

    // /status sums the workers' counters (reported once a second)
    await sleep(1200);
    const status = await adminCall(r, 'GET', '/status');
    expect(status.json.server.total_requests).toBeGreaterThanOrEqual(first.statuses.length + moved.statuses.length);
    expect(status.json.memory.workers_lua_vms.map((w: { pid: number }) => w.pid).sort()).toEqual(workerPids(r).sort());
  });

  it('replaces a worker that dies, and the new one gets the current configuration', async () => {
    const r = await start(2);
    expect((await adminCall(r, 'POST', '/services', { name: 'echo', url: `http://127.0.0.1:${up.port}` })).status).toBe(201);
    expect((await adminCall(r, 'POST', '/services/echo/routes', { paths: ['/live'] })).status).toBe(201);
    const [victim, survivor] = workerPids(r);
    process.kill(victim!, 'SIGKILL');
    const deadline = Date.now() + 15_000;
    while (workerPids(r).length < 3 && Date.now() < deadline) await sleep(50);
    const pids = workerPids(r);
    expect(pids).toHaveLength(3);
    expect(r.lines.some((l) => l.msg === 'proxy worker exited; starting a new one' && l.worker_pid === victim)).toBe(true);
    const replacement = pids.find((p) => p !== victim && p !== survivor)!;
    const after = await spread(r, '/live', 2);
    expect(after.pids).toEqual(new Set([survivor, replacement]));
    expect(new Set(after.statuses)).toEqual(new Set([200]));
    expect(r.child.exitCode).toBeNull();
  });

  it('quit stops the workers with the primary; a primary killed with -9 takes its workers down', async () => {
    const a = await start(2);
    const aPids = workerPids(a);
    expect(aPids.every(alive)).toBe(true);
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(aPids.filter(alive)).toEqual([]);

    const b = await start(2);
    const bPids = workerPids(b);
    b.child.kill('SIGKILL');
    await b.exited;
    const deadline = Date.now() + 10_000;
    while (bPids.some(alive) && Date.now() < deadline) await sleep(50);
    expect(bPids.filter(alive)).toEqual([]);
  });

  it('reload (SIGHUP) re-reads the declarative file and every worker switches to it', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'kong.yml');
    const yml = (p: string) => `_format_version: "3.0"\nservices:\n  - name: echo\n    url: http://127.0.0.1:${up.port}\n    routes:\n      - name: r\n        paths: ["${p}"]\n`;
    fs.writeFileSync(file, yml('/before'));
    try {
      const r = await start(2, { KONG_DATABASE: 'off', KONG_DECLARATIVE_CONFIG: file });
      const before = await spread(r, '/before', 2);
      expect(before.pids.size).toBe(2);
      expect(new Set(before.statuses)).toEqual(new Set([200]));
      fs.writeFileSync(file, yml('/after'));
      r.child.kill('SIGHUP');
      const deadline = Date.now() + 10_000;
      while (!r.lines.some((l) => String(l.msg).startsWith('reload: configuration')) && Date.now() < deadline) await sleep(50);
      await sleep(100);
      const after = await spread(r, '/after', 2);
      expect(after.pids.size).toBe(2);
      expect(new Set(after.statuses)).toEqual(new Set([200]));
      expect(new Set((await spread(r, '/before', 2)).statuses)).toEqual(new Set([404]));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a bad worker count with one clear line', async () => {
    const prefix = tempDir();
    const child = spawn(process.execPath, [CLI, 'start'], {
      env: { ...process.env, KONG_PREFIX: prefix, KONG_NGINX_WORKER_PROCESSES: 'many' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    fs.rmSync(prefix, { recursive: true, force: true });
    expect(code).toBe(1);
    expect(err.trim()).toMatch(/^Error: invalid nginx_worker_processes \(KONG_NGINX_WORKER_PROCESSES\): expected 'auto' or a number/);
  });
});
