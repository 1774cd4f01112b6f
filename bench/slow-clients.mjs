#!/usr/bin/env node
// Added latency of ordinary requests while 1,000 connections trickle header bytes (issue: slow
// clients must not starve others; goal p99 added latency < 50 ms). Run after `npm run build`.
//   node bench/slow-clients.mjs [--slow 1000] [--requests 2000]
import http from 'node:http';
import net from 'node:net';
import { freePort, startUpstream, startPortcullis, stopAll, workDir, sleep } from './lib/index.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const SLOW = opt('slow', 1000);
const REQUESTS = opt('requests', 2000);

const agent = new http.Agent({ keepAlive: false });
function once(port) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(Number(process.hrtime.bigint() - t0) / 1e6));
    });
    req.on('error', reject);
  });
}

async function measure(port, n) {
  const lat = [];
  for (let i = 0; i < n; i++) lat.push(await once(port));
  lat.sort((a, b) => a - b);
  return { p50: lat[Math.floor(n * 0.5)], p99: lat[Math.floor(n * 0.99)], max: lat[n - 1] };
}

const dir = workDir('portcullis-slow-');
try {
  const up = await startUpstream({ dir });
  const port = await freePort();
  const adminPort = await freePort();
  await startPortcullis({ dir, port, adminPort, upstreamUrl: up.url, env: { KONG_NGINX_HTTP_CLIENT_HEADER_TIMEOUT: '60s' } });
  await measure(port, 200); // warm-up
  const base = await measure(port, REQUESTS);
  const sockets = [];
  for (let i = 0; i < SLOW; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    s.write('GET / HTTP/1.1\r\nHost: x\r\n');
    sockets.push(s);
  }
  await sleep(500);
  const trickle = setInterval(() => {
    for (const s of sockets) if (!s.destroyed) s.write('X');
  }, 100);
  const loaded = await measure(port, REQUESTS);
  clearInterval(trickle);
  for (const s of sockets) s.destroy();
  const fmt = (x) => x.toFixed(2).padStart(8);
  console.log(`requests per phase: ${REQUESTS}, slow connections: ${SLOW}`);
  console.log(`                 p50 ms    p99 ms    max ms`);
  console.log(`baseline      ${fmt(base.p50)}  ${fmt(base.p99)}  ${fmt(base.max)}`);
  console.log(`with slow     ${fmt(loaded.p50)}  ${fmt(loaded.p99)}  ${fmt(loaded.max)}`);
  console.log(`added p99: ${(loaded.p99 - base.p99).toFixed(2)} ms (goal < 50 ms)`);
} finally {
  await stopAll();
}
