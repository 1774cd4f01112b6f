#!/usr/bin/env node
// Entry point: parse argv, load configuration, start what was asked.
import fs from 'node:fs';
import path from 'node:path';
import { filterModeConfig } from './filter-mode.js';
import { ConfigError, configKeys, loadConfig, KONG_VERSION, type Config } from './config/index.js';
import { Gateway, PORTCULLIS_VERSION } from './gateway.js';
import { DeclarativeError, exportYaml, flattenDeclarative, parseDeclarativeText } from './store/declarative.js';
import { createLogger, silentLogger } from './observability/logger.js';
import { FilteringNode } from './node/index.js';
import { runMigrations } from './store/postgres/index.js';
import { runFromK8s } from './k8s/index.js';

const HELP = `Usage: portcullis <command> [options]

Commands:
  start                     start the gateway (proxy, admin API and the filtering node)
  node                      run the filtering node alone (PORTCULLIS_NODE_LISTEN, WALLARM_MODE)
  quit                      stop a running gateway gracefully (in-flight requests finish)
  reload                    re-read the declarative file of a running DB-less gateway
  version                   print the version
  config validate FILE      check a declarative configuration file
  config export [FILE]      print (or write) the current configuration as kong.yml (also db_export)
  config db_import FILE     load a kong.yml into the database (embedded or postgres)
  config from-k8s FILE|DIR...  Kubernetes (KIC) manifests to kong.yml (--backend ns/name=URL, -o FILE)
  migrations bootstrap|up|finish|list|reset --yes   PostgreSQL schema (KONG_DATABASE=postgres)
  health                    is a gateway running on this prefix?
  help                      show this help

Options (any setting can be given as --<name> VALUE, e.g. --proxy-listen 0.0.0.0:8000):
  -c, --conf FILE           configuration file (JSON, or kong.conf "key = value" lines)
  -p, --prefix DIR          data folder (KONG_PREFIX)
  --v, --vv                 verbose (info) / debug logging
  -h, --help                show this help

Settings come from defaults < config file < KONG_* / PORTCULLIS_* environment < flags.
`;

export class UsageError extends Error {}

interface Parsed {
  command: string[];
  /** Flags of subcommands passed through untouched (migrations --yes, --lock-timeout N). */
  passthrough: string[];
  overrides: Record<string, unknown>;
  conf: string | null;
  help: boolean;
}

export function parseArgv(argv: string[]): Parsed {
  const keys = new Set(configKeys());
  const out: Parsed = { command: [], overrides: {}, conf: null, help: false, passthrough: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-h' || a === '--help') {
      out.help = true;
      continue;
    }
    if (a === '--v') {
      out.overrides.log_level = 'info';
      continue;
    }
    if (a === '--vv') {
      out.overrides.log_level = 'debug';
      continue;
    }
    if (a === '--yes' || a === '-y' || a === '--force') {
      out.passthrough.push(a);
      continue;
    }
    if (a === '--lock-timeout' || a === '--db-timeout') {
      out.passthrough.push(a, argv[++i] ?? '');
      continue;
    }
    if (a.startsWith('-')) {
      let name: string;
      let value: string | undefined;
      const eq = a.indexOf('=');
      if (eq > 0) {
        name = a.slice(0, eq);
        value = a.slice(eq + 1);
      } else name = a;
      const key = name === '-c' || name === '--conf' ? 'conf' : name === '-p' ? 'prefix' : name.replace(/^--?/, '').replace(/-/g, '_');
      if (key !== 'conf' && !keys.has(key)) throw new UsageError(`unknown option '${name}' (see 'portcullis --help')`);
      if (value === undefined) {
        value = argv[++i];
        if (value === undefined) throw new UsageError(`option '${name}' needs a value`);
      }
      if (key === 'conf') out.conf = value;
      else out.overrides[key] = value;
      continue;
    }
    out.command.push(a);
  }
  return out;
}

function load(p: Parsed): Config {
  return loadConfig({ overrides: p.overrides, file: p.conf });
}

async function start(p: Parsed): Promise<void> {
  const config = filterModeConfig(load(p), process.env);
  const gateway = new Gateway(config);
  await gateway.start();
  const pidFile = path.resolve(config.prefix, 'portcullis.pid');
  fs.writeFileSync(pidFile, `${process.pid}\n`);
  let stopping = false;
  const stop = async (signal: string, graceMs: number) => {
    if (stopping) return;
    stopping = true;
    gateway.logger.info({ signal }, 'stopping');
    const timer = setTimeout(() => process.exit(1), graceMs + 15_000);
    timer.unref();
    await gateway.stop(graceMs);
    fs.rmSync(pidFile, { force: true });
    process.exit(0);
  };
  // SIGTERM/SIGQUIT: graceful, in-flight requests finish (up to 10 s); SIGINT: prompt
  process.on('SIGTERM', () => void stop('SIGTERM', 10_000));
  process.on('SIGQUIT', () => void stop('SIGQUIT', 10_000));
  process.on('SIGINT', () => void stop('SIGINT', 1_000));
  process.on('SIGHUP', () => {
    gateway.reload().then(
      (msg) => gateway.logger.notice(msg),
      (err) => gateway.logger.error({ err: (err as Error).message }, 'reload failed; keeping the current configuration'),
    );
  });
}

/** quit / reload: signal the running gateway through the pid file in the prefix (as Kong does with nginx.pid). */
function signalRunning(p: Parsed, signal: NodeJS.Signals): void {
  const config = load(p);
  const pidFile = path.resolve(config.prefix, 'portcullis.pid');
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  } catch {
    throw new UsageError(`no running Portcullis found (no pid file at ${pidFile})`);
  }
  try {
    process.kill(pid, signal);
  } catch {
    throw new UsageError(`Portcullis (pid ${pid}) is not running`);
  }
  process.stdout.write(`${signal === 'SIGHUP' ? 'reload' : 'quit'} signal sent to pid ${pid}\n`);
}

/** kong health: is a gateway running on this prefix? */
function health(p: Parsed): number {
  const config = load(p);
  const pidFile = path.resolve(config.prefix, 'portcullis.pid');
  try {
    const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    process.kill(pid, 0);
    process.stdout.write(`Kong is healthy at ${path.resolve(config.prefix)} (pid ${pid})\n`);
    return 0;
  } catch {
    process.stderr.write(`Error: Kong is not running at ${path.resolve(config.prefix)}\n`);
    return 1;
  }
}

async function runNode(p: Parsed): Promise<void> {
  const config = load(p);
  const logger = createLogger({ level: config.log_level, format: config.log_format });
  const listen = config.node_listen.length ? config.node_listen : [{ host: '127.0.0.1', port: 5000 }];
  const node = new FilteringNode({ prefix: config.prefix, listen: listen.map((l) => ({ host: l.host, port: l.port })), token: config.node_token, configFile: config.node_config ?? undefined, logger: logger as never });
  await node.start();
  const stop = async () => {
    await node.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

async function configCommand(p: Parsed): Promise<void> {
  const [, sub, file] = p.command;
  if (sub === 'validate' || sub === 'parse') {
    if (!file) throw new UsageError(`usage: portcullis config ${sub} FILE`);
    const text = fs.readFileSync(file, 'utf8');
    const config = loadConfig({ overrides: { ...p.overrides, database: 'off' }, file: p.conf });
    const gw = new Gateway({ ...config, declarative_config: null, declarative_config_string: null, prefix: fs.mkdtempSync('/tmp/portcullis-validate-') }, { logger: silentLogger() });
    const store = await gw.openStore();
    try {
      flattenDeclarative(store, parseDeclarativeText(text), { flattenErrors: true });
      process.stdout.write(`parse successful\n`);
    } catch (err) {
      if (err instanceof DeclarativeError) {
        const flat = (err.toJSON().flattened_errors ?? []) as Array<{ entity_type: string; entity_name?: string; errors: Array<{ field?: string; message: string }> }>;
        process.stderr.write(`Error: ${file} is invalid\n`);
        if (flat.length) {
          for (const item of flat) {
            for (const e of item.errors) {
              process.stderr.write(`  ${item.entity_type}${item.entity_name ? ` '${item.entity_name}'` : ''}: ${e.field ? e.field + ': ' : ''}${e.message}\n`);
            }
          }
        } else process.stderr.write(`  ${err.message}\n`);
        process.exitCode = 1;
      } else throw err;
    } finally {
      await gw.stop();
    }
    return;
  }
  if (sub === 'db_import' || sub === 'import') {
    if (!file) throw new UsageError(`usage: portcullis config ${sub} FILE`);
    const text = fs.readFileSync(file, 'utf8');
    const config = load(p);
    if (config.database === 'off') throw new UsageError('db_import needs a database (embedded or postgres), not DB-less mode');
    const gw = new Gateway(config, { logger: silentLogger() });
    const store = await gw.openStore();
    try {
      const r = flattenDeclarative(store, parseDeclarativeText(text));
      await store.replaceAll(r.tables);
      process.stdout.write(`parse successful, beginning import\nimport successful\n`);
    } finally {
      await gw.stop();
    }
    return;
  }
  if (sub === 'export' || sub === 'db_export') {
    const config = load(p);
    const gw = new Gateway(config, { logger: silentLogger() });
    const store = await gw.openStore();
    const yaml = exportYaml(store);
    await gw.stop();
    if (file) fs.writeFileSync(file, yaml);
    else process.stdout.write(yaml);
    return;
  }
  throw new UsageError(`unknown config command '${sub ?? ''}' (expected validate or export)`);
}

export async function main(argv: string[]): Promise<number> {
  // from-k8s parses its own options (--backend, -o)
  if (argv[0] === 'config' && argv[1] === 'from-k8s') return runFromK8s(argv.slice(2));
  let p: Parsed;
  try {
    p = parseArgv(argv);
  } catch (err) {
    process.stderr.write(`Error: ${(err as Error).message}\n`);
    return 1;
  }
  const cmd = p.command[0];
  if (p.help || cmd === 'help' || cmd === undefined) {
    process.stdout.write(HELP);
    return cmd === undefined && !p.help ? 1 : 0;
  }
  try {
    switch (cmd) {
      case 'start':
        await start(p);
        return -1; // keep running
      case 'quit':
        signalRunning(p, 'SIGTERM');
        return 0;
      case 'reload':
        signalRunning(p, 'SIGHUP');
        return 0;
      case 'node':
        await runNode(p);
        return -1;
      case 'migrations': {
        const config = load(p);
        if (config.database !== 'postgres') throw new UsageError(`migrations need database = postgres (KONG_DATABASE=postgres); the ${config.database} store needs none`);
        const [, sub = '', ...rest] = p.command;
        const r = await runMigrations(sub, [...rest, ...p.passthrough], config);
        if (r.output) (r.output.startsWith('Error:') ? process.stderr : process.stdout).write(r.output + '\n');
        return r.code;
      }
      case 'health':
        return health(p);
      case 'version':
        process.stdout.write(`Portcullis ${PORTCULLIS_VERSION} (Kong ${KONG_VERSION} compatible)\n`);
        return 0;
      case 'config':
        await configCommand(p);
        return (process.exitCode as number | undefined) ?? 0;
      default:
        process.stderr.write(`Error: unknown command '${cmd}' (see 'portcullis --help')\n`);
        return 1;
    }
  } catch (err) {
    const msg = err instanceof ConfigError || err instanceof UsageError ? err.message : (err as Error).message;
    process.stderr.write(`Error: ${msg}\n`);
    return 1;
  }
}

const invokedDirectly = process.argv[1] && /cli\.(js|ts)$/.test(fs.realpathSync(process.argv[1]));
if (invokedDirectly) {
  main(process.argv.slice(2)).then((code) => {
    if (code >= 0) process.exit(code);
  });
}
