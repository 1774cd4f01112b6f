#!/usr/bin/env node
// Benchmark upstream: a tiny node:http server on 127.0.0.1, keep-alive.
//   GET/HEAD -> 200, ~100-byte JSON  {"ok":true,"upstream":"bench-upstream","msg":"xxx..."}
//   other    -> reads the body, 200 {"ok":true,"upstream":"bench-upstream","received":N}
// Usage: node upstream-server.mjs [PORT=0]   (env UPSTREAM_WORKERS=N: node:cluster with N workers)
// Prints "listening <port>" on stdout once ready, and writes the port to $PORT_FILE if set.
import http from 'node:http';
import fs from 'node:fs';
import cluster from 'node:cluster';

export const MARKER = 'bench-upstream';

export function createUpstreamServer() {
  const o = { ok: true, upstream: MARKER, msg: '' };
  o.msg = 'x'.repeat(Math.max(0, 100 - JSON.stringify(o).length));
  const BODY = Buffer.from(JSON.stringify(o));
  const H = { 'content-type': 'application/json', 'content-length': String(BODY.length) };
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      req.resume();
      res.writeHead(200, H);
      res.end(req.method === 'HEAD' ? undefined : BODY);
      return;
    }
    let n = 0;
    req.on('data', (c) => { n += c.length; });
    req.on('end', () => {
      const b = Buffer.from(`{"ok":true,"upstream":"${MARKER}","received":${n}}`);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(b.length) });
      res.end(b);
    });
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0;
  return server;
}

function main() {
  const workers = Number(process.env.UPSTREAM_WORKERS || 1);
  const port = Number(process.argv[2] ?? process.env.PORT ?? 0);
  if (workers > 1 && cluster.isPrimary) {
    if (!port) { console.error('upstream: a fixed port is needed with UPSTREAM_WORKERS > 1'); process.exit(2); }
    for (let i = 0; i < workers; i++) cluster.fork();
    let ready = 0;
    cluster.on('listening', () => { if (++ready === workers) announce(port); });
    process.on('SIGTERM', () => {
      for (const w of Object.values(cluster.workers)) w.kill('SIGTERM');
      setTimeout(() => process.exit(0), 300).unref();
    });
    return;
  }
  const server = createUpstreamServer();
  server.listen(port, '127.0.0.1', () => { if (!cluster.isWorker) announce(server.address().port); });
  process.on('SIGTERM', () => { server.close(); server.closeAllConnections?.(); setTimeout(() => process.exit(0), 200).unref(); });
}

function announce(port) {
  if (process.env.PORT_FILE) fs.writeFileSync(process.env.PORT_FILE, String(port));
  process.stdout.write(`listening ${port}\n`);
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('upstream-server.mjs')) main();
