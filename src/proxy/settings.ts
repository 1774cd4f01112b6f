// Proxy settings derived once from the process configuration (validated at the edge).
import net from 'node:net';
import type { Config } from '../config/index.js';
import { KONG_VERSION } from '../config/index.js';
import { defaultErrorType, type ErrorType } from '../pdk/kong-errors.js';

export interface ProxySettings {
  serverHeader: boolean;
  viaHeader: boolean;
  proxyLatency: boolean;
  upstreamLatency: boolean;
  responseLatency: boolean;
  upstreamStatus: boolean;
  requestIdDownstream: boolean;
  requestIdUpstream: boolean;
  kongVersion: string;
  errorType: ErrorType;
  trusted: net.BlockList | null;
  realIpHeader: string;
  realIpRecursive: boolean;
  maxBodySize: number;
  headerTimeoutMs: number;
  bodyTimeoutMs: number;
  keepaliveTimeoutMs: number;
  /** nginx send_timeout: the longest a client may leave a response unread (the upstream is paused meanwhile). */
  sendTimeoutMs: number;
  /** nginx lingering_timeout / lingering_time: how long a closing connection's unread input is drained. */
  lingerTimeoutMs: number;
  lingerTimeMs: number;
  headLimits: { maxStartLineSize: number; maxHeaderLineSize: number; maxHeadSize: number; maxHeaders: number };
  allowDebugHeader: boolean;
}

export function trustedList(cidrs: string[]): net.BlockList | null {
  if (!cidrs.length) return null;
  const list = new net.BlockList();
  for (const c of cidrs) {
    if (c === 'unix:') continue;
    const [ip, bits] = c.split('/');
    const fam = net.isIP(ip!);
    if (!fam) continue;
    const type = fam === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(ip!, type);
    else list.addSubnet(ip!, Number(bits), type);
  }
  return list;
}

export function isTrusted(list: net.BlockList | null, ip: string): boolean {
  if (!list) return false;
  const plain = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return list.check(plain, net.isIPv6(plain) ? 'ipv6' : 'ipv4');
}

export function proxySettings(c: Config): ProxySettings {
  const h = new Set(c.headers);
  const off = h.has('off');
  const on = (...names: string[]) => !off && names.some((n) => h.has(n));
  const upstreamHeaders = new Set(c.headers_upstream);
  const buffers = c.large_client_header_buffers;
  return {
    serverHeader: on('server_tokens', 'server'),
    viaHeader: on('server_tokens', 'via'),
    proxyLatency: on('latency_tokens', 'x-kong-proxy-latency'),
    upstreamLatency: on('latency_tokens', 'x-kong-upstream-latency'),
    responseLatency: on('latency_tokens', 'x-kong-response-latency'),
    upstreamStatus: on('x-kong-upstream-status'),
    requestIdDownstream: on('x-kong-request-id'),
    requestIdUpstream: !upstreamHeaders.has('off') && upstreamHeaders.has('x-kong-request-id'),
    kongVersion: KONG_VERSION,
    errorType: defaultErrorType(c.error_default_type),
    trusted: trustedList(c.trusted_ips),
    realIpHeader: c.real_ip_header,
    realIpRecursive: c.real_ip_recursive,
    maxBodySize: c.client_max_body_size,
    headerTimeoutMs: c.client_header_timeout_ms,
    bodyTimeoutMs: c.client_body_timeout_ms,
    keepaliveTimeoutMs: c.keepalive_timeout_ms,
    sendTimeoutMs: c.send_timeout_ms,
    lingerTimeoutMs: c.lingering_timeout_ms,
    lingerTimeMs: c.lingering_time_ms,
    headLimits: {
      maxStartLineSize: buffers.size,
      maxHeaderLineSize: buffers.size,
      maxHeadSize: buffers.size * buffers.count,
      maxHeaders: Math.max(100, c.lua_max_req_headers),
    },
    allowDebugHeader: c.allow_debug_header,
  };
}
