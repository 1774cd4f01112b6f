import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { Gateway, type GatewayOptions } from '../../src/gateway.js';
import { silentLogger } from '../../src/observability/logger.js';

export function tempDir(prefix = 'portcullis-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface TestGateway {
  gateway: Gateway;
  adminUrl: string;
  proxyUrl: string;
  prefix: string;
  admin(method: string, p: string, body?: unknown, opts?: { form?: boolean; headers?: Record<string, string>; raw?: string }): Promise<{ status: number; body: any; headers: Headers; text: string }>;
  stop(): Promise<void>;
}

/** Start a real gateway on free loopback ports with a temporary prefix. */
export async function startGateway(env: Record<string, string> = {}, opts: GatewayOptions & { prefix?: string } = {}): Promise<TestGateway> {
  const prefix = opts.prefix ?? tempDir();
  const config = loadConfig({
    env: {
      KONG_PREFIX: prefix,
      KONG_ADMIN_LISTEN: '127.0.0.1:0',
      KONG_PROXY_LISTEN: '127.0.0.1:0',
      PORTCULLIS_NODE_LISTEN: 'off',
      PORTCULLIS_JOURNAL_FSYNC: 'off',
      ...env,
    },
    cwd: prefix,
  });
  const gateway = new Gateway(config, { logger: silentLogger(), ...opts });
  await gateway.start();
  const a = gateway.addresses.admin[0]!;
  const p = gateway.addresses.proxy[0];
  const adminUrl = `http://127.0.0.1:${a.port}`;
  return {
    gateway,
    adminUrl,
    proxyUrl: p ? `http://127.0.0.1:${p.port}` : '',
    prefix,
    async admin(method, p2, body, o = {}) {
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      let payload: string | undefined;
      if (o.raw !== undefined) payload = o.raw;
      else if (body !== undefined) {
        if (o.form) {
          headers['content-type'] ??= 'application/x-www-form-urlencoded';
          const params = new URLSearchParams();
          for (const [k, v] of Array.isArray(body) ? (body as [string, string][]) : Object.entries(body as Record<string, string>)) params.append(k, v);
          payload = params.toString();
        } else {
          headers['content-type'] ??= 'application/json';
          payload = JSON.stringify(body);
        }
      }
      const res = await fetch(adminUrl + p2, { method, headers, body: payload });
      const text = await res.text();
      let parsed: any = undefined;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.status, body: parsed, headers: res.headers, text };
    },
    async stop() {
      await gateway.stop();
      fs.rmSync(prefix, { recursive: true, force: true });
    },
  };
}
