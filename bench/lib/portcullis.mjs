// Portcullis under benchmark: generate a declarative kong.yml (one service to the bench upstream, one route
// paths ["/"]), optionally merged with a variant's fragment (plugins, consumers, ...), and start
// `node dist/cli.js start` DB-less on loopback in its own process group.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { startGroup } from './procs.mjs';
import { waitReady } from './http.mjs';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_CLI = path.join(REPO_ROOT, 'dist', 'cli.js');

/** The base declarative config: service "bench" -> upstream, route "bench-root" paths ["/"]. */
export function baseConfig(upstreamUrl) {
  return {
    _format_version: '3.0',
    services: [{ name: 'bench', url: upstreamUrl, routes: [{ name: 'bench-root', paths: ['/'] }] }],
  };
}

/**
 * Read a variant config file (YAML or JSON). Placeholders {UPSTREAM_URL} {UPSTREAM_HOST} {UPSTREAM_PORT} are
 * substituted. An optional top-level "x-bench" key is removed from the config and returned as options:
 *   x-bench: { env: { KONG_X: "v" }, headers: { apikey: "secret" } }
 * headers are sent by wrk (and the readiness probe) to this variant only.
 * If the file has no "services", its collections are appended to the base config (so a fragment with just
 * plugins/consumers works); otherwise it is used as the whole kong.yml.
 */
export function loadVariantConfig(file, upstreamUrl) {
  const u = new URL(upstreamUrl);
  const text = fs
    .readFileSync(file, 'utf8')
    .replaceAll('{UPSTREAM_URL}', upstreamUrl)
    .replaceAll('{UPSTREAM_HOST}', u.hostname)
    .replaceAll('{UPSTREAM_PORT}', u.port);
  const doc = YAML.parse(text) ?? {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${file}: expected a mapping at the top level`);
  const bench = doc['x-bench'] ?? {};
  delete doc['x-bench'];
  let config;
  if (doc.services) config = { _format_version: '3.0', ...doc };
  else {
    config = baseConfig(upstreamUrl);
    for (const [k, v] of Object.entries(doc)) {
      if (Array.isArray(v) && Array.isArray(config[k])) config[k] = [...config[k], ...v];
      else config[k] = v;
    }
  }
  return { config, env: stringMap(bench.env), headers: stringMap(bench.headers) };
}

function stringMap(o) {
  const out = {};
  for (const [k, v] of Object.entries(o ?? {})) out[k] = String(v);
  return out;
}

/**
 * startPortcullis({ name, dir, port, adminPort, upstreamUrl, config, env, cpus, cli, nodeArgs, headers })
 * -> { proc, pgid, url, port, adminPort, kongYml, prefix }
 */
export async function startPortcullis({
  name = 'portcullis',
  dir,
  port,
  adminPort,
  upstreamUrl,
  config = null,
  env = {},
  cpus = null,
  cli = DEFAULT_CLI,
  node = process.execPath,
  nodeArgs = [],
  headers = {},
  logLevel = 'error',
  timeoutMs = 30_000,
  probeBody = null,
}) {
  if (!fs.existsSync(cli)) throw new Error(`${cli} not found: run \`npm run build\` first`);
  const vdir = path.join(dir, name);
  const prefix = path.join(vdir, 'prefix');
  fs.mkdirSync(prefix, { recursive: true });
  const kongYml = path.join(vdir, 'kong.yml');
  fs.writeFileSync(kongYml, YAML.stringify(config ?? baseConfig(upstreamUrl)));
  const childEnv = {
    ...process.env,
    KONG_DATABASE: 'off',
    KONG_DECLARATIVE_CONFIG: kongYml,
    KONG_PROXY_LISTEN: `127.0.0.1:${port}`,
    KONG_ADMIN_LISTEN: `127.0.0.1:${adminPort}`,
    PORTCULLIS_NODE_LISTEN: 'off',
    KONG_PREFIX: prefix,
    KONG_LOG_LEVEL: logLevel,
    // the nginx baseline runs with access_log off; compare like with like
    KONG_PROXY_ACCESS_LOG: 'off',
    NODE_ENV: 'production',
    ...env,
  };
  const proc = startGroup(name, [node, ...nodeArgs, cli, 'start'], { cpus, env: childEnv, cwd: vdir, logFile: path.join(vdir, 'portcullis.log') });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(name, `${url}/`, { proc, timeoutMs, headers });
  if (probeBody) await waitReady(`${name} (POST)`, `${url}/`, { proc, timeoutMs: 5000, headers, body: probeBody });
  return { proc, pgid: proc.pgid, url, port, adminPort, kongYml, prefix, dir: vdir };
}
