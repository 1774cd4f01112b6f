// Process-group management for benchmarks: everything started here runs in its own session/process group
// (spawn detached => setsid), optionally pinned with taskset, and is stopped by group id on exit, on
// SIGINT/SIGTERM/SIGHUP and on uncaught errors. Only groups started by this process are ever signalled.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const groups = new Map(); // pgid -> { name, child, exited }
let handlersInstalled = false;
let cleaningUp = null;

function hasCommand(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

export const which = hasCommand;

/**
 * CPU layout like the reference harness: wrk on CPU 0, every server (upstream, nginx, proxies) on the rest.
 * Returns { pin, wrkCpus, serverCpus, ncpu, reason }.
 */
export function cpuLayout({ pin = true, wrkCpus, serverCpus } = {}) {
  const ncpu = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  if (!pin) return { pin: false, ncpu, wrkCpus: null, serverCpus: null, reason: 'disabled (--no-pin)' };
  if (!hasCommand('taskset')) return { pin: false, ncpu, wrkCpus: null, serverCpus: null, reason: 'taskset not found' };
  if (ncpu < 2) return { pin: false, ncpu, wrkCpus: null, serverCpus: null, reason: 'single CPU' };
  return {
    pin: true,
    ncpu,
    wrkCpus: wrkCpus ?? '0',
    serverCpus: serverCpus ?? (ncpu === 2 ? '1' : `1-${ncpu - 1}`),
    reason: '',
  };
}

/** [cmd, ...args] prefixed with taskset when cpus is set. */
export function pinned(cpus, argv) {
  return cpus ? ['taskset', '-c', String(cpus), ...argv] : argv;
}

/**
 * Start argv in its own process group. stdout/stderr go to logFile (or are ignored).
 * Returns { pid, pgid, name, child, logFile, exited: Promise<{code, signal}> }.
 */
export function startGroup(name, argv, { env, cwd, cpus, logFile, stdio } = {}) {
  installHandlers();
  if (cleaningUp) throw new Error('shutting down');
  const full = pinned(cpus, argv);
  let out = 'ignore';
  let fd = null;
  if (logFile) {
    fd = fs.openSync(logFile, 'a');
    out = fd;
  }
  const child = spawn(full[0], full.slice(1), {
    env: env ?? process.env,
    cwd,
    detached: true, // setsid(): child is the leader of a new session and process group (pgid = pid)
    stdio: stdio ?? ['ignore', out, out],
  });
  if (fd !== null) fs.closeSync(fd);
  const rec = { name, pid: child.pid, pgid: child.pid, child, logFile, exitInfo: null };
  rec.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      rec.exitInfo = { code, signal };
      resolve(rec.exitInfo);
    });
    child.once('error', (err) => {
      rec.exitInfo = { code: -1, signal: null, error: err };
      resolve(rec.exitInfo);
    });
  });
  if (child.pid) groups.set(child.pid, rec);
  return rec;
}

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM'; // exists but not ours to signal (should not happen for our own groups)
  }
}

function signalGroup(pgid, sig) {
  try {
    process.kill(-pgid, sig);
  } catch {
    /* gone */
  }
}

/** SIGTERM a group we started, wait up to graceMs, then SIGKILL. */
export async function stopGroup(rec, { graceMs = 5000, signal = 'SIGTERM' } = {}) {
  if (!rec || !groups.has(rec.pgid)) return;
  if (!groupAlive(rec.pgid)) {
    groups.delete(rec.pgid);
    return;
  }
  signalGroup(rec.pgid, signal);
  const deadline = Date.now() + graceMs;
  while (groupAlive(rec.pgid) && Date.now() < deadline) await sleep(50);
  if (groupAlive(rec.pgid)) signalGroup(rec.pgid, 'SIGKILL');
  const t0 = Date.now();
  while (groupAlive(rec.pgid) && Date.now() - t0 < 2000) await sleep(20);
  groups.delete(rec.pgid);
}

/** True once stopAll() ran (a signal or an error is shutting the benchmark down). */
export function isStopping() {
  return cleaningUp !== null;
}

/** Stop every group started here (graceful first). Idempotent. */
export function stopAll({ graceMs = 5000 } = {}) {
  if (!cleaningUp) cleaningUp = Promise.all([...groups.values()].map((g) => stopGroup(g, { graceMs })));
  return cleaningUp;
}

function killAllSync() {
  for (const pgid of groups.keys()) signalGroup(pgid, 'SIGKILL');
  groups.clear();
}

const exitHooks = [];
/** Register a synchronous hook run at process exit (e.g. rm -rf of a work dir). */
export function onExit(fn) {
  installHandlers();
  exitHooks.push(fn);
}

function installHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    killAllSync(); // last resort: anything still registered is killed hard
    for (const fn of exitHooks.splice(0)) {
      try {
        fn();
      } catch {
        /* ignore */
      }
    }
  });
  const onSignal = (sig, code) => {
    process.stderr.write(`\n${sig}: stopping everything started by the benchmark...\n`);
    // a second signal kills hard
    process.once(sig, () => process.exit(code));
    stopAll({ graceMs: 2000 }).finally(() => process.exit(code));
  };
  process.once('SIGINT', () => onSignal('SIGINT', 130));
  process.once('SIGTERM', () => onSignal('SIGTERM', 143));
  process.once('SIGHUP', () => onSignal('SIGHUP', 129));
  process.on('uncaughtException', (err) => {
    process.stderr.write(`bench: ${err?.stack ?? err}\n`);
    stopAll({ graceMs: 1000 }).finally(() => process.exit(1));
  });
  process.on('unhandledRejection', (err) => {
    process.stderr.write(`bench: ${err?.stack ?? err}\n`);
    stopAll({ graceMs: 1000 }).finally(() => process.exit(1));
  });
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** A scratch directory removed at exit unless keep is true. */
export function workDir(prefix = 'portcullis-bench-', { keep = false } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755); // nginx workers (user nobody) must reach files here
  if (!keep) onExit(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Last lines of a log file, for error messages. */
export function tail(file, lines = 20) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
