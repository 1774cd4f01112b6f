// Byte-level helpers of the proxy hot path: coalesced head + body writes, and chunked decoding for buffered
// bodies and HTTP/1.0 clients.
import type net from 'node:net';

export const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');
/** Ends a chunked body whose trailer section was left out. */
export const CRLF = Buffer.from('\r\n', 'latin1');

// Scratch memory for coalesced writes (head + body in one write). A write that completes synchronously (the
// usual case) leaves nothing referencing it; when one stays queued the scratch is replaced, never reused.
const SCRATCH_SIZE = 64 * 1024;
let scratch = Buffer.allocUnsafeSlow(SCRATCH_SIZE);
type Latin1Writable = Buffer & { latin1Write(s: string, offset: number, length: number): number };

/** Writes a latin1 head and body pieces in one write: copied together when they fit the scratch, else a corked writev. */
export function writeHeadAnd(s: net.Socket, head: string, pieces: Buffer[], size: number): boolean {
  if (size === 0) return s.write(head, 'latin1');
  const n = head.length;
  const total = n + size;
  if (total <= SCRATCH_SIZE) {
    const b = scratch;
    (b as Latin1Writable).latin1Write(head, 0, n);
    let o = n;
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i]!;
      b.set(p, o);
      o += p.length;
    }
    const ok = s.write(b.subarray(0, total));
    if (s.writableLength !== 0) scratch = Buffer.allocUnsafeSlow(SCRATCH_SIZE);
    return ok;
  }
  s.cork();
  s.write(head, 'latin1');
  let ok = true;
  for (let i = 0; i < pieces.length; i++) ok = s.write(pieces[i]!);
  s.uncork();
  return ok;
}

/** One chunk (size line, data, CRLF) in one buffer, for wrapping a close-delimited body. */
export function chunkOf(piece: Buffer): Buffer {
  const size = piece.length.toString(16);
  const n = size.length + 2;
  const b = Buffer.allocUnsafe(n + piece.length + 2);
  b.write(size + '\r\n', 0, n, 'latin1');
  piece.copy(b, n);
  b[b.length - 2] = 13;
  b[b.length - 1] = 10;
  return b;
}

/** Decodes chunked framing (HTTP/1.0 clients and buffered bodies); input was validated already. Trailers are dropped. */
export class Dechunker {
  private size = -1;
  private line = '';
  private skipCRLF = 0;
  private done = false;

  push(buf: Buffer): Buffer {
    const out: Buffer[] = [];
    let i = 0;
    while (i < buf.length && !this.done) {
      if (this.skipCRLF > 0) {
        i++;
        this.skipCRLF--;
        continue;
      }
      if (this.size === -1) {
        const nl = buf.indexOf(10, i);
        if (nl === -1) {
          this.line += buf.toString('latin1', i);
          break;
        }
        this.line += buf.toString('latin1', i, nl);
        i = nl + 1;
        const n = parseInt(this.line.split(';')[0]!.trim(), 16);
        this.line = '';
        if (!n) {
          this.done = true;
          break;
        }
        this.size = n;
        continue;
      }
      const take = Math.min(this.size, buf.length - i);
      out.push(buf.subarray(i, i + take));
      i += take;
      this.size -= take;
      if (this.size === 0) {
        this.size = -1;
        this.skipCRLF = 2;
      }
    }
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }
}
