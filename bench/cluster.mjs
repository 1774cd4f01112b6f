#!/usr/bin/env node
// Cluster benchmark: a real PostgreSQL 15, `migrations bootstrap`, two gateway processes A and B on one
// database. Measures admin writes per second on A, how long a route created on A takes to be proxied by B
// (p50/p99), and proxy throughput of both nodes against one. See bench/README.md.
//   npm run build && npm run bench:cluster [-- options]
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import {
  DEFAULT_CLI, cpuLayout, fmt, freePort, median, onExit, probe, runWrk, sleep, startGroup, startUpstream, stopAll, tail, table, which, workDir,
} from './lib/index.mjs';

const HELP = `Usage: npm run bench:cluster -- [options]        (build first: npm run build)

Starts PostgreSQL 15 (initdb into a temp folder, as the 'postgres' user when run as root; pg_ctl on a free
127.0.0.1 port), runs 'migrations bootstrap', starts an upstream and two gateways (dist/cli.js start,
KONG_DATABASE=postgres) A and B, then measures:
  1. admin writes/s on A: --writes POST /consumers, --write-concurrency in flight
  2. propagation: --samples times, POST a route on A, then poll B's proxy until it routes it
     (latency from sending the write, and from A's 201); a sample not routed within 5 s is a miss
  3. proxy throughput: wrk against A alone, then against A and B at once (half the connections each),
     --rounds rounds in alternating order; ratio = (A+B) / A alone, median of per-round ratios
Everything started is stopped on exit, Ctrl-C and errors.

Options:
  --writes N              admin creates for the write rate (default 2000)
  --write-concurrency N   admin requests in flight (default 16)
  --samples N             propagation samples (default 200)
  -d, --duration D        wrk duration per run (default 5s)
  -r, --rounds N          throughput rounds (default 3)
  -c, --connections N     wrk connections in total (default 64)
  --pin                   taskset: wrk on CPU 0, everything else on the other CPUs (default: no pinning,
                          so two nodes can use every CPU)
  --pg-bin DIR            PostgreSQL bin folder (default PG_BIN or /usr/lib/postgresql/15/bin)
  --pg-fast               fsync=off, synchronous_commit=off (default: PostgreSQL's durable defaults)
  --update-frequency S    KONG_DB_UPDATE_FREQUENCY of the nodes (default 5, Kong's)
  --json FILE             write the figures as JSON
  --keep                  keep the work dir (logs) and print its path
  -h, --help`;

let opts;
try {
  opts = parseArgs({
    options: {
      writes: { type: 'string', default: '2000' },
      'write-concurrency': { type: 'string', default: '16' },
      samples: { type: 'string', default: '200' },
      duration: { type: 'string', short: 'd', default: '5s' },
      rounds: { type: 'string', short: 'r', default: '3' },
      connections: { type: 'string', short: 'c', default: '64' },
      pin: { type: 'boolean', default: false },
      'pg-bin': { type: 'string', default: process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin' },
      'pg-fast': { type: 'boolean', default: false },
      'update-frequency': { type: 'string', default: '5' },
      json: { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
} catch (err) {
  process.stderr.write(`${err.message}\n\n${HELP}\n`);
  process.exit(1);
}
if (opts.help) {
  process.stdout.write(HELP + '\n');
  process.exit(0);
}
const WRITES = positive('writes');
const CONCURRENCY = positive('write-concurrency');
const SAMPLES = positive('samples');
const ROUNDS = positive('rounds');
const CONNECTIONS = Math.max(2, positive('connections'));
const MISS_MS = 5000;

function positive(name) {
  const n = Number(opts[name]);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`--${name} must be a positive integer\n`);
    process.exit(1);
  }
  return n;
}

function uptime() {
  const r = spawnSync('uptime', [], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : `load average: ${os.loadavg().map((x) => x.toFixed(2)).join(', ')}`;
}

// ---- PostgreSQL --------------------------------------------------------------------------------------

async function startPostgres() {
  const bin = opts['pg-bin'];
  for (const b of ['initdb', 'pg_ctl']) {
    if (!fs.existsSync(path.join(bin, b))) throw new Error(`${path.join(bin, b)} not found: apt-get install postgresql, or --pg-bin DIR`);
  }
  const asRoot = process.getuid?.() === 0;
  // its own folder, not the work dir: the server must be stopped before its folder is removed
  const pgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portcullis-cluster-pg-'));
  const data = path.join(pgDir, 'data');
  const sock = path.join(pgDir, 'sock');
  fs.mkdirSync(sock, { recursive: true });
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    for (const p of [pgDir, sock]) fs.chownSync(p, uid, gid);
  }
  const run = (cmd, args) => {
    const argv = asRoot ? ['runuser', '-u', 'postgres', '--', path.join(bin, cmd), ...args] : [path.join(bin, cmd), ...args];
    const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', cwd: pgDir, timeout: 60_000 });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}\n${tail(path.join(pgDir, 'server.log'))}`);
    return r.stdout;
  };
  // stopped (and its folder removed) on every exit path
  onExit(() => {
    try {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      /* already stopped */
    }
    if (!opts.keep) fs.rmSync(pgDir, { recursive: true, force: true });
  });
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const port = await freePort();
  const serverOpts = [`-c listen_addresses=127.0.0.1`, `-p ${port}`, `-k ${sock}`, '-c max_connections=200'];
  if (opts['pg-fast']) serverOpts.push('-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off');
  run('pg_ctl', ['-D', data, '-l', path.join(pgDir, 'server.log'), '-w', '-t', '30', '-o', serverOpts.join(' '), 'start']);
  const psql = (sql) => {
    const argv = ['-h', sock, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-At', '-c', sql];
    const r = spawnSync(path.join(bin, 'psql'), argv, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`psql: ${r.stderr}`);
    return r.stdout.trim();
  };
  psql('CREATE ROLE kong LOGIN');
  psql('CREATE DATABASE kong OWNER kong');
  return { port, version: psql('SHOW server_version') };
}

// ---- gateway nodes -----------------------------------------------------------------------------------

async function startNode(name, dir, pgPort, cpus) {
  const ndir = path.join(dir, name);
  fs.mkdirSync(path.join(ndir, 'prefix'), { recursive: true });
  const port = await freePort();
  const adminPort = await freePort();
  const proc = startGroup(name, [process.execPath, DEFAULT_CLI, 'start'], {
    cpus,
    cwd: ndir,
    logFile: path.join(ndir, 'gateway.log'),
    env: { ...process.env, ...pgEnv(pgPort), KONG_PREFIX: path.join(ndir, 'prefix'), KONG_PROXY_LISTEN: `127.0.0.1:${port}`, KONG_ADMIN_LISTEN: `127.0.0.1:${adminPort}`, KONG_DB_UPDATE_FREQUENCY: opts['update-frequency'], KONG_PROXY_ACCESS_LOG: 'off', NODE_ENV: 'production' },
  });
  const admin = `http://127.0.0.1:${adminPort}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await probeStatus(`${admin}/status`);
    if (r === 200) break;
    if (proc.exitInfo) throw new Error(`${name} exited during start-up:\n${tail(proc.logFile)}`);
    if (Date.now() > deadline) throw new Error(`${name} not ready:\n${tail(proc.logFile)}`);
    await sleep(150);
  }
  return { name, proc, proxy: `http://127.0.0.1:${port}`, admin };
}

function pgEnv(port) {
  return { KONG_DATABASE: 'postgres', KONG_PG_HOST: '127.0.0.1', KONG_PG_PORT: String(port), KONG_PG_USER: 'kong', KONG_PG_DATABASE: 'kong', KONG_LOG_LEVEL: 'error', PORTCULLIS_NODE_LISTEN: 'off' };
}

async function probeStatus(url) {
  try {
    const r = await fetch(url);
    await r.arrayBuffer();
    return r.status;
  } catch {
    return 0;
  }
}

async function call(pool, method, p, body) {
  const r = await pool.request({ method, path: p, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  const text = await r.body.text();
  return { status: r.statusCode, text };
}

function pct(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

// ---- the measurements --------------------------------------------------------------------------------

async function measureWrites(adminA) {
  const pool = new Pool(adminA, { connections: CONCURRENCY, pipelining: 1 });
  let next = 0;
  const lat = [];
  const failures = [];
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < WRITES) {
        const i = next++;
        const s = process.hrtime.bigint();
        const r = await call(pool, 'POST', '/consumers', { username: `bench-${i}`, tags: ['bench'] });
        lat.push(Number(process.hrtime.bigint() - s) / 1e6);
        if (r.status !== 201) failures.push(`${r.status} ${r.text.slice(0, 120)}`);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await pool.close();
  lat.sort((a, b) => a - b);
  return { writes: WRITES, concurrency: CONCURRENCY, seconds, perSecond: WRITES / seconds, p50Ms: pct(lat, 50), p99Ms: pct(lat, 99), failures: failures.length, firstFailure: failures[0] ?? null };
}

async function measurePropagation(a, b) {
  const adminA = new Pool(a.admin, { connections: 1 });
  const proxyB = new Pool(b.proxy, { connections: 1 });
  const fromWrite = [];
  const fromAck = [];
  let misses = 0;
  let failures = 0;
  for (let i = 0; i < SAMPLES; i++) {
    const p = `/prop-${i}`;
    const t0 = performance.now();
    const w = await call(adminA, 'POST', '/services/bench/routes', { name: `prop-${i}`, paths: [p] });
    const acked = performance.now();
    if (w.status !== 201) {
      failures++;
      continue;
    }
    let routed = false;
    while (performance.now() - acked < MISS_MS) {
      const r = await proxyB.request({ method: 'GET', path: p });
      await r.body.dump();
      if (r.statusCode === 200) {
        routed = true;
        break;
      }
      // B answers 404 "no Route matched" until the change arrives; poll without hammering it
      await sleep(1);
    }
    const done = performance.now();
    if (!routed) {
      misses++;
      continue;
    }
    fromWrite.push(done - t0);
    fromAck.push(done - acked);
  }
  await adminA.close();
  await proxyB.close();
  fromWrite.sort((x, y) => x - y);
  fromAck.sort((x, y) => x - y);
  return {
    samples: SAMPLES,
    routed: fromWrite.length,
    misses,
    failures,
    fromWrite: { p50Ms: pct(fromWrite, 50), p99Ms: pct(fromWrite, 99), maxMs: fromWrite.at(-1) ?? NaN },
    fromAck: { p50Ms: pct(fromAck, 50), p99Ms: pct(fromAck, 99), maxMs: fromAck.at(-1) ?? NaN },
  };
}

async function measureThroughput(a, b, dir, lay) {
  const rows = [];
  const half = Math.floor(CONNECTIONS / 2);
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? ['one', 'two'] : ['two', 'one'];
    const res = {};
    for (const kind of order) {
      const out = (n) => path.join(dir, `wrk-${round}-${kind}-${n}.txt`);
      if (kind === 'one') {
        const w = await runWrk({ url: `${a.proxy}/bench`, duration: opts.duration, connections: CONNECTIONS, cpus: lay.wrkCpus, outFile: out('a') });
        res.one = { rps: w.rps, p99Ms: w.p99Ms, errors: w.errors };
      } else {
        const [wa, wb] = await Promise.all([
          runWrk({ url: `${a.proxy}/bench`, duration: opts.duration, connections: half, cpus: lay.wrkCpus, outFile: out('a') }),
          runWrk({ url: `${b.proxy}/bench`, duration: opts.duration, connections: CONNECTIONS - half, cpus: lay.wrkCpus, outFile: out('b') }),
        ]);
        res.two = { rps: wa.rps + wb.rps, a: wa.rps, b: wb.rps, p99Ms: Math.max(wa.p99Ms ?? 0, wb.p99Ms ?? 0), errors: wa.errors + wb.errors };
      }
      await sleep(500);
    }
    rows.push({ round, ...res, ratio: res.two.rps / res.one.rps });
  }
  return { rounds: rows, ratio: median(rows.map((r) => r.ratio)), oneRps: median(rows.map((r) => r.one.rps)), twoRps: median(rows.map((r) => r.two.rps)) };
}

// ---- main --------------------------------------------------------------------------------------------

async function main() {
  if (!fs.existsSync(DEFAULT_CLI)) throw new Error(`${DEFAULT_CLI} not found: run \`npm run build\` first`);
  if (!which('wrk')) throw new Error('wrk not found (apt-get install wrk)');
  const dir = workDir('portcullis-cluster-', { keep: opts.keep });
  if (opts.keep) console.log(`work dir: ${dir}`);
  const lay = opts.pin ? cpuLayout() : { pin: false, wrkCpus: null, serverCpus: null, ncpu: os.availableParallelism() };
  const loadBefore = uptime();
  console.log(`machine: ${os.availableParallelism()} CPUs, node ${process.version}, ${lay.pin ? `wrk on CPU ${lay.wrkCpus}, servers on ${lay.serverCpus}` : 'no CPU pinning'}`);
  console.log(`uptime before: ${loadBefore}`);

  const pgInfo = await startPostgres();
  console.log(`PostgreSQL ${pgInfo.version} on 127.0.0.1:${pgInfo.port}${opts['pg-fast'] ? ' (fsync off)' : ' (durable defaults)'}`);
  const boot = spawnSync(process.execPath, [DEFAULT_CLI, 'migrations', 'bootstrap'], { env: { ...process.env, ...pgEnv(pgInfo.port), KONG_PREFIX: dir }, encoding: 'utf8', timeout: 60_000 });
  if (boot.status !== 0) throw new Error(`migrations bootstrap failed: ${boot.stderr || boot.stdout}`);

  const upstream = await startUpstream({ dir, cpus: lay.serverCpus });
  const a = await startNode('node-a', dir, pgInfo.port, lay.serverCpus);
  const b = await startNode('node-b', dir, pgInfo.port, lay.serverCpus);
  const adminA = new Pool(a.admin, { connections: 1 });
  const svc = await call(adminA, 'POST', '/services', { name: 'bench', url: upstream.url });
  const route = await call(adminA, 'POST', '/services/bench/routes', { name: 'bench', paths: ['/bench'] });
  await adminA.close();
  if (svc.status !== 201 || route.status !== 201) throw new Error(`set-up writes failed: ${svc.text} ${route.text}`);
  for (const n of [a, b]) {
    const deadline = Date.now() + 10_000;
    while (!(await probe(`${n.proxy}/bench`)).ok) {
      if (Date.now() > deadline) throw new Error(`${n.name} does not proxy /bench:\n${tail(n.proc.logFile)}`);
      await sleep(50);
    }
  }

  console.log(`\n1. admin writes on A: ${WRITES} POST /consumers, ${CONCURRENCY} in flight`);
  const writes = await measureWrites(a.admin);
  console.log(`   ${fmt(writes.perSecond, 0)} writes/s (${fmt(writes.seconds, 2)} s), latency p50 ${fmt(writes.p50Ms, 2)} ms, p99 ${fmt(writes.p99Ms, 2)} ms, non-201: ${writes.failures}${writes.firstFailure ? ` (${writes.firstFailure})` : ''}`);

  console.log(`\n2. propagation A -> B: ${SAMPLES} routes created on A, B's proxy polled until it routes each`);
  const prop = await measurePropagation(a, b);
  console.log(`   from sending the write: p50 ${fmt(prop.fromWrite.p50Ms, 1)} ms, p99 ${fmt(prop.fromWrite.p99Ms, 1)} ms, max ${fmt(prop.fromWrite.maxMs, 1)} ms`);
  console.log(`   from A's 201:           p50 ${fmt(prop.fromAck.p50Ms, 1)} ms, p99 ${fmt(prop.fromAck.p99Ms, 1)} ms, max ${fmt(prop.fromAck.maxMs, 1)} ms`);
  console.log(`   routed ${prop.routed}/${SAMPLES}, not routed within ${MISS_MS} ms: ${prop.misses}, failed writes: ${prop.failures}`);

  console.log(`\n3. proxy throughput: wrk -c${CONNECTIONS} ${opts.duration} on A alone vs -c${Math.floor(CONNECTIONS / 2)} on A + -c${CONNECTIONS - Math.floor(CONNECTIONS / 2)} on B at once, ${ROUNDS} rounds`);
  const thr = await measureThroughput(a, b, dir, lay);
  console.log(
    table([
      ['round', 'one node rps', 'two nodes rps', '(A + B)', 'ratio', 'errors'],
      ...thr.rounds.map((r) => [String(r.round + 1), fmt(r.one.rps, 0), fmt(r.two.rps, 0), `${fmt(r.two.a, 0)} + ${fmt(r.two.b, 0)}`, fmt(r.ratio, 2), String(r.one.errors + r.two.errors)]),
    ]),
  );
  console.log(`   two nodes / one node: ${fmt(thr.ratio, 2)}x (median of per-round ratios); ${os.availableParallelism()} CPUs shared by wrk, upstream, PostgreSQL and the nodes`);

  const loadAfter = uptime();
  console.log(`\nuptime after: ${loadAfter}`);
  if (opts.json) {
    fs.writeFileSync(opts.json, JSON.stringify({ machine: { cpus: os.availableParallelism(), node: process.version, pinned: lay.pin }, postgres: pgInfo, loadBefore, loadAfter, writes, propagation: prop, throughput: thr }, null, 2));
  }
}

main()
  .then(() => stopAll())
  .then(() => process.exit(0))
  .catch(async (err) => {
    process.stderr.write(`bench:cluster: ${err?.stack ?? err}\n`);
    await stopAll({ graceMs: 1000 });
    process.exit(1);
  });
