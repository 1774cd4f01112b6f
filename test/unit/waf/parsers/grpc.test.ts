import { describe, expect, it } from 'vitest';
import { at, collect, req } from './helpers.js';

function field(no: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([(no << 3) | 2, payload.length]), payload]);
}
function frame(msg: Buffer): Buffer {
  const h = Buffer.alloc(5);
  h.writeUInt32BE(msg.length, 1);
  return Buffer.concat([h, msg]);
}

describe('gRPC / protobuf parser', () => {
  it('yields string fields of framed messages, including nested ones', () => {
    const inner = field(1, Buffer.from('<script>alert(1)</script>'));
    const msg = Buffer.concat([Buffer.from([0x08, 0x96, 0x01]), field(2, Buffer.from('hello')), field(3, inner)]);
    const s = collect(req('POST', '/pkg.Svc/Call', [['Content-Type', 'application/grpc']], frame(msg)));
    expect(at(s, [['post'], ['grpc'], ['protobuf', 2]])).toEqual(['hello']);
    expect(at(s, [['post'], ['grpc'], ['protobuf', 3], ['protobuf', 1]])).toEqual(['<script>alert(1)</script>']);
  });

  it('falls back to text when the body is not gRPC framed', () => {
    const s = collect(req('POST', '/', [['Content-Type', 'application/grpc']], 'not framed'));
    expect(at(s, [['post']])).toEqual(['not framed']);
  });
});
