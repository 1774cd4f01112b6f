// Headers as Kong sets them upstream (X-Forwarded-*, X-Real-IP, Via, request id) and downstream
// (Via, Server, latency headers), plus nginx realip for the client address.
//
// The hot path writes heads as strings in one pass over the parsed fields: no intermediate lists. The
// downstream HeaderList (`responseHeaders`) is only built when plugins run a header_filter phase.
import net from 'node:net';
import { STATUS_CODES } from 'node:http';
import { HeaderList, type RequestContext } from '../pdk/context.js';
import type { RequestHead, ResponseHead } from './http1/index.js';
import { isHopByHop } from './http1/index.js';
import { isTrusted, type ProxySettings } from './settings.js';

/** The peer address without the IPv4-mapped prefix. */
export function plainPeer(remoteAddr: string): string {
  return remoteAddr.startsWith('::ffff:') ? remoteAddr.slice(7) : remoteAddr;
}

/**
 * nginx realip: the peer, or the real-IP header's address when the peer is trusted. `peer` and `trusted` may be
 * passed when already known (once per client connection).
 */
export function clientIpOf(ctx: RequestContext, s: ProxySettings, peer = plainPeer(ctx.remoteAddr), trusted = s.trusted !== null && isTrusted(s.trusted, peer)): string {
  if (!trusted) return peer;
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
  if (host.charCodeAt(0) === 91 /* [ */) return host.slice(0, host.indexOf(']') + 1);
  const i = host.lastIndexOf(':');
  return i > 0 && host.indexOf(':') === i ? host.slice(0, i) : host;
}

/** Names are tokens (parsed or validated), so `| 0x20` lower-cases letters and leaves '-' and digits alone. */
function eqLower(s: string, lower: string): boolean {
  const n = lower.length;
  if (s.length !== n) return false;
  for (let i = 0; i < n; i++) if ((s.charCodeAt(i) | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

function listedIn(name: string, tokens: readonly string[] | null): boolean {
  return tokens !== null && tokens.length > 0 && tokens.includes(name.toLowerCase());
}

const X_FORWARDED_FOR = 1;
const X_FORWARDED_PROTO = 2;
const X_FORWARDED_HOST = 3;
const X_FORWARDED_PORT = 4;
const X_FORWARDED_PATH = 5;
const X_FORWARDED_PREFIX = 6;
const X_REAL_IP = 7;
const X_KONG_REQUEST_ID = 8;

/** Which X- field Kong rewrites `name` is (0: none); no allocation. */
function xField(name: string): number {
  switch (name.length) {
    case 9:
      return eqLower(name, 'x-real-ip') ? X_REAL_IP : 0;
    case 15:
      return eqLower(name, 'x-forwarded-for') ? X_FORWARDED_FOR : 0;
    case 16:
      if (eqLower(name, 'x-forwarded-host')) return X_FORWARDED_HOST;
      if (eqLower(name, 'x-forwarded-port')) return X_FORWARDED_PORT;
      if (eqLower(name, 'x-forwarded-path')) return X_FORWARDED_PATH;
      return 0;
    case 17:
      if (eqLower(name, 'x-forwarded-proto')) return X_FORWARDED_PROTO;
      if (eqLower(name, 'x-kong-request-id')) return X_KONG_REQUEST_ID;
      return 0;
    case 18:
      return eqLower(name, 'x-forwarded-prefix') ? X_FORWARDED_PREFIX : 0;
    default:
      return 0;
  }
}

/** What the proxy knows about the client connection (computed once per connection). */
export interface PeerFacts {
  /** Peer address without `::ffff:`. */
  peer: string;
  /** The peer is in trusted_ips. */
  trusted: boolean;
  /** String(local port). */
  localPort: string;
}

/** Framing of the request sent upstream. */
export interface UpstreamFraming {
  chunked: boolean;
  contentLength: number | null;
  /** Upgrade protocol when the request is an upgrade (`Connection: upgrade`), else null (`keep-alive`). */
  upgrade: string | null;
}

/**
 * The request head sent upstream, as a latin1 string: request line, the client's fields minus hop-by-hop ones,
 * Host and Kong's forwarding fields, then the framing fields the proxy decided and the empty line. The client's
 * Host, X-Forwarded-*, X-Real-IP (and X-Kong-Request-Id when Kong sets it) are replaced; Via is extended.
 * Fields the client listed in Connection are dropped; fields Kong adds itself are always written.
 */
export function upstreamHead(
  ctx: RequestContext,
  head: RequestHead,
  s: ProxySettings,
  pf: PeerFacts,
  method: string,
  target: string,
  host: string,
  f: UpstreamFraming,
): string {
  const src = ctx.headers.list;
  const tokens = head.connectionTokens;
  let out = method + ' ' + target + ' HTTP/1.1\r\n';
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
    if (c === 0x78 /* x */) {
      switch (xField(name)) {
        case X_FORWARDED_FOR:
          xff = xff === undefined ? value : xff + ', ' + value;
          continue;
        case X_FORWARDED_PROTO:
          xfProto = value;
          continue;
        case X_FORWARDED_HOST:
          xfHost = value;
          continue;
        case X_FORWARDED_PORT:
          xfPort = value;
          continue;
        case X_FORWARDED_PATH:
          xfPath = value;
          continue;
        case X_FORWARDED_PREFIX:
          xfPrefix = value;
          continue;
        case X_REAL_IP:
          continue;
        case X_KONG_REQUEST_ID:
          if (s.requestIdUpstream) continue;
          break;
      }
    } else if (c === 0x68 /* h */) {
      if (name.length === 4 && eqLower(name, 'host')) continue;
    } else if (c === 0x76 /* v */ && name.length === 3 && eqLower(name, 'via')) {
      via = via === undefined ? value : via + ', ' + value;
      if (s.viaHeader) continue;
    }
    if (isHopByHop(name) || listedIn(name, tokens)) continue;
    out += name + ': ' + value + '\r\n';
  }
  const trusted = pf.trusted;
  out += 'Host: ' + host + '\r\nX-Forwarded-For: ' + (xff !== undefined ? xff + ', ' + pf.peer : ctx.clientIp);
  out += '\r\nX-Forwarded-Proto: ' + (trusted && xfProto ? xfProto : ctx.scheme);
  out += '\r\nX-Forwarded-Host: ' + (trusted && xfHost ? xfHost : hostWithoutPort(head.host ?? host));
  out += '\r\nX-Forwarded-Port: ' + (trusted && xfPort ? xfPort : pf.localPort);
  out += '\r\nX-Forwarded-Path: ' + (trusted && xfPath ? xfPath : ctx.path) + '\r\n';
  const prefix = trusted && xfPrefix ? xfPrefix : ctx.match?.strippedPrefix;
  if (prefix && prefix !== '/') out += 'X-Forwarded-Prefix: ' + prefix + '\r\n';
  out += 'X-Real-IP: ' + ctx.clientIp + '\r\n';
  if (s.viaHeader) out += 'Via: ' + (via ? via + ', ' : '') + ctx.httpVersion + ' kong/' + s.kongVersion + '\r\n';
  if (s.requestIdUpstream) out += 'X-Kong-Request-Id: ' + ctx.requestId + '\r\n';
  if (f.chunked) out += 'Transfer-Encoding: chunked\r\n';
  else if (f.contentLength !== null) out += 'Content-Length: ' + f.contentLength + '\r\n';
  if (f.upgrade !== null) return out + 'Connection: upgrade\r\nUpgrade: ' + f.upgrade + '\r\n\r\n';
  return out + 'Connection: keep-alive\r\n\r\n';
}

/** Upstream response headers as the client receives them (before header_filter plugins). */
export function responseHeaders(
  ctx: RequestContext,
  upstream: readonly string[],
  connectionTokens: readonly string[] | null,
  s: ProxySettings,
  hashCookie: string | null = null,
): HeaderList {
  const list: string[] = [];
  let via: string | null = null;
  let server = false;
  const cookiePrefix = hashCookie === null ? null : hashCookie.slice(0, hashCookie.indexOf('=') + 1);
  for (let i = 0; i < upstream.length; i += 2) {
    const name = upstream[i]!;
    if ((isHopByHop(name) && !keepsTrailer(ctx, name)) || listedIn(name, connectionTokens)) continue;
    if (cookiePrefix !== null && isOwnCookie(name, upstream[i + 1]!, cookiePrefix)) continue;
    if (name.length === 3 && s.viaHeader && eqLower(name, 'via')) {
      via = via === null ? upstream[i + 1]! : via + ', ' + upstream[i + 1]!;
      continue;
    }
    if (name.length === 6 && s.serverHeader && eqLower(name, 'server')) server = true;
    list.push(name, upstream[i + 1]!);
  }
  if (hashCookie !== null) list.push('Set-Cookie', hashCookie);
  if (s.viaHeader) list.push('Via', (via !== null ? via + ', ' : '') + '1.1 kong/' + s.kongVersion);
  if (s.serverHeader && !server) list.push('Server', 'kong/' + s.kongVersion);
  if (s.upstreamLatency) list.push('X-Kong-Upstream-Latency', String(ctx.upstreamLatencyMs));
  if (s.proxyLatency) list.push('X-Kong-Proxy-Latency', String(ctx.proxyLatencyMs));
  if (s.upstreamStatus) list.push('X-Kong-Upstream-Status', String(ctx.status));
  if (s.requestIdDownstream) list.push('X-Kong-Request-Id', ctx.requestId);
  return new HeaderList(list);
}

/**
 * Kong clears an upstream's `Trailer` field unless the client sent `TE: trailers` (the trailers themselves are
 * never passed on, as nginx does; see the response writer).
 */
function keepsTrailer(ctx: RequestContext, name: string): boolean {
  if (name.length !== 7 || !eqLower(name, 'trailer')) return false;
  const te = ctx.headers.getAll('te');
  for (const v of te) if (/(?:^|,)\s*trailers\s*(?:;|,|$)/i.test(v)) return true;
  return false;
}

/** An upstream Set-Cookie for the balancer's hash cookie: Kong's value replaces it (balancer set_cookie). */
function isOwnCookie(name: string, value: string, prefix: string): boolean {
  return name.length === 10 && eqLower(name, 'set-cookie') && value.startsWith(prefix);
}

/** Framing of the response sent to the client. */
export interface ClientFraming {
  chunked: boolean;
  contentLength: number | null;
  keepAlive: boolean;
}

/**
 * The response head for the client straight from the upstream head, when no plugin looks at response headers:
 * the same fields, in the same order, as `responseHeaders` followed by the framing ones.
 */
export function clientHead(ctx: RequestContext, rh: ResponseHead, s: ProxySettings, f: ClientFraming, hashCookie: string | null = null): string {
  const src = rh.headers;
  const tokens = rh.connectionTokens;
  const cookiePrefix = hashCookie === null ? null : hashCookie.slice(0, hashCookie.indexOf('=') + 1);
  const reason = rh.reason || STATUS_CODES[rh.status] || '';
  let out = 'HTTP/1.1 ' + rh.status + ' ' + reason + '\r\n';
  let via: string | null = null;
  let server = false;
  for (let i = 0; i < src.length; i += 2) {
    const name = src[i]!;
    if ((isHopByHop(name) && !keepsTrailer(ctx, name)) || listedIn(name, tokens)) continue;
    if (cookiePrefix !== null && isOwnCookie(name, src[i + 1]!, cookiePrefix)) continue;
    if (name.length === 3 && s.viaHeader && eqLower(name, 'via')) {
      via = via === null ? src[i + 1]! : via + ', ' + src[i + 1]!;
      continue;
    }
    if (name.length === 6 && s.serverHeader && eqLower(name, 'server')) server = true;
    out += name + ': ' + src[i + 1]! + '\r\n';
  }
  if (hashCookie !== null) out += 'Set-Cookie: ' + hashCookie + '\r\n';
  if (s.viaHeader) out += 'Via: ' + (via !== null ? via + ', ' : '') + '1.1 kong/' + s.kongVersion + '\r\n';
  if (s.serverHeader && !server) out += 'Server: kong/' + s.kongVersion + '\r\n';
  if (s.upstreamLatency) out += 'X-Kong-Upstream-Latency: ' + ctx.upstreamLatencyMs + '\r\n';
  if (s.proxyLatency) out += 'X-Kong-Proxy-Latency: ' + ctx.proxyLatencyMs + '\r\n';
  if (s.upstreamStatus) out += 'X-Kong-Upstream-Status: ' + ctx.status + '\r\n';
  if (s.requestIdDownstream) out += 'X-Kong-Request-Id: ' + ctx.requestId + '\r\n';
  if (f.chunked) out += 'Transfer-Encoding: chunked\r\n';
  else if (f.contentLength !== null) out += 'Content-Length: ' + f.contentLength + '\r\n';
  return out + (f.keepAlive ? 'Connection: keep-alive\r\n\r\n' : 'Connection: close\r\n\r\n');
}
