import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { echoServer, nodeRequest, type Upstream } from '../../helpers/upstream.js';
import { sleep } from '../../helpers/time.js';

let gw: TestGateway;
let up: Upstream;
let port: number;

async function route(name: string, config: Record<string, unknown>, paths = ['/' + name]) {
  await gw.admin('POST', '/services/svc/routes', { name, paths });
  const r = await gw.admin('POST', `/routes/${name}/plugins`, { name: 'request-transformer', config });
  expect(r.status).toBe(201);
}

beforeAll(async () => {
  up = await echoServer();
  gw = await startGateway();
  port = gw.gateway.addresses.proxy[0]!.port;
  await gw.admin('POST', '/services', { name: 'svc', url: up.url });
  await route('hdr', {
    remove: { headers: ['x-drop'] },
    rename: { headers: ['x-old:x-new'] },
    replace: { headers: ['x-rep:replaced', 'x-absent:never', 'host:changed.example'] },
    add: { headers: ['x-add:added', 'x-keep:ignored', 'x-tpl:$(headers["x-src"])-$(query_params.q)', 'x-tpl2:$(headers.x_src or "none")/$(headers.x_missing or "dflt")'] },
    append: { headers: ['x-app:two'] },
  });
  await route('qs', {
    remove: { querystring: ['drop'] },
    rename: { querystring: ['old:new'] },
    replace: { querystring: ['rep:R', 'none:N'] },
    add: { querystring: ['add:A', 'keep:K'] },
    append: { querystring: ['app:2'] },
  });
  await route('body', {
    remove: { body: ['drop'] },
    rename: { body: ['old:new'] },
    replace: { body: ['rep:R', 'none:N'] },
    add: { body: ['add:A', 'keep:K'] },
    append: { body: ['app:2'] },
  });
  await route('method', { http_method: 'GET' });
  await route('uri', { replace: { uri: '/users/$(uri_captures.id)/v2' } }, ['~/uri/(?<id>\\d+)$']);
  await route('empty', { add: { body: ['a:1'] } });
  await sleep(20);
});
afterAll(async () => {
  await gw?.stop();
  await up?.close();
});

describe('request-transformer schema', () => {
  it('fills defaults', async () => {
    const r = await gw.admin('POST', '/plugins', { name: 'request-transformer', enabled: false });
    expect(r.status).toBe(201);
    const empty = { body: [], headers: [], querystring: [] };
    expect(r.body.config).toEqual({ http_method: null, remove: empty, rename: empty, replace: { ...empty, uri: null }, add: empty, append: empty });
    await gw.admin('DELETE', `/plugins/${r.body.id}`);
  });

  it('rejects invalid headers, pairs and methods', async () => {
    const h = await gw.admin('POST', '/plugins', { name: 'request-transformer', config: { add: { headers: ['bad header:x'] } } });
    expect(h.status).toBe(400);
    expect(h.body.fields).toEqual({ config: { add: { headers: ["'bad header' is not a valid header"] } } });
    const r = await gw.admin('POST', '/plugins', { name: 'request-transformer', config: { remove: { headers: ['x y'] } } });
    expect(r.body.fields).toEqual({ config: { remove: { headers: ["'x y' is not a valid header"] } } });
    const pair = await gw.admin('POST', '/plugins', { name: 'request-transformer', config: { add: { querystring: ['novalue'] } } });
    expect(pair.body.fields).toEqual({ config: { add: { querystring: ['invalid value: novalue'] } } });
    const m = await gw.admin('POST', '/plugins', { name: 'request-transformer', config: { http_method: 'get' } });
    expect(m.body.fields).toEqual({ config: { http_method: 'invalid value: get' } });
  });
});

describe('request-transformer through the proxy', () => {
  it('transforms headers in order remove, rename, replace, add, append', async () => {
    const r = await nodeRequest(port, '/hdr?q=query', {
      headers: { 'x-drop': '1', 'x-old': 'o', 'x-rep': 'orig', 'x-keep': 'mine', 'x-src': 'S', 'x-app': 'one' },
    });
    expect(r.status).toBe(200);
    const h = r.json.headers;
    expect(h['x-drop']).toBeUndefined();
    expect(h['x-old']).toBeUndefined();
    expect(h['x-new']).toBe('o');
    expect(h['x-rep']).toBe('replaced');
    expect(h['x-absent']).toBeUndefined();
    expect(h['host']).toBe('changed.example');
    expect(h['x-add']).toBe('added');
    expect(h['x-keep']).toBe('mine');
    expect(h['x-tpl']).toBe('S-query');
    expect(h['x-tpl2']).toBe('S/dflt');
    expect(h['x-app']).toBe('one, two');
  });

  it('transforms the query string', async () => {
    const r = await nodeRequest(port, '/qs?drop=1&old=o&rep=r&keep=k&app=1&z=last');
    expect(r.json.url).toBe('/?add=A&app=1&app=2&keep=k&new=o&rep=R&z=last');
  });

  it('transforms JSON bodies', async () => {
    const body = JSON.stringify({ drop: 1, old: 'o', rep: 'r', keep: 'k', app: 'x', other: true });
    const r = await nodeRequest(port, '/body', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(JSON.parse(r.json.body)).toEqual({ new: 'o', rep: 'R', keep: 'k', app: ['x', '2'], other: true, add: 'A' });
    expect(r.json.headers['content-length']).toBe(String(Buffer.byteLength(r.json.body)));
  });

  it('transforms form bodies', async () => {
    const r = await nodeRequest(port, '/body', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'drop=1&old=o&rep=r&keep=k' });
    expect(Object.fromEntries(new URLSearchParams(r.json.body))).toEqual({ new: 'o', rep: 'R', keep: 'k', add: 'A', app: '2' });
  });

  it('transforms multipart bodies and keeps file parts', async () => {
    const b = 'XyZ';
    const body =
      `--${b}\r\nContent-Disposition: form-data; name="drop"\r\n\r\n1\r\n` +
      `--${b}\r\nContent-Disposition: form-data; name="old"\r\n\r\no\r\n` +
      `--${b}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nfile-bytes\r\n` +
      `--${b}--\r\n`;
    const r = await nodeRequest(port, '/body', { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${b}` }, body });
    const fd = await new Response(r.json.body, { headers: { 'content-type': `multipart/form-data; boundary=${b}` } }).formData();
    expect(fd.get('drop')).toBeNull();
    expect(fd.get('new')).toBe('o');
    expect(fd.get('add')).toBe('A');
    const file = fd.get('file') as File;
    expect(file.name).toBe('a.txt');
    expect(await file.text()).toBe('file-bytes');
  });

  it('leaves other content types alone and adds to an empty JSON body', async () => {
    const t = await nodeRequest(port, '/body', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'drop=1' });
    expect(t.json.body).toBe('drop=1');
    const e = await nodeRequest(port, '/empty', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '' });
    expect(e.json.body).toBe('{"a":"1"}');
  });

  it('changes the method and moves a form body into the query string for GET', async () => {
    const r = await nodeRequest(port, '/method?x=1', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'y=2' });
    expect(r.json.method).toBe('GET');
    expect(r.json.url).toBe('/?x=1&y=2');
  });

  it('fails with 500 on a template Kong cannot evaluate', async () => {
    await route('badtpl', { add: { headers: ['x-t:$(headers.x-src)'] } });
    await sleep(20);
    const r = await nodeRequest(port, '/badtpl');
    expect(r.status).toBe(500);
    expect(r.json.message).toBe('An unexpected error occurred');
  });

  it('replaces the upstream uri from route captures', async () => {
    const r = await nodeRequest(port, '/uri/42');
    expect(r.json.url).toBe('/users/42/v2');
  });
});
