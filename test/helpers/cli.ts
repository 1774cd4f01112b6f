// A gateway started through the compiled CLI (`node dist/cli.js start`) on free loopback ports, its JSON
// log lines collected from stdout: for tests of what only a real process shows (worker processes, signals).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './gateway.js';
import { freePort } from './net.js';
import { sleep } from './time.js';

export const CLI = path.resolve(import.meta.dirname, '../../dist/cli.js');

export interface CliGateway {
  child: ChildProcess;
  prefix: string;
  admin: number;
  proxy: number;
  /** The filtering node's port, when started with `node: true`. */
  node: number;
  lines: Array<Record<string, any>>;
  exited: Promise<number | null>;
}

export interface CliGatewayOptions {
  workers?: number;
  /** Give the filtering node a listener (else PORTCULLIS_NODE_LISTEN=off). */
  node?: boolean;
  logLevel?: string;
  env?: Record<string, string>;
}

/** Start and wait (up to 30 s) for the 'gateway started' line. */
export async function startCliGateway(opts: CliGatewayOptions = {}): Promise<CliGateway> {
  const prefix = tempDir();
  const [admin, proxy] = [await freePort(), await freePort()];
  const node = opts.node ? await freePort() : 0;
  const child = spawn(process.execPath, [CLI, 'start'], {
    env: {
      ...process.env,
      KONG_PREFIX: prefix,
      KONG_ADMIN_LISTEN: `127.0.0.1:${admin}`,
      KONG_PROXY_LISTEN: `127.0.0.1:${proxy}`,
      PORTCULLIS_NODE_LISTEN: opts.node ? `127.0.0.1:${node}` : 'off',
      PORTCULLIS_JOURNAL_FSYNC: 'off',
      KONG_NGINX_WORKER_PROCESSES: String(opts.workers ?? 1),
      KONG_LOG_LEVEL: opts.logLevel ?? 'debug',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, any>> = [];
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        lines.push(JSON.parse(line));
      } catch {
        /* not a log line */
      }
    }
  });
  child.stderr!.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const g: CliGateway = { child, prefix, admin, proxy, node, lines, exited };
  const deadline = Date.now() + 30_000;
  while (!lines.some((l) => l.msg === 'gateway started')) {
    if (child.exitCode !== null) {
      fs.rmSync(prefix, { recursive: true, force: true });
      throw new Error(`gateway exited with ${child.exitCode}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      fs.rmSync(prefix, { recursive: true, force: true });
      throw new Error('gateway did not start');
    }
    await sleep(50);
  }
  return g;
}

export function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/** Kill the gateway and the given worker processes, and remove its prefix. */
export async function stopCliGateway(g: CliGateway, workerPids: number[] = []): Promise<void> {
  for (const pid of workerPids) killQuietly(pid);
  if (g.child.exitCode === null) g.child.kill('SIGKILL');
  await g.exited;
  fs.rmSync(g.prefix, { recursive: true, force: true });
}

/** A JSON request to a local port (admin API, node API). */
export async function jsonCall(port: number, method: string, p: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`http://127.0.0.1:${port}${p}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}
