import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { nodeRequest } from '../../helpers/upstream.js';
import { sleep } from '../../helpers/time.js';

let gw: TestGateway;
let port: number;
let server: http.Server;

beforeAll(async () => {
  // /json answers a JSON object, /text a JSON-looking text body, /arr a JSON array
  server = http.createServer((req, res) => {
    const json = JSON.stringify({ remove: 1, old: 'o', rep: 'r', keep: 'k', app: 'a', nul: null });
    if (req.url!.endsWith('/text')) {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-remove': '1', 'x-old': 'o', 'x-rep': 'r', 'x-app': 'one' });
      return res.end(json);
    }
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'x-remove': '1', 'x-old': 'o', 'x-rep': 'r', 'x-app': 'one' });
    res.end(json);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const upPort = (server.address() as net.AddressInfo).port;
  gw = await startGateway();
  port = gw.gateway.addresses.proxy[0]!.port;
  await gw.admin('POST', '/services', { name: 'svc', url: `http://127.0.0.1:${upPort}` });
  await gw.admin('POST', '/services/svc/routes', { name: 'rt', paths: ['/rt'] });
  const r = await gw.admin('POST', '/routes/rt/plugins', {
    name: 'response-transformer',
    config: {
      remove: { headers: ['x-remove'], json: ['remove'] },
      rename: { headers: ['x-old:x-new'], json: ['old:new'] },
      replace: { headers: ['x-rep:R', 'x-none:N'], json: ['rep:R', 'none:N', 'nul:was-null'] },
      add: { headers: ['x-add:A', 'x-rep:ignored'], json: ['add:A', 'keep:ignored', 'num:42', 'flag:true'], json_types: ['string', 'string', 'number', 'boolean'] },
      append: { headers: ['x-app:two'], json: ['app:b', 'fresh:f'] },
    },
  });
  expect(r.status).toBe(201);
  await sleep(20);
});
afterAll(async () => {
  await gw?.stop();
  await new Promise((r) => server.close(r));
});

describe('response-transformer schema', () => {
  it('fills defaults', async () => {
    const r = await gw.admin('POST', '/plugins', { name: 'response-transformer', enabled: false });
    expect(r.status).toBe(201);
    expect(r.body.config).toEqual({
      remove: { json: [], headers: [] },
      rename: { headers: [], json: [] },
      replace: { json: [], json_types: [], headers: [] },
      add: { json: [], json_types: [], headers: [] },
      append: { json: [], json_types: [], headers: [] },
    });
    await gw.admin('DELETE', `/plugins/${r.body.id}`);
  });

  it('validates pairs, json_types and rename headers', async () => {
    const a = await gw.admin('POST', '/plugins', { name: 'response-transformer', config: { add: { json: ['nocolon'] } } });
    expect(a.body.fields).toEqual({ config: { add: { json: ['invalid value: nocolon'] } } });
    const t = await gw.admin('POST', '/plugins', { name: 'response-transformer', config: { add: { json_types: ['date'] } } });
    expect(t.body.fields).toEqual({ config: { add: { json_types: ['expected one of: boolean, number, string'] } } });
    const h = await gw.admin('POST', '/plugins', { name: 'response-transformer', config: { rename: { headers: ['x-a:bad name'] } } });
    expect(h.body.fields).toEqual({ config: { rename: { headers: ["'bad name' is not a valid header"] } } });
  });
});

describe('response-transformer through the proxy', () => {
  it('transforms headers and the JSON body', async () => {
    const r = await nodeRequest(port, '/rt');
    expect(r.status).toBe(200);
    expect(r.headers['x-remove']).toBeUndefined();
    expect(r.headers['x-old']).toBeUndefined();
    expect(r.headers['x-new']).toBe('o');
    expect(r.headers['x-rep']).toBe('R');
    expect(r.headers['x-none']).toBeUndefined();
    expect(r.headers['x-add']).toBe('A');
    expect(r.headers['x-app']).toBe('one, two');
    expect(r.json).toEqual({ new: 'o', rep: 'R', keep: 'k', app: ['a', 'b'], nul: 'was-null', add: 'A', num: 42, flag: true, fresh: ['f'] });
    expect(r.headers['content-length']).toBe(String(Buffer.byteLength(r.text)));
  });

  // body_filter sees the response headers (the proxy runs header_filter first, as Kong does)
  it('leaves non-JSON bodies alone but still transforms headers', async () => {
    const r = await nodeRequest(port, '/rt/text');
    expect(r.headers['x-new']).toBe('o');
    expect(JSON.parse(r.text)).toEqual({ remove: 1, old: 'o', rep: 'r', keep: 'k', app: 'a', nul: null });
  });

  // nginx runs the output filters on every response, so another plugin's exit is transformed too
  it("transforms a plugin's exit answer (key-auth's 401)", async () => {
    await gw.admin('POST', '/services/svc/routes', { name: 'locked', paths: ['/locked'] });
    expect((await gw.admin('POST', '/routes/locked/plugins', { name: 'key-auth' })).status).toBe(201);
    expect((await gw.admin('POST', '/routes/locked/plugins', { name: 'response-transformer', config: { add: { headers: ['x-add:A'], json: ['hint:use-a-key'] } } })).status).toBe(201);
    await sleep(20);
    const r = await nodeRequest(port, '/locked');
    expect(r.status).toBe(401);
    expect(r.headers['x-add']).toBe('A');
    expect(r.json).toEqual({ message: 'No API key found in request', request_id: r.headers['x-kong-request-id'], hint: 'use-a-key' });
    expect(r.headers['content-length']).toBe(String(Buffer.byteLength(r.text)));
  });
});
