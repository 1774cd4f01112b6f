// The Istio/Envoy out-of-band mirror (connectors/envoy): busted specs under LuaJIT against a real node,
// the shipped EnvoyFilter code run as is, the MessagePack encoder checked against @msgpack/msgpack,
// and the Istio manifests checked against each other.
import fs from 'node:fs';
import path from 'node:path';
import { decode } from '@msgpack/msgpack';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type RunningNode } from '../node/helpers.js';
import { downUrl, explain, luaTools, ROOT, runBusted, runLua } from './lua.js';

const ENVOY = path.join(ROOT, 'connectors/envoy');
const yamlDocs = (file: string): any[] => YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => {
  expect(d.errors.map(String), file).toEqual([]);
  return d.toJS();
});
const one = (file: string) => yamlDocs(path.join(ENVOY, file))[0];

function inlineCode(envoyFilter: any): string {
  return envoyFilter.spec.configPatches[0].patch.value.typed_config.default_source_code.inline_string;
}

async function hitsFor(url: string, requestId: string, want = 1): Promise<any[]> {
  const stop = Date.now() + 3000;
  for (;;) {
    const page = await (await fetch(`${url}/v1/hits?request_id=${requestId}`)).json() as { data: any[] };
    if (page.data.length >= want || Date.now() > stop) return page.data;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Envoy out-of-band mirror (LuaJIT + busted)', () => {
  let node: RunningNode;
  let down: string;

  beforeAll(async () => {
    node = await startNode({ mode: 'block' });
    down = await downUrl();
  });
  afterAll(async () => { await node?.stop(); });

  it('has luajit and busted (CI installs them)', () => {
    expect(luaTools).not.toThrow();
  });

  it('passes its unit and end-to-end specs against a real node', { timeout: 10_000 }, async () => {
    const run = await runBusted(ENVOY, { PORTCULLIS_NODE_URL: node.url, PORTCULLIS_DOWN_URL: down });
    expect(run.report, explain(run)).not.toBeNull();
    expect([...run.report!.failures, ...run.report!.errors].map((e) => e.name), explain(run)).toEqual([]);
    expect(run.code, explain(run)).toBe(0);
    const names = run.report!.successes.map((s) => s.name);
    expect(names).toContain('portcullis_mirror against a real node #e2e mirrors /etc/passwd: the node records a monitored hit with the response status');
    expect(names).toContain('portcullis_mirror against a real node #e2e a node that is down changes nothing for the client');
    expect(names.length).toBeGreaterThanOrEqual(14);
    // the mirrored attack is in the node's log, monitored (out-of-band never blocks)
    const page = await (await fetch(`${node.url}/v1/hits?type=ptrav`)).json() as { data: any[] };
    expect(page.data.length).toBeGreaterThanOrEqual(1);
    for (const h of page.data) expect(h.verdict).toBe('monitored');
  });

  it('the EnvoyFilter code as shipped mirrors /etc/passwd to the node', { timeout: 10_000 }, async () => {
    const ef = one('envoyfilter.yaml');
    const code = inlineCode(ef);
    const cluster = /cluster = "([^"]+)"/.exec(code)![1]!;
    const rid = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';
    const harness = `
      package.path = "${ENVOY}/lua/?.lua;${ENVOY}/spec/helpers/?.lua;" .. package.path
      local E = require "envoy_double"
      E.clusters[${JSON.stringify(cluster)}] = os.getenv("PORTCULLIS_NODE_URL")
      ${code}
      local s = E.stream({ path = "/download?f=../../../etc/passwd", remote = "192.0.2.44:1234",
        headers = { { "x-request-id", "${rid}" } }, status = 200 })
      envoy_on_request(s.request)
      envoy_on_response(s.response)
      assert(#s.calls == 2, "expected 2 calls, got " .. #s.calls)
      for _, c in ipairs(s.calls) do assert(c.asynchronous == true and c.result.status == 202, "call failed: " .. tostring(c.result.body)) end
      assert(#s.mutations == 0 and not s.buffered and #s.logs == 0, "the stream was touched")
      io.write("ok")
    `;
    const run = await runLua(harness, { env: { PORTCULLIS_NODE_URL: node.url } });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('ok');
    const hits = await hitsFor(node.url, rid.replace(/-/g, ''));
    expect(hits.length).toBeGreaterThanOrEqual(1);
    expect(hits[0]).toMatchObject({ type: 'ptrav', verdict: 'monitored', oob: true, client_ip: '192.0.2.44', response_status: 200 });
  });

  it('the plain-Envoy example runs the same code', async () => {
    const cfg = one('envoy.yaml');
    const hcm = cfg.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
    const lua = hcm.http_filters.find((f: any) => f.name === 'envoy.filters.http.lua');
    expect(hcm.http_filters.at(-1).name).toBe('envoy.filters.http.router');
    const code: string = lua.typed_config.default_source_code.inline_string;
    const cluster = /cluster = "([^"]+)"/.exec(code)![1]!;
    expect(cfg.static_resources.clusters.map((c: any) => c.name)).toContain(cluster);
    const run = await runLua(`package.path = "${ENVOY}/lua/?.lua;" .. package.path\n${code}\nio.write(type(envoy_on_request), type(envoy_on_response))`);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('functionfunction');
  });

  it('the Lua MessagePack encoder agrees with @msgpack/msgpack', async () => {
    const samples: Array<[string, unknown]> = [
      ['0', 0], ['-1', -1], ['-33', -33], ['300', 300], ['-40000', -40000], ['2^32', 2 ** 32], ['-(2^40)', -(2 ** 40)],
      ['2^53 - 1', 2 ** 53 - 1], ['1.5', 1.5], ['-0.1', -0.1], ['1e300', 1e300], ['5e-324', 5e-324], ['2^-1030', 2 ** -1030],
      ['true', true], ['false', false], ['"h\\195\\169llo"', 'héllo'], ['string.rep("x", 70000)', 'x'.repeat(70000)],
      ['{1, "two", {3}}', [1, 'two', [3]]], ['{a = {b = {c = "d"}}}', { a: { b: { c: 'd' } } }],
      ['mp.array({})', []], ['{}', {}],
    ];
    const lua = `package.path = "${ENVOY}/lua/?.lua;" .. package.path
      local mp = require "portcullis_msgpack"
      local function hex(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end
      ${samples.map(([expr]) => `io.write(hex(mp.encode(${expr})), "\\n")`).join('\n')}
      io.write(hex(mp.encode({ body = mp.bin("\\0\\255\\1") })), "\\n")`;
    const run = await runLua(lua);
    expect(run.stderr).toBe('');
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(samples.length + 1);
    samples.forEach(([expr, want], i) => expect(decode(Buffer.from(lines[i]!, 'hex')), expr).toEqual(want));
    const bin = (decode(Buffer.from(lines.at(-1)!, 'hex')) as { body: Uint8Array }).body;
    expect(bin).toBeInstanceOf(Uint8Array); // MessagePack bin, not str
    expect([...bin]).toEqual([0, 255, 1]);
  });

  it('the Istio manifests agree: ConfigMap, volume mount, package.path, cluster and the node Service', () => {
    const cm = one('lua-configmap.yaml');
    for (const f of ['portcullis_mirror.lua', 'portcullis_msgpack.lua']) {
      expect(cm.data[f], f).toBe(fs.readFileSync(path.join(ENVOY, 'lua', f), 'utf8'));
    }
    const op = one('istio-operator.yaml');
    const gw = op.spec.components.ingressGateways[0];
    const patches = gw.k8s.overlays[0].patches;
    const volume = patches.find((p: any) => p.path.startsWith('spec.template.spec.volumes')).value;
    const mount = patches.find((p: any) => p.path.includes('[name:istio-proxy].volumeMounts')).value;
    expect(volume.configMap.name).toBe(cm.metadata.name);
    expect(mount.name).toBe(volume.name);
    expect(gw.k8s.overlays[0].name).toBe(gw.name);

    const ef = one('envoyfilter.yaml');
    expect(ef.metadata.namespace).toBe(cm.metadata.namespace);
    expect(ef.spec.workloadSelector.labels).toEqual({ istio: 'ingressgateway' });
    const cp = ef.spec.configPatches[0];
    expect(cp).toMatchObject({ applyTo: 'HTTP_FILTER', match: { context: 'GATEWAY' }, patch: { operation: 'INSERT_BEFORE' } });
    expect(cp.match.listener.filterChain.filter.subFilter.name).toBe('envoy.filters.http.router');
    const code = inlineCode(ef);
    expect(code).toContain(`package.path = "${mount.mountPath}/?.lua;" .. package.path`);
    expect(code).toMatch(/function envoy_on_request\(/);
    expect(code).toMatch(/function envoy_on_response\(/);

    // the cluster is the node's Service (connectors/kubernetes/node.yaml): outbound|<port>||<host>
    const cluster = /cluster = "outbound\|(\d+)\|\|([^"]+)"/.exec(code);
    expect(cluster).not.toBeNull();
    const [, port, host] = cluster!;
    expect(code).toContain(`authority = "${host}"`);
    const svcDocs = yamlDocs(path.join(ROOT, 'connectors/kubernetes/node.yaml'));
    const svc = svcDocs.find((d) => d.kind === 'Service');
    expect(host).toBe(`${svc.metadata.name}.${svc.metadata.namespace}.svc.cluster.local`);
    expect(svc.spec.ports.map((p: any) => String(p.port))).toContain(port);

    // the ServiceEntry alternative: an HTTP port the same number
    const se = one('serviceentry.yaml');
    expect(se.kind).toBe('ServiceEntry');
    expect(se.spec.ports[0]).toMatchObject({ number: Number(port), protocol: 'HTTP' });
    expect(fs.readFileSync(path.join(ENVOY, 'serviceentry.yaml'), 'utf8')).toContain(`outbound|${port}||${se.spec.hosts[0]}`);

    // asynchronous, never buffering
    const src = fs.readFileSync(path.join(ENVOY, 'lua/portcullis_mirror.lua'), 'utf8');
    expect(src).toMatch(/httpCall\([^)]*conf\.timeout_ms, true\)/);
    expect(src).not.toMatch(/:body\(\)/);
  });
});
