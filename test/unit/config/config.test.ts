import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, parseListen } from '../../../src/config/index.js';
import { tempDir } from '../../helpers/gateway.js';

describe('configuration', () => {
  it('has Kong defaults', () => {
    const c = loadConfig({ env: {}, cwd: tempDir() });
    expect(c.proxy_listen).toEqual([{ host: '0.0.0.0', port: 8000, ssl: false, http2: false, flags: [] }]);
    expect(c.admin_listen[0]).toMatchObject({ host: '127.0.0.1', port: 8001 });
    expect(c.node_listen[0]).toMatchObject({ host: '127.0.0.1', port: 5000 });
    expect(c.plugins).toEqual(['bundled']);
    expect(c.log_level).toBe('notice');
    expect(c.client_header_timeout_ms).toBe(60_000);
    expect(c.keepalive_timeout_ms).toBe(75_000);
    expect([c.send_timeout_ms, c.lingering_timeout_ms, c.lingering_time_ms]).toEqual([60_000, 5_000, 30_000]);
    expect(c.admin_client_max_body_size).toBe(10 * 1024 * 1024);
    expect(c.headers).toEqual(['server_tokens', 'latency_tokens', 'x-kong-request-id']);
    expect(c.workers).toBe(1);
    expect(c.proxy_access_log).toBe('logs/access.log');
    expect(c.proxy_error_log).toBe('logs/error.log');
  });

  it('reads KONG_* variables and ignores unknown Kong settings', () => {
    const c = loadConfig({
      env: { KONG_PROXY_LISTEN: '0.0.0.0:8000, 0.0.0.0:8443 http2 ssl', KONG_PLUGINS: 'bundled,wallarm-plugin', KONG_NGINX_WORKER_PROCESSES: '2', KONG_NGINX_MAIN_WORKER_RLIMIT_NOFILE: '4096', KONG_PG_PASSWORD: 'pw', KONG_LOG_LEVEL: 'debug' },
      cwd: tempDir(),
    });
    expect(c.proxy_listen[1]).toMatchObject({ port: 8443, ssl: true, http2: true });
    expect(c.plugins).toEqual(['bundled', 'wallarm-plugin']);
    expect(c.ignoredEnv).toEqual(['KONG_NGINX_MAIN_WORKER_RLIMIT_NOFILE']);
    expect(c.workers).toBe(2);
    expect(c.raw.pg_password).toBe('******');
    expect(c.pg.password).toBe('pw');
  });

  it('layers defaults < file < env < flags', () => {
    const dir = tempDir();
    const file = path.join(dir, 'kong.conf');
    fs.writeFileSync(file, 'log_level = warn # comment\nproxy_listen = 127.0.0.1:9000\nadmin_listen = 127.0.0.1:9001\n');
    const c = loadConfig({ env: { KONG_PROXY_LISTEN: '127.0.0.1:9100' }, file, overrides: { admin_listen: '127.0.0.1:9201' }, cwd: dir });
    expect(c.log_level).toBe('warn');
    expect(c.proxy_listen[0]!.port).toBe(9100);
    expect(c.admin_listen[0]!.port).toBe(9201);
  });

  it('stops on bad values with one line naming the setting and value', () => {
    expect(() => loadConfig({ env: { KONG_PROXY_LISTEN: '0.0.0.0:70000' }, cwd: tempDir() })).toThrow(/^invalid proxy_listen \(KONG_PROXY_LISTEN\): .*0\.0\.0\.0:70000/);
    expect(() => loadConfig({ env: { KONG_DATABASE: 'mysql' }, cwd: tempDir() })).toThrow(/^invalid database \(KONG_DATABASE\): .*mysql/);
    expect(() => loadConfig({ env: { KONG_LOG_LEVEL: 'loud' }, cwd: tempDir() })).toThrow(/KONG_LOG_LEVEL/);
    expect(() => loadConfig({ env: { KONG_NGINX_HTTP_CLIENT_MAX_BODY_SIZE: '10x' }, cwd: tempDir() })).toThrow(/client_max_body_size/);
  });

  it('parses listen directives', () => {
    expect(parseListen('off')).toEqual([]);
    expect(parseListen('[::1]:8000 reuseport backlog=16384')[0]).toMatchObject({ host: '::1', port: 8000 });
    expect(() => parseListen('localhost')).toThrow(/expected host:port/);
    expect(() => parseListen('1.2.3.4:80 bogus')).toThrow(/unknown flag/);
  });
});
