// file-log (kong/plugins/file-log/handler.lua): one JSON line of kong.log.serialize() per request,
// appended to `path`. Descriptors stay open per path unless `reopen` is set.
import fs from 'node:fs';
import type { Kong, PluginEnv, PluginHandler } from '../types.js';
import { warnCustomFields } from '../shared/log-fields.js';

interface Conf {
  path: string;
  reopen: boolean;
  custom_fields_by_lua: Record<string, string> | null;
}

/** Appends lines to one file in order; the descriptor is kept unless reopen is asked. */
class FileSink {
  private fd: number | null = null;
  private chain: Promise<void> = Promise.resolve();
  constructor(
    private readonly path: string,
    private readonly env: PluginEnv,
  ) {}

  write(line: string, reopen: boolean): void {
    this.chain = this.chain.then(async () => {
      try {
        if (reopen) await this.closeFd();
        if (this.fd === null) this.fd = await openAppend(this.path);
        await writeAll(this.fd, Buffer.from(line));
        if (reopen) await this.closeFd();
      } catch (err) {
        this.env.logger.error({ plugin: 'file-log', path: this.path, err: (err as Error).message }, 'failed to write log file');
        await this.closeFd();
      }
    });
  }

  private async closeFd(): Promise<void> {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    await new Promise<void>((r) => fs.close(fd, () => r()));
  }

  async close(): Promise<void> {
    await this.chain;
    await this.closeFd();
  }
}

function openAppend(path: string): Promise<number> {
  return new Promise((resolve, reject) => fs.open(path, 'a', 0o644, (err, fd) => (err ? reject(err) : resolve(fd))));
}

function writeAll(fd: number, buf: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (off: number) =>
      fs.write(fd, buf, off, buf.length - off, null, (err, n) => {
        if (err) return reject(err);
        if (off + n < buf.length) step(off + n);
        else resolve();
      });
    step(0);
  });
}

export function handler(env: PluginEnv): PluginHandler {
  const sinks = new Map<string, FileSink>();
  const warned = new WeakSet<object>();
  return {
    log(kong: Kong, conf: Conf) {
      warnCustomFields(warned, conf, env.logger, 'file-log');
      const line = JSON.stringify(kong.log.serialize()) + '\n';
      let sink = sinks.get(conf.path);
      if (!sink) sinks.set(conf.path, (sink = new FileSink(conf.path, env)));
      sink.write(line, conf.reopen);
    },
    async close() {
      await Promise.all([...sinks.values()].map((s) => s.close()));
      sinks.clear();
    },
  };
}
