#!/usr/bin/env node
// Proxy benchmark: Portcullis side by side with nginx and the bare upstream, on loopback, in one run.
// Paired alternating rounds (abba), medians of per-round paired ratios. See bench/README.md.
//   npm run build && npm run bench [-- options]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  cpuLayout, stopAll, isStopping, sleep, workDir, which,
  startUpstream, startNginx, findNginx, nginxVersion, startPortcullis, loadVariantConfig, baseConfig, DEFAULT_CLI,
  freePort, probe, jsonBody, runWrk, wrkScript, wrkVersion, durationSeconds, wrkDuration,
  cpuSnapshot, clkTck, usPerRequest, median, minMax, pairedRatios, roundOrder, fmt, table,
  summarize, formatSummary,
} from './lib/index.mjs';

const HELP = `Usage: npm run bench -- [options]        (build first: npm run build)

Starts its own upstream (node http, ~100-byte JSON, keep-alive), nginx (1 worker, keep-alive upstream pool)
and Portcullis (dist/cli.js start, DB-less, one service + route paths ["/"]) on 127.0.0.1, then runs wrk
against "direct" (the upstream), nginx and every Portcullis variant in alternating order (abba), several
rounds, for a small GET and a POST with a JSON body. Prints medians and ratios (median of per-round paired
ratios) vs direct and vs nginx, latency, and CPU microseconds per request of each proxy's process group.
Everything started is stopped (by process group) on exit, Ctrl-C and errors.

Options:
  -d, --duration D         wrk duration per measured run (default 10s)
  -r, --rounds N           measured rounds; every target runs once per round per scenario (default 3)
  -c, --connections N      wrk connections (default 50)
  -t, --threads N          wrk threads (default 1)
  -w, --warmup D           unmeasured warm-up per target and scenario before round 1 (default 3s; 0 = none)
  -p, --pause S            idle seconds between runs (default 1)
  -q, --quick              smoke check: --duration 2s --rounds 1 --warmup 1s --pause 0.2 (explicit flags win)
  --scenarios LIST         comma list of get,post (default get,post)
  --post-bytes N           POST body size in bytes (default 10240)
  --path P                 request path (default /)
  -H, --header 'K: V'      extra request header for every target (repeatable)
  --rate RPS               paced load (wrk Lua delay) instead of a saturating closed loop: latency at RPS
  --variant SPEC           extra Portcullis target: NAME[=ENV=VAL,ENV2=VAL...] (repeatable; values without commas)
  --variant-config [NAME=]FILE
                           Portcullis target whose kong.yml comes from FILE (YAML/JSON; {UPSTREAM_URL},
                           {UPSTREAM_HOST}, {UPSTREAM_PORT} substituted). A file without "services" is merged
                           into the base config (add plugins/consumers). Optional top-level
                           "x-bench: { env: {...}, headers: {...} }" sets env and per-target request headers.
                           Same NAME as a --variant combines both. Default NAME: the file's basename.
  --no-portcullis          skip the default (bare) Portcullis target
  --no-nginx               skip nginx
  --nginx PATH             nginx binary (default /usr/sbin/nginx or PATH)
  --nginx-workers N        nginx worker_processes (default 1)
  --cli PATH               Portcullis CLI (default dist/cli.js)
  --node-arg ARG           extra node flag for Portcullis processes (repeatable)
  --cpu-prof DIR           run Portcullis targets with --cpu-prof into DIR/<target>/ and print a self-time summary
  --order abba|abab        round order (default abba: reversed every other round)
  --no-pin                 no taskset (default: wrk on CPU 0, upstream/nginx/Portcullis on the other CPUs)
  --wrk-cpus L             taskset list for wrk (default 0)
  --server-cpus L          taskset list for upstream, nginx and Portcullis (default 1-(N-1))
  --upstream-cpus L        taskset list for the upstream only (default: --server-cpus)
  --proxy-cpus L           taskset list for nginx and Portcullis only (default: --server-cpus)
  --max-noise P            repeat a run when hypervisor steal + foreign CPU load exceeded P % of the machine
                           (default 0 = never; steal and foreign load are always reported)
  --retries N              repeats allowed per run for --max-noise (default 2)
  --ready-timeout S        seconds to wait for a target to answer (default 30)
  --json FILE              write every run and the summary as JSON
  --keep                   keep the work dir (configs, logs, wrk outputs) and print its path
  -h, --help

Exit status 0 when every run completed (errors under load are reported, not fatal), 1 on set-up failure.`;

let opts;
try {
  opts = parseArgs({
    options: {
      duration: { type: 'string', short: 'd' },
      rounds: { type: 'string', short: 'r' },
      connections: { type: 'string', short: 'c', default: '50' },
      threads: { type: 'string', short: 't', default: '1' },
      warmup: { type: 'string', short: 'w' },
      pause: { type: 'string', short: 'p' },
      quick: { type: 'boolean', short: 'q', default: false },
      scenarios: { type: 'string', default: 'get,post' },
      'post-bytes': { type: 'string', default: '10240' },
      path: { type: 'string', default: '/' },
      header: { type: 'string', short: 'H', multiple: true, default: [] },
      rate: { type: 'string', default: '0' },
      variant: { type: 'string', multiple: true, default: [] },
      'variant-config': { type: 'string', multiple: true, default: [] },
      'no-portcullis': { type: 'boolean', default: false },
      'no-nginx': { type: 'boolean', default: false },
      nginx: { type: 'string' },
      'nginx-workers': { type: 'string', default: '1' },
      cli: { type: 'string', default: DEFAULT_CLI },
      'node-arg': { type: 'string', multiple: true, default: [] },
      'cpu-prof': { type: 'string' },
      order: { type: 'string', default: 'abba' },
      'no-pin': { type: 'boolean', default: false },
      'wrk-cpus': { type: 'string' },
      'server-cpus': { type: 'string' },
      'upstream-cpus': { type: 'string' },
      'proxy-cpus': { type: 'string' },
      'max-noise': { type: 'string', default: '0' },
      retries: { type: 'string', default: '2' },
      'ready-timeout': { type: 'string', default: '30' },
      json: { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: false,
  }).values;
} catch (e) {
  console.error(`bench: ${e.message}\n(see --help)`);
  process.exit(2);
}
if (opts.help) {
  console.log(HELP);
  process.exit(0);
}

function die(msg) {
  console.error(`bench: ${msg}`);
  process.exit(2);
}
function posInt(name, v) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) die(`--${name} needs a positive integer`);
  return n;
}

const quick = opts.quick;
const O = {
  duration: wrkDuration(opts.duration ?? (quick ? '2s' : '10s')),
  rounds: posInt('rounds', opts.rounds ?? (quick ? 1 : 3)),
  connections: posInt('connections', opts.connections),
  threads: posInt('threads', opts.threads),
  warmup: opts.warmup ?? (quick ? '1s' : '3s'),
  pause: Number(opts.pause ?? (quick ? 0.2 : 1)),
  scenarios: opts.scenarios.split(',').map((s) => s.trim()).filter(Boolean),
  postBytes: posInt('post-bytes', opts['post-bytes']),
  path: opts.path,
  rate: Number(opts.rate),
  order: opts.order,
  maxNoise: Number(opts['max-noise']),
  retries: Number(opts.retries),
  readyTimeoutMs: Number(opts['ready-timeout']) * 1000,
  nginxWorkers: posInt('nginx-workers', opts['nginx-workers']),
};
for (const s of O.scenarios) if (s !== 'get' && s !== 'post') die(`unknown scenario ${s} (get, post)`);
if (O.order !== 'abba' && O.order !== 'abab') die('--order must be abba or abab');
if (!O.path.startsWith('/')) die('--path must start with /');
if (!Number.isFinite(O.pause) || O.pause < 0) die('--pause needs seconds');
if (!Number.isFinite(O.rate) || O.rate < 0) die('--rate needs requests/second');
const warmupS = O.warmup === '0' ? 0 : durationSeconds(O.warmup);
const globalHeaders = {};
for (const h of opts.header) {
  const i = h.indexOf(':');
  if (i <= 0) die(`bad header ${h} (expected 'Name: value')`);
  globalHeaders[h.slice(0, i).trim()] = h.slice(i + 1).trim();
}

// ---- variants ----
const variants = new Map(); // name -> { name, env, configFile }
const NAME_RE = /^[A-Za-z0-9_.+-]+$/;
for (const spec of opts.variant) {
  const eq = spec.indexOf('=');
  const name = eq < 0 ? spec : spec.slice(0, eq);
  if (!NAME_RE.test(name)) die(`bad variant name in ${spec}`);
  const env = {};
  if (eq >= 0) {
    for (const kv of spec.slice(eq + 1).split(',')) {
      const j = kv.indexOf('=');
      if (j <= 0) die(`bad variant env ${kv} in ${spec} (expected ENV=VAL)`);
      env[kv.slice(0, j)] = kv.slice(j + 1);
    }
  }
  const v = variants.get(name) ?? { name, env: {}, configFile: null };
  Object.assign(v.env, env);
  variants.set(name, v);
}
for (const spec of opts['variant-config']) {
  let name;
  let file;
  const m = /^([A-Za-z0-9_.+-]+)=(.+)$/.exec(spec);
  if (m && !fs.existsSync(spec)) [, name, file] = m;
  else {
    file = spec;
    name = path.basename(spec).replace(/\.(ya?ml|json)$/, '');
  }
  if (!fs.existsSync(file)) die(`variant config ${file} not found`);
  const v = variants.get(name) ?? { name, env: {}, configFile: null };
  v.configFile = path.resolve(file);
  variants.set(name, v);
}
for (const n of ['direct', 'nginx', ...(opts['no-portcullis'] ? [] : ['portcullis'])]) if (variants.has(n)) die(`variant name ${n} is reserved`);

// ---- pre-flight ----
if (!which('wrk')) die('wrk not found: apt-get install wrk');
const nginxBin = opts['no-nginx'] ? null : findNginx(opts.nginx);
if (!opts['no-nginx'] && !nginxBin) die('nginx not found: apt-get install nginx-light (or --no-nginx)');
const wantPortcullis = !opts['no-portcullis'] || variants.size > 0;
if (wantPortcullis && !fs.existsSync(opts.cli)) die(`${opts.cli} not found: run \`npm run build\` first`);
const layout = cpuLayout({ pin: !opts['no-pin'], wrkCpus: opts['wrk-cpus'], serverCpus: opts['server-cpus'] });
layout.upstreamCpus = layout.pin ? opts['upstream-cpus'] ?? layout.serverCpus : null;
layout.proxyCpus = layout.pin ? opts['proxy-cpus'] ?? layout.serverCpus : null;
const dir = workDir('portcullis-bench-', { keep: opts.keep });
const profDir = opts['cpu-prof'] ? path.resolve(opts['cpu-prof']) : null;
const CLK = clkTck();

const log = (s = '') => process.stdout.write(`${s}\n`);

async function main() {
  const postBody = O.scenarios.includes('post') ? jsonBody(O.postBytes) : null;

  // ---- start everything ----
  const up = await startUpstream({ dir, cpus: layout.upstreamCpus });
  const targets = [{ name: 'direct', kind: 'upstream', url: up.url, pgid: null, headers: {} }];
  if (nginxBin) {
    const n = await startNginx({ dir, port: await freePort(), upstreamPort: up.port, workers: O.nginxWorkers, cpus: layout.proxyCpus, bin: nginxBin, timeoutMs: O.readyTimeoutMs });
    targets.push({ name: 'nginx', kind: 'nginx', url: n.url, pgid: n.pgid, proc: n.proc, headers: {}, version: n.version });
  }
  const pcTargets = [];
  if (!opts['no-portcullis']) pcTargets.push({ name: 'portcullis', env: {}, configFile: null });
  pcTargets.push(...variants.values());
  for (const v of pcTargets) {
    let config = baseConfig(up.url);
    let env = { ...v.env };
    let headers = {};
    if (v.configFile) {
      const c = loadVariantConfig(v.configFile, up.url);
      config = c.config;
      env = { ...c.env, ...v.env };
      headers = c.headers;
    }
    const nodeArgs = [...opts['node-arg']];
    if (profDir) {
      fs.mkdirSync(path.join(profDir, v.name), { recursive: true });
      nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${path.join(profDir, v.name)}`);
    }
    const pc = await startPortcullis({
      name: v.name, dir, port: await freePort(), adminPort: await freePort(), upstreamUrl: up.url, config, env,
      cpus: layout.proxyCpus, cli: opts.cli, nodeArgs, headers: { ...globalHeaders, ...headers }, timeoutMs: O.readyTimeoutMs,
    });
    targets.push({ name: v.name, kind: 'portcullis', url: pc.url, pgid: pc.pgid, proc: pc.proc, headers, env, configFile: v.configFile, kongYml: pc.kongYml });
  }
  // every target must return the upstream's answer (and pass a POST body whole) before measuring
  const probes = {};
  for (const t of targets) {
    const h = { ...globalHeaders, ...t.headers };
    const g = await probe(`${t.url}${O.path}`, { headers: h });
    if (!g.ok) throw new Error(`${t.name}: GET ${O.path} did not reach the upstream: ${g.error ?? `${g.status} ${g.body.slice(0, 200)}`}`);
    probes[t.name] = { status: g.status, headers: g.headers };
    if (postBody) {
      const p = await probe(`${t.url}${O.path}`, { headers: h, body: postBody });
      if (!p.ok) throw new Error(`${t.name}: POST ${postBody.length} B did not reach the upstream whole: ${p.error ?? `${p.status} ${p.body.slice(0, 200)}`}`);
    }
  }

  // ---- header ----
  const nrun = O.scenarios.length * targets.length;
  const estimate = nrun * (O.rounds * (durationSeconds(O.duration) + O.pause + 0.3) + warmupS + 0.3);
  log(`# portcullis bench  ${new Date().toISOString()}  host=${os.hostname()} cpus=${layout.ncpu} load=${os.loadavg().map((x) => x.toFixed(2)).join(' ')}  node ${process.version}  ${wrkVersion()}${nginxBin ? `  nginx ${nginxVersion(nginxBin)}` : ''}`);
  log(`# wrk -t${O.threads} -c${O.connections} -d${O.duration}${O.rate ? ` paced ~${O.rate} rps` : ''}  rounds=${O.rounds} order=${O.order} warmup=${O.warmup} pause=${O.pause}s  scenarios=${O.scenarios.map((s) => (s === 'post' ? `POST ${O.postBytes}B` : 'GET')).join(',')} path=${O.path}`);
  log(layout.pin ? `# pinning: wrk cpus=${layout.wrkCpus}  upstream cpus=${layout.upstreamCpus}  nginx/portcullis cpus=${layout.proxyCpus}` : `# pinning: none (${layout.reason})`);
  log(`# upstream ${up.url} (pgid ${up.pgid})`);
  for (const t of targets.slice(1)) log(`#   ${t.name.padEnd(12)} ${t.url}  pgid ${t.pgid}${Object.keys(t.env ?? {}).length ? `  env ${Object.entries(t.env).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''}${t.configFile ? `  config ${t.configFile}` : ''}${Object.keys(t.headers).length ? `  headers ${Object.keys(t.headers).join(',')}` : ''}`);
  log(`# estimated time ~${Math.ceil(estimate)} s; work dir ${dir}${opts.keep ? ' (kept)' : ''}`);

  // ---- runs ----
  const rows = [];
  const pgids = [up.pgid, ...targets.map((t) => t.pgid).filter(Boolean)];
  for (const scenario of O.scenarios) {
    const script = wrkScript(dir, `wrk-${scenario}`, { body: scenario === 'post' ? postBody : null, rate: O.rate, connections: O.connections });
    const label = scenario === 'post' ? `POST ${O.postBytes}B` : 'GET';
    const wrkArgs = (t, duration, outFile) => ({
      url: `${t.url}${O.path}`, duration, connections: O.connections, threads: O.threads, cpus: layout.wrkCpus, script, headers: { ...globalHeaders, ...t.headers }, outFile,
    });
    log(`\n## ${label}`);
    if (warmupS > 0) {
      for (const t of targets) await runWrk(wrkArgs(t, O.warmup, path.join(dir, `warmup.${scenario}.${t.name}.txt`)));
      log('# warm-up done');
    }
    for (let r = 1; r <= O.rounds; r++) {
      for (const t of roundOrder(targets, r, O.order)) {
        let attempt = 0;
        let row;
        for (;;) {
          attempt++;
          const snap = cpuSnapshot(pgids, { io: true });
          const w = await runWrk(wrkArgs(t, O.duration, path.join(dir, `wrk.${scenario}.${t.name}.r${r}.a${attempt}.txt`)));
          const d = snap.delta();
          if (isStopping()) return new Promise(() => {}); // a signal is shutting down: the handler exits
          const pxTicks = t.pgid ? d.groups.get(t.pgid) : null;
          const upTicks = d.groups.get(up.pgid);
          const ours = (pxTicks ?? 0) + upTicks + (w.wrkTicks ?? 0);
          const tot = d.machine.total || 1;
          row = {
            scenario, round: r, target: t.name, attempt,
            rps: w.rps, requests: w.requests, seconds: w.seconds,
            p50Ms: w.p50Ms, p75Ms: w.p75Ms, p90Ms: w.p90Ms, p99Ms: w.p99Ms, avgMs: w.avgMs, maxMs: w.maxMs,
            non2xx: w.non2xx, socketErrors: w.socketErrors, errors: w.errors,
            proxyUsPerReq: pxTicks === null ? null : usPerRequest(pxTicks, w.requests),
            upstreamUsPerReq: usPerRequest(upTicks, w.requests),
            proxyWritesPerReq: t.pgid && w.requests ? d.io.get(t.pgid).syscw / w.requests : null,
            proxyReadsPerReq: t.pgid && w.requests ? d.io.get(t.pgid).syscr / w.requests : null,
            wrkCpuPct: w.wrkTicks !== null && w.seconds ? (100 * w.wrkTicks) / CLK / w.seconds : null,
            stealPct: (100 * d.machine.steal) / tot,
            foreignPct: (100 * Math.max(0, d.machine.busy - ours)) / tot,
          };
          if (!w.requests) log(`  ${scenario} r${r} ${t.name}: wrk failed (rc ${w.rc}):\n${w.output.trim().split('\n').slice(-5).join('\n')}`);
          const noise = row.stealPct + row.foreignPct;
          if (!(O.maxNoise > 0 && noise > O.maxNoise && attempt <= O.retries)) break;
          log(`  round ${r} ${t.name}: noisy run (steal+foreign ${noise.toFixed(0)}% > ${O.maxNoise}%), repeating`);
          await sleep(2000 * O.pause);
        }
        rows.push(row);
        const e = row.errors ? `  ERRORS non2xx=${row.non2xx} sock=${JSON.stringify(row.socketErrors)}` : '';
        log(`  round ${String(r).padEnd(2)} ${t.name.padEnd(14)} ${fmt(row.rps, 0).padStart(8)} rps  p50 ${fmt(row.p50Ms, 2).padStart(6)} ms  p99 ${fmt(row.p99Ms, 2).padStart(6)} ms  proxy ${fmt(row.proxyUsPerReq).padStart(5)} us/req ${fmt(row.proxyWritesPerReq, 2).padStart(4)} wr/req  upstream ${fmt(row.upstreamUsPerReq).padStart(5)} us/req  wrk ${fmt(row.wrkCpuPct, 0).padStart(3)}%  steal ${fmt(row.stealPct)}%  foreign ${fmt(row.foreignPct)}%${attempt > 1 ? `  (attempt ${attempt})` : ''}${e}`);
        if (O.pause > 0) await sleep(O.pause * 1000);
      }
    }
  }

  // ---- summary ----
  const summary = {};
  const hasNginx = targets.some((t) => t.name === 'nginx');
  for (const scenario of O.scenarios) {
    const sr = rows.filter((r) => r.scenario === scenario);
    summary[scenario] = targets.map((t) => {
      const tr = sr.filter((r) => r.target === t.name);
      const rps = tr.map((r) => r.rps);
      const [mn, mx] = minMax(rps);
      const m = median(rps);
      return {
        target: t.name,
        rps: m, rpsMin: mn, rpsMax: mx, spreadPct: m ? (100 * (mx - mn)) / m : null,
        p50Ms: median(tr.map((r) => r.p50Ms)), p99Ms: median(tr.map((r) => r.p99Ms)),
        vsDirect: t.name === 'direct' ? 1 : median(pairedRatios(sr, t.name, 'direct')),
        vsNginx: hasNginx ? median(pairedRatios(sr, t.name, 'nginx')) : null,
        proxyUsPerReq: median(tr.map((r) => r.proxyUsPerReq)),
        upstreamUsPerReq: median(tr.map((r) => r.upstreamUsPerReq)),
        proxyWritesPerReq: median(tr.map((r) => r.proxyWritesPerReq)),
        proxyReadsPerReq: median(tr.map((r) => r.proxyReadsPerReq)),
        wrkCpuPct: median(tr.map((r) => r.wrkCpuPct)),
        non2xx: tr.reduce((a, r) => a + r.non2xx, 0),
        socketErrors: tr.reduce((a, r) => a + r.socketErrors.connect + r.socketErrors.read + r.socketErrors.write + r.socketErrors.timeout, 0),
        requests: tr.reduce((a, r) => a + r.requests, 0),
      };
    });
    const label = scenario === 'post' ? `POST ${O.postBytes}B` : 'GET';
    log(`\n# summary ${label} (medians of ${O.rounds} round(s); ratios = median of per-round paired RPS ratios)`);
    const head = ['target', 'RPS', 'min..max', 'spread', 'p50 ms', 'p99 ms', 'vs direct', ...(hasNginx ? ['vs nginx'] : []), 'proxy us/req', 'upstream us/req', 'writes/req', 'non2xx', 'sock err'];
    log(
      table([
        head,
        ...summary[scenario].map((s) => [
          s.target, fmt(s.rps, 0), `${fmt(s.rpsMin, 0)}..${fmt(s.rpsMax, 0)}`, `${fmt(s.spreadPct)}%`, fmt(s.p50Ms, 2), fmt(s.p99Ms, 2),
          fmt(s.vsDirect, 3), ...(hasNginx ? [fmt(s.vsNginx, 3)] : []), fmt(s.proxyUsPerReq), fmt(s.upstreamUsPerReq), fmt(s.proxyWritesPerReq, 2), String(s.non2xx), String(s.socketErrors),
        ]),
      ]),
    );
  }
  const allRows = rows.length || 1;
  log(`# noise: median steal ${fmt(median(rows.map((r) => r.stealPct)))}%, median foreign CPU ${fmt(median(rows.map((r) => r.foreignPct)))}% of the machine; runs repeated: ${rows.reduce((a, r) => a + r.attempt - 1, 0)}/${allRows}`);
  const errTotal = rows.reduce((a, r) => a + r.errors, 0);
  if (errTotal) log(`# WARNING: ${errTotal} errors under load (non-2xx/3xx + socket errors), see the tables above`);
  if (hasNginx && targets.some((t) => t.kind === 'portcullis')) {
    log('\n# Portcullis vs nginx (goal >= 0.5x)');
    const head = ['target', ...O.scenarios.flatMap((s) => [`${s === 'post' ? 'POST' : 'GET'} vs nginx`, `${s === 'post' ? 'POST' : 'GET'} us/req`])];
    const body = targets.filter((t) => t.kind === 'portcullis').map((t) => [t.name, ...O.scenarios.flatMap((s) => { const x = summary[s].find((q) => q.target === t.name); return [fmt(x.vsNginx, 3), fmt(x.proxyUsPerReq)]; })]);
    const ng = ['nginx', ...O.scenarios.flatMap((s) => { const x = summary[s].find((q) => q.target === 'nginx'); return ['1.000', fmt(x.proxyUsPerReq)]; })];
    log(table([head, ng, ...body]));
  }

  // ---- stop (gracefully, so --cpu-prof profiles get written) ----
  await stopAll({ graceMs: 8000 });
  let profiles = null;
  if (profDir) {
    profiles = {};
    for (const t of targets.filter((x) => x.kind === 'portcullis')) {
      const d = path.join(profDir, t.name);
      const files = fs.existsSync(d) ? fs.readdirSync(d).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(d, f)) : [];
      if (!files.length) {
        log(`\n# cpu profile ${t.name}: no .cpuprofile written in ${d}`);
        continue;
      }
      const s = summarize(files.map((f) => JSON.parse(fs.readFileSync(f, 'utf8'))));
      profiles[t.name] = { files, totalMs: s.totalMs, idleMs: s.idleMs, functions: s.functions.slice(0, 40), files_: s.files.slice(0, 20) };
      log(`\n# cpu profile ${t.name} (${files.map((f) => path.relative(process.cwd(), f)).join(', ')}; includes start-up and idle)`);
      log(formatSummary(s, { top: 20 }));
    }
  }

  if (opts.json) {
    const out = {
      meta: {
        date: new Date().toISOString(), host: os.hostname(), cpus: layout.ncpu, loadavg: os.loadavg(), node: process.version,
        wrk: wrkVersion(), nginx: nginxBin ? nginxVersion(nginxBin) : null, pinning: layout,
      },
      options: { ...O, headers: globalHeaders },
      targets: targets.map(({ proc, ...t }) => t),
      probes,
      runs: rows,
      summary,
      profiles,
    };
    fs.writeFileSync(opts.json, `${JSON.stringify(out, null, 2)}\n`);
    log(`\n# JSON written to ${opts.json}`);
  }
  if (opts.keep) log(`# work dir kept: ${dir}`);
}

main().then(
  () => process.exit(0),
  async (err) => {
    if (isStopping()) return; // interrupted: the signal handler stops everything and exits
    console.error(`bench: ${err.message}`);
    await stopAll({ graceMs: 2000 });
    process.exit(1);
  },
);
