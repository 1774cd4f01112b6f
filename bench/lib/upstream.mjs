// Start the bench upstream (bench/lib/upstream-server.mjs) in its own process group and wait until it answers.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGroup, sleep, tail } from './procs.mjs';
import { waitReady } from './http.mjs';

export const UPSTREAM_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'upstream-server.mjs');

/**
 * startUpstream({ dir, cpus, port = 0, workers = 1, node = process.execPath })
 * -> { proc, port, url, pgid }
 */
export async function startUpstream({ dir, cpus = null, port = 0, workers = 1, node = process.execPath, timeoutMs = 10_000 } = {}) {
  const portFile = path.join(dir, 'upstream.port');
  fs.rmSync(portFile, { force: true });
  const proc = startGroup('upstream', [node, UPSTREAM_SCRIPT, String(port)], {
    cpus,
    logFile: path.join(dir, 'upstream.log'),
    env: { ...process.env, PORT_FILE: portFile, UPSTREAM_WORKERS: String(workers) },
  });
  const deadline = Date.now() + timeoutMs;
  while (!fs.existsSync(portFile) || !fs.readFileSync(portFile, 'utf8')) {
    if (proc.exitInfo) throw new Error(`upstream exited during start-up:\n${tail(proc.logFile)}`);
    if (Date.now() > deadline) throw new Error(`upstream did not start in ${timeoutMs} ms:\n${tail(proc.logFile)}`);
    await sleep(50);
  }
  const p = Number(fs.readFileSync(portFile, 'utf8'));
  const url = `http://127.0.0.1:${p}`;
  await waitReady('upstream', `${url}/`, { proc, timeoutMs });
  return { proc, pgid: proc.pgid, port: p, url };
}
