import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FilteringNode, type FilteringNodeOptions } from '../../../src/node/index.js';

export interface RunningNode {
  node: FilteringNode;
  url: string;
  prefix: string;
  stop(): Promise<void>;
}

/** A real node on a free loopback port with a temporary data folder. */
export async function startNode(opts: Partial<FilteringNodeOptions> = {}): Promise<RunningNode> {
  const prefix = opts.prefix ?? fs.mkdtempSync(path.join(os.tmpdir(), 'portcullis-node-it-'));
  const node = new FilteringNode({ prefix, listen: [{ host: '127.0.0.1', port: 0 }], env: {}, ...opts });
  const [addr] = await node.start();
  return {
    node,
    prefix,
    url: `http://127.0.0.1:${addr!.port}`,
    async stop() {
      await node.stop();
      if (!opts.prefix) fs.rmSync(prefix, { recursive: true, force: true });
    },
  };
}

export async function call(url: string, init: RequestInit & { json?: unknown } = {}): Promise<{ status: number; body: any; headers: Headers; text: string }> {
  const headers = new Headers(init.headers);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(init.json);
  }
  const res = await fetch(url, { ...init, headers, body });
  const text = await res.text();
  let parsed: unknown = null;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: parsed, headers: res.headers, text };
}
