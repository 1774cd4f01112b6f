#!/usr/bin/env node
// Soak: memory after many proxied requests. Portcullis (one route, Kong headers on) takes a rotating mix of
// keep-alive GETs, 10 KB POSTs, Connection: close GETs and 502s (a refused upstream) in wrk chunks; after each chunk, once idle,
// we read its RSS (/proc) and V8 heap (admin /status). Goal: memory after 1,000,000 requests within 20% of the
// figure after 100,000. Run after `npm run build`:
//   npm run bench:soak [-- --requests 1000000 --chunk 5s --max-seconds 900]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, runWrk, sleep, startPortcullis, startUpstream, stopAll, workDir, wrkScript, which } from './lib/index.mjs';

const { values: opts } = parseArgs({
  options: {
    requests: { type: 'string', default: '1000000' },
    baseline: { type: 'string', default: '100000' },
    chunk: { type: 'string', default: '5s' },
    connections: { type: 'string', default: '50' },
    'max-seconds': { type: 'string', default: '900' },
    keep: { type: 'boolean', default: false },
  },
});
const TARGET = Number(opts.requests);
const BASELINE = Number(opts.baseline);
const MAX_MS = Number(opts['max-seconds']) * 1000;
if (!which('wrk')) {
  console.error('wrk not found (apt-get install wrk)');
  process.exit(2);
}

function rssBytes(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

async function heapBytes(adminPort) {
  const r = await fetch(`http://127.0.0.1:${adminPort}/status?unit=b`);
  const body = await r.json();
  return Number(String(body.memory.workers_lua_vms[0].http_allocated_gc).replace(/\D/g, ''));
}

const mib = (b) => (b / 1024 / 1024).toFixed(1).padStart(7);
const dir = workDir('portcullis-soak-', { keep: opts.keep });
let failed = false;
try {
  const up = await startUpstream({ dir });
  const port = await freePort();
  const adminPort = await freePort();
  // a second service on a closed loopback port exercises the 502 path (connect refused, retries)
  const config = {
    _format_version: '3.0',
    services: [
      { name: 'bench', url: up.url, routes: [{ name: 'bench-root', paths: ['/'] }] },
      { name: 'gone', url: `http://127.0.0.1:${await freePort()}`, retries: 1, routes: [{ name: 'gone', paths: ['/gone'] }] },
    ],
  };
  const pc = await startPortcullis({ dir, port, adminPort, upstreamUrl: up.url, config });
  const pid = pc.proc.pid;
  const post = wrkScript(dir, 'post10k', { body: 'x'.repeat(10 * 1024), contentType: 'application/octet-stream' });
  const mix = [
    { name: 'GET keep-alive', path: '/', script: null, headers: {} },
    { name: 'POST 10 KB', path: '/', script: post, headers: {} },
    { name: 'GET close', path: '/', script: null, headers: { Connection: 'close' } },
    { name: 'GET 502', path: '/gone', script: null, headers: {}, failing: true },
  ];
  console.log(`# soak  ${new Date().toISOString()}  cpus=${os.cpus().length} load=${os.loadavg().map((x) => x.toFixed(2)).join(' ')}  node ${process.version}`);
  console.log(`# target ${TARGET} requests, baseline at ${BASELINE}; chunks of ${opts.chunk} x ${opts.connections} connections`);
  console.log('requests      chunk               rps     errors   RSS MiB  heap MiB');
  const started = Date.now();
  let total = 0;
  let base = null;
  let last = null;
  let i = 0;
  while (total < TARGET && Date.now() - started < MAX_MS) {
    const m = mix[i++ % mix.length];
    const r = await runWrk({ url: `${pc.url}${m.path}`, duration: opts.chunk, connections: Number(opts.connections), script: m.script, headers: m.headers, outFile: path.join(dir, `wrk-${i}.txt`) });
    total += r.requests;
    const errors = m.failing ? r.socketErrorsTotal : r.errors;
    await sleep(500); // idle: sockets closed, timers settled
    const sample = { total, rss: rssBytes(pid), heap: await heapBytes(adminPort) };
    console.log(`${String(total).padStart(9)}  ${m.name.padEnd(16)} ${String(Math.round(r.rps)).padStart(8)} ${String(errors).padStart(10)}  ${mib(sample.rss)}   ${mib(sample.heap)}`);
    if (errors > 0 && !m.failing) console.log(`#   ${errors} errors in this chunk`);
    if (!base && total >= BASELINE) base = sample;
    last = sample;
  }
  if (!base || total < TARGET) {
    console.log(`# stopped at ${total} requests after ${Math.round((Date.now() - started) / 1000)} s (time limit)`);
    failed = true;
  }
  if (base && last) {
    const rssRatio = last.rss / base.rss;
    const heapRatio = last.heap / base.heap;
    console.log(`\n# RSS  at ${base.total}: ${mib(base.rss).trim()} MiB, at ${last.total}: ${mib(last.rss).trim()} MiB  ratio ${rssRatio.toFixed(3)}`);
    console.log(`# heap at ${base.total}: ${mib(base.heap).trim()} MiB, at ${last.total}: ${mib(last.heap).trim()} MiB  ratio ${heapRatio.toFixed(3)}`);
    const ok = rssRatio <= 1.2;
    console.log(`# goal: memory after ${TARGET} within 20% of the figure after ${BASELINE}: ${ok ? 'ok' : 'NOT MET'}`);
    if (!ok) failed = true;
  }
} catch (err) {
  console.error(err);
  failed = true;
} finally {
  await stopAll();
}
process.exit(failed ? 1 : 0);
