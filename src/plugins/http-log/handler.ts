// http-log (kong/plugins/http-log/handler.lua): kong.log.serialize() entries sent through a batching
// queue per plugin instance; one object when max_batch_size is 1, else a JSON array. A status >= 400
// or a transport error makes the queue retry with backoff.
import { Agent, request } from 'undici';
import type { Kong, PluginEnv, PluginHandler } from '../types.js';
import { BatchQueue, type QueueConf } from '../shared/queue.js';
import { warnCustomFields } from '../shared/log-fields.js';
import { ScopeResolver } from '../shared/scope.js';

interface Conf {
  http_endpoint: string;
  method: string;
  content_type: string;
  timeout: number;
  keepalive: number;
  headers: Record<string, string> | null;
  queue: QueueConf;
  custom_fields_by_lua: Record<string, string> | null;
}

export function handler(env: PluginEnv): PluginHandler & { queues: Map<string, BatchQueue<string>> } {
  const queues = new Map<string, BatchQueue<string>>();
  const agents = new Map<number, Agent>();
  const scopes = new ScopeResolver(env.store, 'http-log');
  const warned = new WeakSet<object>();

  function agentFor(keepalive: number): Agent {
    let a = agents.get(keepalive);
    if (!a) {
      a = new Agent({ keepAliveTimeout: Math.max(1, keepalive), keepAliveMaxTimeout: Math.max(1, keepalive), connections: 16 });
      agents.set(keepalive, a);
    }
    return a;
  }

  async function send(conf: Conf, batch: string[]): Promise<boolean> {
    const payload = conf.queue.max_batch_size === 1 ? batch[0]! : '[' + batch.join(',') + ']';
    const url = new URL(conf.http_endpoint);
    const headers: Record<string, string> = { ...(conf.headers ?? {}) };
    headers['Content-Type'] = conf.content_type;
    headers['Content-Length'] = String(Buffer.byteLength(payload));
    if (url.username || url.password) {
      headers['Authorization'] = 'Basic ' + Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64');
      url.username = '';
      url.password = '';
    }
    const res = await request(url, {
      method: conf.method as 'POST',
      headers,
      body: payload,
      dispatcher: agentFor(conf.keepalive),
      headersTimeout: conf.timeout,
      bodyTimeout: conf.timeout,
    });
    const text = await res.body.text();
    if (res.statusCode >= 400) {
      env.logger.error({ plugin: 'http-log' }, `request to ${url.host} returned status code ${res.statusCode} and body ${text}`);
      return false;
    }
    return true;
  }

  return {
    queues,
    log(kong: Kong, conf: Conf) {
      warnCustomFields(warned, conf, env.logger, 'http-log');
      const entry = JSON.stringify(kong.log.serialize());
      // one queue per plugin instance (Kong 3.x: the queue name is the plugin id)
      const name = scopes.of(conf).id || conf.http_endpoint;
      const handlerFn = (batch: string[]) => send(conf, batch);
      let q = queues.get(name);
      if (!q) queues.set(name, (q = new BatchQueue<string>(name, conf.queue, handlerFn, env.logger)));
      else q.update(conf.queue, handlerFn);
      q.enqueue(entry);
    },
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close(2000)));
      queues.clear();
      await Promise.all([...agents.values()].map((a) => a.close().catch(() => undefined)));
      agents.clear();
    },
  };
}
