// The proxy listeners: raw net (and tls) servers feeding ClientConnections.
import net from 'node:net';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { ListenAddress } from '../config/index.js';
import type { EntityStore } from '../store/dao.js';
import { ClientConnection } from './connection.js';
import type { ProxyCore } from './core.js';

export class ProxyServer {
  private servers: net.Server[] = [];
  private certs = new Map<string, tls.SecureContext>();
  private wildcardCerts: Array<[string, tls.SecureContext]> = [];
  private defaultCert: tls.SecureContext | null = null;

  constructor(
    readonly core: ProxyCore,
    private readonly defaultTls?: { cert: string; key: string } | null,
  ) {}

  /** Certificates and SNIs from the store, for TLS listeners. */
  loadCertificates(store: EntityStore): void {
    const byId = new Map<string, tls.SecureContext>();
    for (const c of store.list('certificates')) {
      try {
        byId.set(c.id, tls.createSecureContext({ cert: c.cert, key: c.key }));
      } catch (err) {
        this.core.logger.warn({ certificate: c.id, err: (err as Error).message }, 'certificate unusable');
      }
    }
    const exact = new Map<string, tls.SecureContext>();
    const wild: Array<[string, tls.SecureContext]> = [];
    for (const s of store.list('snis')) {
      const ctx = byId.get(s.certificate.id);
      if (!ctx) continue;
      const name = String(s.name).toLowerCase();
      if (name.includes('*')) wild.push([name, ctx]);
      else exact.set(name, ctx);
    }
    this.certs = exact;
    this.wildcardCerts = wild;
    if (this.defaultTls && !this.defaultCert) this.defaultCert = tls.createSecureContext(this.defaultTls);
  }

  private contextFor(servername: string): tls.SecureContext | null {
    const name = servername.toLowerCase();
    const hit = this.certs.get(name);
    if (hit) return hit;
    for (const [pattern, ctx] of this.wildcardCerts) {
      if (pattern.startsWith('*.') && name.endsWith(pattern.slice(1))) return ctx;
      if (pattern.endsWith('.*') && name.startsWith(pattern.slice(0, -1))) return ctx;
    }
    return this.defaultCert;
  }

  async listen(addresses: ListenAddress[]): Promise<AddressInfo[]> {
    const out: AddressInfo[] = [];
    for (const l of addresses) {
      const secure = l.ssl;
      let server: net.Server;
      if (secure) {
        server = tls.createServer(
          {
            SNICallback: (servername, cb) => cb(null, this.contextFor(servername) ?? undefined),
            ...(this.defaultTls ? { cert: this.defaultTls.cert, key: this.defaultTls.key } : {}),
            ALPNProtocols: ['http/1.1'],
          },
          (socket) => this.accept(socket, 'https'),
        );
      } else {
        server = net.createServer({ noDelay: true }, (socket) => this.accept(socket, 'http'));
      }
      server.maxConnections = 100_000;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: l.port, host: l.host, backlog: 16384 }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      server.on('error', (err) => this.core.logger.error({ err }, 'proxy listener error'));
      this.servers.push(server);
      out.push(server.address() as AddressInfo);
    }
    return out;
  }

  private accept(socket: net.Socket, scheme: 'http' | 'https'): void {
    const conn = new ClientConnection(socket, this.core, scheme);
    this.core.track(conn);
  }

  /** Stop accepting; let in-flight requests finish up to `graceMs`, then close everything. */
  async close(graceMs = 0): Promise<void> {
    const closing = this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    this.servers = [];
    for (const c of this.core.connections) c.drain();
    const deadline = Date.now() + graceMs;
    while (this.core.connections.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.core.close();
    await Promise.all(closing);
  }
}
