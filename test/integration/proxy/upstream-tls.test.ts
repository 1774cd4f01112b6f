// https upstreams: Kong's default is not to verify (`nginx_proxy_proxy_ssl_verify` off); `tls_verify: true`
// verifies against the system roots, or only against the service's `ca_certificates`; the SNI sent is the Host
// header sent upstream (Kong's `proxy_ssl_name $upstream_host`), so the client's with preserve_host, and none
// for an IP literal.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type net from 'node:net';
import path from 'node:path';
import type tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, tempDir, type TestGateway } from '../../helpers/gateway.js';
import { nodeRequest } from '../../helpers/upstream.js';

let gw: TestGateway;
let proxyPort: number;
let upstream: https.Server;
let upPort: number;
let caPem: string;
let caId: string;
let dir: string;
const settle = (ms = 20) => new Promise((r) => setTimeout(r, ms));

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore', cwd: dir });
}

beforeAll(async () => {
  dir = tempDir('portcullis-tls-');
  // a private CA and a leaf it signed for localhost, upstream.test and 127.0.0.1
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=Portcullis Test CA');
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=localhost');
  fs.writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,DNS:upstream.test,IP:127.0.0.1\n');
  openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '1', '-extfile', 'ext.cnf');
  // a client certificate for Kong to present upstream (service or upstream client_certificate)
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=kong-client');
  openssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.pem', '-days', '1');
  caPem = fs.readFileSync(path.join(dir, 'ca.pem'), 'utf8');
  const leaf = { cert: fs.readFileSync(path.join(dir, 'leaf.pem')), key: fs.readFileSync(path.join(dir, 'leaf.key')) };
  // asks for a client certificate (optional) and reports the one it got
  upstream = https.createServer({ ...leaf, requestCert: true, rejectUnauthorized: false, ca: caPem }, (req, res) => {
    const socket = req.socket as tls.TLSSocket & { servername?: string | false };
    const client = socket.getPeerCertificate();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ sni: socket.servername || null, host: req.headers.host, url: req.url, client: client?.subject?.CN ?? null, clientTrusted: socket.authorized }));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upPort = (upstream.address() as net.AddressInfo).port;

  gw = await startGateway();
  proxyPort = gw.gateway.addresses.proxy[0]!.port;
  const ca = await gw.admin('POST', '/ca_certificates', { cert: caPem });
  expect(ca.status).toBe(201);
  caId = ca.body.id;
  const service = async (name: string, fields: Record<string, unknown>, route: Record<string, unknown> = {}) => {
    const s = await gw.admin('POST', '/services', { name, protocol: 'https', host: 'localhost', port: upPort, retries: 0, ...fields });
    expect(s.status).toBe(201);
    expect((await gw.admin('POST', `/services/${name}/routes`, { paths: [`/${name}`], ...route })).status).toBe(201);
  };
  await service('verify-untrusted', { tls_verify: true });
  await service('verify-ca', { tls_verify: true, ca_certificates: [caId] });
  await service('no-verify', { tls_verify: false });
  await service('default-verify', {});
  await service('preserve', { tls_verify: true, ca_certificates: [caId] }, { preserve_host: true });
  await service('by-ip', { host: '127.0.0.1', tls_verify: true, ca_certificates: [caId] });
  const cert = await gw.admin('POST', '/certificates', { cert: fs.readFileSync(path.join(dir, 'client.pem'), 'utf8'), key: fs.readFileSync(path.join(dir, 'client.key'), 'utf8') });
  expect(cert.status).toBe(201);
  await service('mtls', { tls_verify: true, ca_certificates: [caId], client_certificate: { id: cert.body.id } });
  // an upstream entity's client_certificate serves services that have none
  expect((await gw.admin('POST', '/upstreams', { name: 'mtls.internal', client_certificate: { id: cert.body.id } })).status).toBe(201);
  expect((await gw.admin('POST', '/upstreams/mtls.internal/targets', { target: `localhost:${upPort}` })).status).toBe(201);
  await service('mtls-upstream', { host: 'mtls.internal', port: 443 });
  await settle();
});
afterAll(async () => {
  await gw?.stop();
  await new Promise((r) => upstream?.close(r));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('https upstreams', () => {
  it('tls_verify against a certificate no trusted root signed: 502 with Kong body', async () => {
    const r = await nodeRequest(proxyPort, '/verify-untrusted', { headers: { accept: 'application/json' } });
    expect(r.status).toBe(502);
    expect(r.json).toEqual({ message: 'An invalid response was received from the upstream server', request_id: r.headers['x-kong-request-id'] });
  });

  it('tls_verify with the CA given through ca_certificates: 200, SNI is the upstream host', async () => {
    const r = await nodeRequest(proxyPort, '/verify-ca/x');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ sni: 'localhost', host: `localhost:${upPort}`, url: '/x', client: null });
  });

  it('tls_verify false, or unset (Kong default), does not verify', async () => {
    for (const p of ['/no-verify', '/default-verify']) {
      const r = await nodeRequest(proxyPort, p);
      expect(r.status).toBe(200);
      expect(r.json.sni).toBe('localhost');
    }
  });

  it('a socket opened without verification is never lent to a service that verifies', async () => {
    expect((await nodeRequest(proxyPort, '/no-verify')).status).toBe(200);
    expect((await nodeRequest(proxyPort, '/verify-untrusted')).status).toBe(502);
  });

  it('preserve_host: the client Host is the SNI, and the certificate is checked against it', async () => {
    const ok = await nodeRequest(proxyPort, '/preserve', { headers: { host: 'upstream.test:8443' } });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ sni: 'upstream.test', host: 'upstream.test:8443', url: '/' });
    const wrong = await nodeRequest(proxyPort, '/preserve', { headers: { host: 'elsewhere.test', accept: 'application/json' } });
    expect(wrong.status).toBe(502);
  });

  it('an IP literal host sends no SNI and is verified against the IP', async () => {
    const r = await nodeRequest(proxyPort, '/by-ip');
    expect(r.status).toBe(200);
    expect(r.json.sni).toBeNull();
    expect(r.json.host).toBe(`127.0.0.1:${upPort}`);
  });

  it('presents the client_certificate of the service, or of its upstream entity', async () => {
    const own = await nodeRequest(proxyPort, '/mtls');
    expect(own.status).toBe(200);
    expect(own.json).toMatchObject({ client: 'kong-client', clientTrusted: true, sni: 'localhost' });
    const viaUpstream = await nodeRequest(proxyPort, '/mtls-upstream');
    expect(viaUpstream.status).toBe(200);
    expect(viaUpstream.json).toMatchObject({ client: 'kong-client', clientTrusted: true, sni: 'localhost' });
    // the same upstream without a client certificate configured: none is presented (no pooled socket shared)
    const none = await nodeRequest(proxyPort, '/no-verify');
    expect(none.json.client).toBeNull();
  });

  it('removing the CA from the service makes verification fail again', async () => {
    expect((await gw.admin('PATCH', '/services/verify-ca', { ca_certificates: null })).status).toBe(200);
    await settle();
    const r = await nodeRequest(proxyPort, '/verify-ca');
    expect(r.status).toBe(502);
  });
});
