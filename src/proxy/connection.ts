// One client connection on the proxy port: strict head parsing, routing, plugins, forwarding to a pooled
// upstream socket with bodies streamed through, Kong's headers and error answers. The work is layered in
// conn/: state → answers → request-reader → response-writer → upstream-exchange; this file wires the
// client socket's events and the timers' outcomes.
import type net from 'node:net';
import type { ProxyCore } from './core.js';
import { UpstreamExchange } from './conn/upstream-exchange.js';
import { S_RESPONSE, S_TUNNEL } from './conn/state.js';

// Client socket listeners are shared functions: no closures or bound methods per connection.
const kConn = Symbol('portcullis.connection');
type ClientSocket = net.Socket & { [kConn]?: ClientConnection };
function onClientData(this: ClientSocket, chunk: Buffer): void {
  this[kConn]!.onData(chunk);
}
function onClientDrain(this: ClientSocket): void {
  this[kConn]!.onDrain();
}
function onClientGone(this: ClientSocket): void {
  this[kConn]!.abort();
}
function onClientEnd(this: ClientSocket): void {
  this[kConn]!.onEnd();
}

export class ClientConnection extends UpstreamExchange {
  constructor(socket: net.Socket, core: ProxyCore, scheme: 'http' | 'https') {
    super(socket, core, scheme);
    (socket as ClientSocket)[kConn] = this;
    socket.on('data', onClientData);
    socket.on('drain', onClientDrain);
    socket.on('error', onClientGone);
    socket.on('close', onClientGone);
    socket.on('end', onClientEnd);
    this.setDeadline('keepalive', core.settings.keepaliveTimeoutMs);
  }

  onDrain(): void {
    const up = this.up;
    if (up === null) return;
    if (this.state === S_RESPONSE) {
      up.socket.resume();
      // the client caught up: waiting is the upstream's turn again
      if (this.deadlineKind === 'send') this.setDeadline('upstream', this.ctx!.service!.read_timeout);
    } else if (this.state === S_TUNNEL) up.socket.resume();
  }

  /** Called by the proxy's sweep when `deadline` passed. */
  expire(): void {
    const kind = this.deadlineKind;
    this.deadline = 0;
    if (kind === 'keepalive' || kind === 'linger') return this.close();
    // nginx send_timeout: the client left the response unread; all it can be told is a closed connection
    if (kind === 'send') return this.close();
    if (kind === 'header') {
      this.keepAlive = false;
      return this.sendError(408);
    }
    if (kind === 'body') {
      this.failBodyWaiter();
      this.discardUpstream();
      this.keepAlive = false;
      return this.sendError(408);
    }
    if (kind === 'upstream') {
      this.peerFailure('timeout');
      // the client has part of the answer already: all it can be told is a closed connection
      if (this.resStarted) return this.close();
      this.discardUpstream();
      this.keepAlive = this.bodyDone && this.keepAlive;
      return this.sendError(504);
    }
  }
}
