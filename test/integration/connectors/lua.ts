// Running the connectors' Lua specs (LuaJIT + busted) from vitest, against servers started here.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../../..');
export const APT_HINT = 'install the Debian packages: apt-get install -y luajit lua-busted lua-cjson lua-socket';

function onPath(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch { /* next */ }
  }
  return null;
}

let modulesChecked = false;

/** luajit and busted (with the Lua modules the specs load), or an Error saying what to install (these tests fail, never skip, without them). */
export function luaTools(): { luajit: string; busted: string } {
  const luajit = onPath('luajit');
  const busted = onPath('busted');
  const missing = [!luajit && 'luajit', !busted && 'busted'].filter(Boolean);
  if (missing.length) throw new Error(`${missing.join(' and ')} not found on PATH: the connector specs need LuaJIT and busted; ${APT_HINT}`);
  if (!modulesChecked) {
    const probe = 'local m = {} for _, n in ipairs({"cjson.safe", "socket", "socket.http", "mime", "busted.runner"}) do if not pcall(require, n) then m[#m + 1] = n end end io.write(table.concat(m, " "))';
    const absent = execFileSync(luajit!, ['-e', probe], { encoding: 'utf8', timeout: 5000 }).trim();
    if (absent) throw new Error(`LuaJIT cannot load ${absent}: ${APT_HINT}`);
    modulesChecked = true;
  }
  return { luajit: luajit!, busted: busted! };
}

export interface BustedElement {
  name: string;
  message?: string;
  trace?: { message?: string; traceback?: string };
}

export interface BustedRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  report: { successes: BustedElement[]; failures: BustedElement[]; errors: BustedElement[]; pendings: BustedElement[] } | null;
}

/**
 * busted under LuaJIT in `dir` with its `.busted` profile, JSON output. Asynchronous on purpose:
 * the node under test runs in this process and must keep answering while busted waits.
 */
export function runBusted(dir: string, env: Record<string, string>, opts: { run?: string; timeoutMs?: number } = {}): Promise<BustedRun> {
  const { luajit, busted } = luaTools();
  const head = fs.readFileSync(busted, 'utf8').slice(0, 200).split('\n')[0] ?? '';
  // Debian's busted is a Lua script (`#!/usr/bin/env lua`): run it with luajit; a wrapper gets --lua
  const args = ['--run', opts.run ?? 'all', '--output', 'json'];
  const [cmd, argv] = /^#!.*\blua/.test(head) && !/\bsh\b/.test(head) ? [luajit, [busted, ...args]] : [busted, ['--lua', luajit, ...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 8000);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let report: BustedRun['report'] = null;
      try { report = JSON.parse(stdout.slice(stdout.indexOf('{'))); } catch { /* reported by the caller */ }
      resolve({ code, signal, stdout, stderr, report });
    });
  });
}

/** A readable account of a run's failures, for assertion messages. */
export function explain(run: BustedRun): string {
  if (!run.report) return `busted exited ${run.code ?? run.signal} without a JSON report\nstdout:\n${run.stdout.slice(0, 4000)}\nstderr:\n${run.stderr.slice(0, 4000)}`;
  const bad = [...run.report.failures, ...run.report.errors];
  return bad.map((e) => `✗ ${e.name}\n  ${e.message ?? e.trace?.message ?? ''}\n${e.trace?.traceback ?? ''}`).join('\n') || `exit ${run.code}\n${run.stderr.slice(0, 2000)}`;
}

/** A server that accepts connections, reads what comes, and never answers. */
export async function hangingServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('data', () => {});
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

/** A loopback URL where nothing listens (a port just bound and released). */
export async function downUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

/** Runs a Lua chunk under LuaJIT (asynchronously: a node in this process may have to answer it). */
export function runLua(code: string, opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { luajit } = luaTools();
  return new Promise((resolve, reject) => {
    const child = spawn(luajit, ['-'], { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 5000);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (c) => { clearTimeout(timer); resolve({ code: c, stdout, stderr }); });
    child.stdin.end(code);
  });
}
