// Active health checks (Kong's healthchecks.active): HTTP probes per target on an interval;
// healthy targets are probed every healthy.interval, unhealthy ones every unhealthy.interval.
import { request } from 'undici';
import type { Upstream } from '../store/types.js';
import { splitTarget, type HealthRegistry, type UpstreamBalancer } from './balancer.js';

interface Counters {
  successes: number;
  httpFailures: number;
  tcpFailures: number;
  timeouts: number;
  lastProbe: number;
}

export class ActiveChecker {
  private timer: NodeJS.Timeout | null = null;
  private readonly counters = new Map<string, Counters>();
  private running = false;

  constructor(
    private readonly balancer: UpstreamBalancer,
    private readonly health: HealthRegistry,
  ) {}

  static wanted(u: Upstream): boolean {
    const a = u.healthchecks?.active;
    return !!a && ((a.healthy?.interval ?? 0) > 0 || (a.unhealthy?.interval ?? 0) > 0);
  }

  start(): void {
    const a = this.balancer.upstream.healthchecks.active;
    const intervals = [a.healthy?.interval ?? 0, a.unhealthy?.interval ?? 0].filter((x: number) => x > 0);
    const tick = Math.max(50, Math.min(...intervals) * 1000 / 2);
    this.timer = setInterval(() => void this.round(), tick);
    this.timer.unref();
    void this.round();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async round(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const u = this.balancer.upstream;
      const a = u.healthchecks.active;
      const now = Date.now();
      const due = this.balancer.targetList.filter((t) => {
        const healthy = this.health.get(u.id, t.target.target).healthy;
        const interval = (healthy ? a.healthy?.interval : a.unhealthy?.interval) ?? 0;
        const c = this.counter(t.target.target);
        return interval > 0 && now - c.lastProbe >= interval * 1000 - 5;
      });
      const limit = Math.max(1, a.concurrency ?? 10);
      for (let i = 0; i < due.length; i += limit) {
        await Promise.all(due.slice(i, i + limit).map((t) => this.probe(t.target.target, a)));
      }
    } finally {
      this.running = false;
    }
  }

  private counter(target: string): Counters {
    let c = this.counters.get(target);
    if (!c) this.counters.set(target, (c = { successes: 0, httpFailures: 0, tcpFailures: 0, timeouts: 0, lastProbe: 0 }));
    return c;
  }

  private async probe(target: string, a: any): Promise<void> {
    const u = this.balancer.upstream;
    const c = this.counter(target);
    c.lastProbe = Date.now();
    const { host, port } = splitTarget(target);
    const scheme = a.type === 'https' ? 'https' : 'http';
    const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}${a.http_path ?? '/'}`;
    const timeoutMs = Math.max(1, (a.timeout ?? 1) * 1000);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries((a.headers ?? {}) as Record<string, string[]>)) headers[k] = v.join(', ');
    let status = 0;
    let failure: 'timeout' | 'tcp' | null = null;
    try {
      const res = await request(url, { method: 'GET', headers, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs) });
      status = res.statusCode;
      await res.body.dump();
    } catch (err) {
      failure = /timeout|aborted/i.test(String((err as Error)?.name) + String((err as Error)?.message)) ? 'timeout' : 'tcp';
    }
    const healthy = this.health.get(u.id, target).healthy;
    const hy = a.healthy ?? {};
    const uh = a.unhealthy ?? {};
    if (failure === null && (hy.http_statuses ?? []).includes(status)) {
      c.httpFailures = c.tcpFailures = c.timeouts = 0;
      c.successes++;
      if (!healthy && hy.successes > 0 && c.successes >= hy.successes) this.flip(target, true);
      return;
    }
    c.successes = 0;
    if (failure === 'timeout') c.timeouts++;
    else if (failure === 'tcp') c.tcpFailures++;
    else if ((uh.http_statuses ?? []).includes(status)) c.httpFailures++;
    else return;
    if (
      healthy &&
      ((uh.timeouts > 0 && c.timeouts >= uh.timeouts) || (uh.tcp_failures > 0 && c.tcpFailures >= uh.tcp_failures) || (uh.http_failures > 0 && c.httpFailures >= uh.http_failures))
    ) {
      this.flip(target, false);
    }
  }

  private flip(target: string, healthy: boolean): void {
    this.health.set(this.balancer.upstream.id, target, healthy);
    const c = this.counter(target);
    c.successes = c.httpFailures = c.tcpFailures = c.timeouts = 0;
  }
}
