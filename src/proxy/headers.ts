// Headers as Kong sets them upstream (X-Forwarded-*, X-Real-IP, Via, request id) and downstream
// (Via, Server, latency headers), plus nginx realip for the client address.
import net from 'node:net';
import { HeaderList, type RequestContext } from '../pdk/context.js';
import type { RequestHead } from './http1/index.js';
import { stripHopByHop } from './http1/index.js';
import { isTrusted, type ProxySettings } from './settings.js';

/** nginx realip: the peer, or the real-IP header's address when the peer is trusted. */
export function clientIpOf(ctx: RequestContext, s: ProxySettings): string {
  const peer = ctx.remoteAddr.startsWith('::ffff:') ? ctx.remoteAddr.slice(7) : ctx.remoteAddr;
  if (!s.trusted || !isTrusted(s.trusted, peer)) return peer;
  const raw = ctx.headers.get(s.realIpHeader);
  if (!raw) return peer;
  const list = raw.split(',').map((x) => x.trim()).filter(Boolean);
  if (!list.length) return peer;
  if (s.realIpRecursive) {
    for (let i = list.length - 1; i >= 0; i--) {
      const ip = list[i]!;
      if (!net.isIP(ip)) return peer;
      if (!isTrusted(s.trusted, ip) || i === 0) return ip;
    }
    return peer;
  }
  const last = list[list.length - 1]!;
  return net.isIP(last) ? last : peer;
}

function hostWithoutPort(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const i = host.lastIndexOf(':');
  return i > 0 && host.indexOf(':') === i ? host.slice(0, i) : host;
}

/** The header list sent upstream (hop-by-hop fields are dropped later by the head writer). */
export function upstreamHeaders(ctx: RequestContext, head: RequestHead, s: ProxySettings, host: string): string[] {
  const src = ctx.headers.list;
  const out: string[] = [];
  let xff: string | undefined;
  let xfProto: string | undefined;
  let xfHost: string | undefined;
  let xfPort: string | undefined;
  let xfPath: string | undefined;
  let xfPrefix: string | undefined;
  let via: string | undefined;
  for (let i = 0; i < src.length; i += 2) {
    const name = src[i]!;
    const value = src[i + 1]!;
    const c = name.charCodeAt(0) | 0x20;
    if (c === 0x68 /* h */ && name.length === 4 && name.toLowerCase() === 'host') continue;
    if (c === 0x78 /* x */) {
      const lower = name.toLowerCase();
      switch (lower) {
        case 'x-forwarded-for':
          xff = xff === undefined ? value : xff + ', ' + value;
          continue;
        case 'x-forwarded-proto':
          xfProto = value;
          continue;
        case 'x-forwarded-host':
          xfHost = value;
          continue;
        case 'x-forwarded-port':
          xfPort = value;
          continue;
        case 'x-forwarded-path':
          xfPath = value;
          continue;
        case 'x-forwarded-prefix':
          xfPrefix = value;
          continue;
        case 'x-real-ip':
          continue;
        case 'x-kong-request-id':
          if (s.requestIdUpstream) continue;
          break;
      }
    } else if (c === 0x76 /* v */ && name.length === 3 && name.toLowerCase() === 'via') {
      via = via === undefined ? value : via + ', ' + value;
      if (!s.viaHeader) out.push(name, value);
      continue;
    }
    out.push(name, value);
  }
  const trusted = s.trusted !== null && isTrusted(s.trusted, ctx.remoteAddr.startsWith('::ffff:') ? ctx.remoteAddr.slice(7) : ctx.remoteAddr);
  const peer = ctx.remoteAddr.startsWith('::ffff:') ? ctx.remoteAddr.slice(7) : ctx.remoteAddr;
  out.push('Host', host);
  out.push('X-Forwarded-For', xff !== undefined ? xff + ', ' + peer : ctx.clientIp);
  out.push('X-Forwarded-Proto', trusted && xfProto ? xfProto : ctx.scheme);
  out.push('X-Forwarded-Host', trusted && xfHost ? xfHost : hostWithoutPort(head.host ?? host));
  out.push('X-Forwarded-Port', trusted && xfPort ? xfPort : String(ctx.localPort));
  out.push('X-Forwarded-Path', trusted && xfPath ? xfPath : ctx.path);
  const prefix = trusted && xfPrefix ? xfPrefix : ctx.match?.strippedPrefix;
  if (prefix && prefix !== '/') out.push('X-Forwarded-Prefix', prefix);
  out.push('X-Real-IP', ctx.clientIp);
  if (s.viaHeader) out.push('Via', (via ? via + ', ' : '') + `${ctx.httpVersion} kong/${s.kongVersion}`);
  if (s.requestIdUpstream) out.push('X-Kong-Request-Id', ctx.requestId);
  return out;
}

/** Upstream response headers as the client receives them (before header_filter plugins). */
export function responseHeaders(ctx: RequestContext, upstream: readonly string[], connectionTokens: readonly string[] | null, s: ProxySettings): HeaderList {
  const list = stripHopByHop(upstream, connectionTokens);
  let via: string | null = null;
  let server = false;
  if (s.viaHeader || s.serverHeader) {
    let w = 0;
    for (let i = 0; i < list.length; i += 2) {
      const name = list[i]!;
      if (name.length === 3 && name.toLowerCase() === 'via' && s.viaHeader) {
        via = via === null ? list[i + 1]! : via + ', ' + list[i + 1]!;
        continue;
      }
      if (name.length === 6 && name.toLowerCase() === 'server') server = true;
      list[w++] = name;
      list[w++] = list[i + 1]!;
    }
    list.length = w;
  }
  if (s.viaHeader) list.push('Via', (via !== null ? via + ', ' : '') + `1.1 kong/${s.kongVersion}`);
  if (s.serverHeader && !server) list.push('Server', `kong/${s.kongVersion}`);
  if (s.upstreamLatency) list.push('X-Kong-Upstream-Latency', String(ctx.upstreamLatencyMs));
  if (s.proxyLatency) list.push('X-Kong-Proxy-Latency', String(ctx.proxyLatencyMs));
  if (s.upstreamStatus) list.push('X-Kong-Upstream-Status', String(ctx.status));
  if (s.requestIdDownstream) list.push('X-Kong-Request-Id', ctx.requestId);
  return new HeaderList(list);
}
