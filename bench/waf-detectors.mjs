#!/usr/bin/env node
// Dev tool: runs the WAF detectors (src/waf/detectors) directly over the raw GoTestWAF corpus
// payloads, before any encoder, and prints per-set / per-file detection rates plus the false-pos
// pass rate. Each payload is tried as written and URL-decoded once (`+` as space for form-ish
// placeholders), with a neutral context per placeholder; any detector firing counts as detection.
//
//   node bench/waf-detectors.mjs [--corpus DIR] [--show-misses] [--show-fp] [--show-hits] [--file NAME]
//   node bench/waf-detectors.mjs --eval 'payload' [--root get] [--header X-TEST]   every detector on one value
//   node bench/waf-detectors.mjs --typical          cost of a typical API GET (16 values, all detectors)
//   ADV_SIZE=1048576 node bench/waf-detectors.mjs --adversarial [--input NAME] [--detector TYPE] [--top N]
//   node bench/waf-detectors.mjs --lines FILE...    false-positive sweep: each line of text files as a value
//   node bench/waf-detectors.mjs --attacks FILE...  recall check: each line is an attack, misses are printed
//
// The TypeScript sources are transpiled on the fly (typescript's transpileModule) into a temp dir,
// so no build is needed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import YAML from 'yaml';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const flag = (name) => args.includes(name);
const corpus = opt('--corpus', path.resolve(root, '../shared/corpus/gotestwaf/testcases'));

// ---- transpile src/waf (types, lexers, detectors) into a temp dir ----
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'waf-detectors-'));
const srcDir = path.join(root, 'src/waf');
// the top level, lexers/ and detectors/ with their sub-folders (detectors/sqli/, detectors/rce/)
const transpileDir = (sub, recurse) => {
  const dir = path.join(srcDir, sub);
  if (!fs.existsSync(dir)) return;
  fs.mkdirSync(path.join(out, sub), { recursive: true });
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      if (recurse) transpileDir(path.join(sub, e.name), true);
      continue;
    }
    if (!e.name.endsWith('.ts')) continue;
    const code = fs.readFileSync(path.join(dir, e.name), 'utf8');
    const js = ts.transpileModule(code, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
    }).outputText;
    fs.writeFileSync(path.join(out, sub, e.name.replace(/\.ts$/, '.js')), js);
  }
};
transpileDir('', false);
transpileDir('lexers', true);
transpileDir('detectors', true);
{
  // the adversarial input set lives with the tests
  const adv = path.join(root, 'test/unit/waf/detectors/adversarial.ts');
  if (fs.existsSync(adv)) {
    const js = ts.transpileModule(fs.readFileSync(adv, 'utf8'), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    fs.writeFileSync(path.join(out, 'adversarial.js'), js);
  }
}
fs.writeFileSync(path.join(out, 'package.json'), '{"type":"module"}');
const { detectors } = await import(pathToFileURL(path.join(out, 'detectors/index.js')).href);
process.on('exit', () => fs.rmSync(out, { recursive: true, force: true }));

// ---- contexts per placeholder ----
function ctxFor(ph) {
  switch (ph) {
    case 'URLPath':
      return { point: [['uri']], kind: 'value', root: 'uri' };
    case 'URLParam':
      return { point: [['get', 'q']], kind: 'value', root: 'get' };
    case 'Header':
      return { point: [['header', 'X-TEST']], kind: 'value', root: 'header', header: 'X-TEST' };
    case 'UserAgent':
      return { point: [['header', 'USER-AGENT']], kind: 'value', root: 'header', header: 'USER-AGENT' };
    case 'HTMLForm':
    case 'HTMLMultipartForm':
      return { point: [['post'], ['form_urlencoded', 'q']], kind: 'value', root: 'post' };
    case 'JSONRequest':
    case 'JSONBody':
      return { point: [['post'], ['json_doc'], ['hash', 'q']], kind: 'value', root: 'post' };
    case 'XMLBody':
    case 'SOAPBody':
      return { point: [['post'], ['xml']], kind: 'value', root: 'post' };
    default:
      return { point: [['post']], kind: 'value', root: 'post' };
  }
}

function tryDecode(s, plusAsSpace) {
  let t = plusAsSpace ? s.replace(/\+/g, ' ') : s;
  try {
    return decodeURIComponent(t);
  } catch {
    return t.replace(/%([0-9a-f]{2})/gi, (_, h) => String.fromCharCode(parseInt(h, 16)));
  }
}

const pct = (a, b) => (b ? ((100 * a) / b).toFixed(1) : '-') + '%';

function runAll(value, ctx) {
  for (const d of detectors) {
    const m = d.detect(value, ctx);
    if (m) return { type: d.type, ...m };
  }
  return null;
}

function detectPayload(payload, phs) {
  const variants = [payload];
  const dec = tryDecode(payload, false);
  if (dec !== payload) variants.push(dec);
  const decPlus = tryDecode(payload, true);
  if (decPlus !== payload && decPlus !== dec) variants.push(decPlus);
  for (const ph of phs) {
    const ctx = ctxFor(ph);
    for (const v of variants) {
      const m = runAll(v, ctx);
      if (m) return m;
    }
  }
  return null;
}

if (args.includes('--adversarial')) {
  // timing over the adversarial set (ADV_SIZE env var: bytes per input, default 1 MiB)
  const { adversarialSet } = await import(pathToFileURL(path.join(out, 'adversarial.js')).href);
  const ADVERSARIAL = adversarialSet(Number(process.env.ADV_SIZE ?? 1 << 20));
  const ctxs = [ctxFor('URLParam'), ctxFor('URLPath'), ctxFor('UserAgent'), ctxFor('JSONRequest')];
  const rows = [];
  const t0 = performance.now();
  const onlyInput = opt('--input', '');
  const onlyDet = opt('--detector', '');
  for (const [name, v] of ADVERSARIAL) {
    if (onlyInput && !name.includes(onlyInput)) continue;
    for (const d of detectors) {
      if (onlyDet && d.type !== onlyDet) continue;
      const t = performance.now();
      for (const c of ctxs) d.detect(v, c);
      rows.push([performance.now() - t, name, d.type]);
    }
  }
  console.log(`adversarial set: ${ADVERSARIAL.length} inputs x ${detectors.length} detectors x ${ctxs.length} contexts: ${(performance.now() - t0).toFixed(0)} ms`);
  rows.sort((a, b) => b[0] - a[0]);
  for (const r of rows.slice(0, Number(opt('--top', '15')))) console.log(`  ${r[0].toFixed(1).padStart(8)} ms  ${r[2].padEnd(15)} ${r[1]}`);
  process.exit(0);
}

if (args.includes('--lines')) {
  // false-positive sweep: every line of the given text files as a JSON string value and a query value
  const files = args.slice(args.indexOf('--lines') + 1).filter((a) => !a.startsWith('--') && fs.existsSync(a));
  const byStamp = new Map();
  let n = 0;
  for (const f of files) {
    for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
      const v = line.trim();
      if (v.length < 3) continue;
      for (const c of [ctxFor('JSONRequest'), ctxFor('URLParam')]) {
        n++;
        const m = runAll(v, c);
        if (m) {
          const k = m.stamp;
          if (!byStamp.has(k)) byStamp.set(k, []);
          byStamp.get(k).push(`[${c.root}] ${v.slice(0, 140)}`);
        }
      }
    }
  }
  let hits = 0;
  for (const [k, list] of [...byStamp].sort((a, b) => b[1].length - a[1].length)) {
    hits += list.length;
    console.log(`${k}: ${list.length}`);
    for (const l of list.slice(0, Number(opt('--show', '4')))) console.log('    ', l);
  }
  console.log(`${hits} hits in ${n} values (${((100 * hits) / Math.max(1, n)).toFixed(2)}%)`);
  process.exit(0);
}

if (args.includes('--attacks')) {
  // recall check: every line of the given files is an attack; print the ones no detector flags
  const files = args.slice(args.indexOf('--attacks') + 1).filter((a) => !a.startsWith('--') && fs.existsSync(a));
  let n = 0;
  let hit = 0;
  for (const f of files) {
    for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
      if (!line.trim() || line.startsWith('#')) continue;
      n++;
      const v = line.replace(/\\r/g, '\r').replace(/\\n/g, '\n');
      const m = detectPayload(v, ['URLParam', 'JSONRequest', 'URLPath']);
      if (m) hit++;
      else console.log('MISS', JSON.stringify(v));
    }
  }
  console.log(`${hit}/${n} detected (${pct(hit, n)})`);
  process.exit(0);
}

if (args.includes('--typical')) {
  // a typical API GET: path, a few query values and the usual headers
  const req = [
    [ctxFor('URLPath'), '/api/v1/users/12345/orders'],
    [{ point: [['get', 'page']], kind: 'value', root: 'get' }, '2'],
    [{ point: [['get', 'limit']], kind: 'value', root: 'get' }, '50'],
    [{ point: [['get', 'sort']], kind: 'value', root: 'get' }, 'created_at:desc'],
    [{ point: [['get', 'q']], kind: 'value', root: 'get' }, 'blue running shoes'],
    [{ point: [['get', 'email']], kind: 'value', root: 'get' }, 'jane.doe@example.com'],
    [{ point: [['get', 'from']], kind: 'value', root: 'get' }, '2024-05-01T00:00:00Z'],
    [{ point: [['get', 'id']], kind: 'value', root: 'get' }, '550e8400-e29b-41d4-a716-446655440000'],
    [{ point: [['header', 'HOST']], kind: 'value', root: 'header', header: 'HOST' }, 'api.example.com'],
    [ctxFor('UserAgent'), 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36'],
    [{ point: [['header', 'ACCEPT']], kind: 'value', root: 'header', header: 'ACCEPT' }, 'application/json, text/plain, */*'],
    [{ point: [['header', 'ACCEPT-LANGUAGE']], kind: 'value', root: 'header', header: 'ACCEPT-LANGUAGE' }, 'en-US,en;q=0.9'],
    [{ point: [['header', 'ACCEPT-ENCODING']], kind: 'value', root: 'header', header: 'ACCEPT-ENCODING' }, 'gzip, deflate, br'],
    [{ point: [['header', 'AUTHORIZATION']], kind: 'value', root: 'header', header: 'AUTHORIZATION' }, 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.abc123def456'],
    [{ point: [['cookie', 'session']], kind: 'value', root: 'cookie' }, 'a3f9c2e1b7d84f6e'],
    [{ point: [['header', 'REFERER']], kind: 'value', root: 'header', header: 'REFERER' }, 'https://www.example.com/shop/shoes?color=blue'],
  ];
  const once = () => {
    let hits = 0;
    for (const [c, v] of req) for (const d of detectors) if (d.detect(v, c)) hits++;
    return hits;
  };
  for (let i = 0; i < 2000; i++) once();
  const rounds = 20000;
  const t = process.hrtime.bigint();
  let hits = 0;
  for (let i = 0; i < rounds; i++) hits += once();
  const us = Number(process.hrtime.bigint() - t) / 1e3 / rounds;
  console.log(`typical GET (${req.length} values x ${detectors.length} detectors): ${us.toFixed(1)} us per request, ${(us / req.length).toFixed(2)} us per value; hits: ${hits / rounds}`);
  const per = detectors.map((d) => {
    const t1 = process.hrtime.bigint();
    for (let i = 0; i < 5000; i++) for (const [c, v] of req) d.detect(v, c);
    return [d.type, Number(process.hrtime.bigint() - t1) / 1e3 / 5000];
  });
  per.sort((a, b) => b[1] - a[1]);
  console.log('per detector (us per request):', per.map(([n, u]) => `${n} ${u.toFixed(2)}`).join(', '));
  process.exit(0);
}

if (args.includes('--eval')) {
  const v = opt('--eval', '');
  const r = opt('--root', 'get');
  const ctx = { point: [[r, 'q']], kind: 'value', root: r, header: r === 'header' ? opt('--header', 'X-TEST') : undefined };
  for (const d of detectors) {
    const m = d.detect(v, ctx);
    console.log(d.type.padEnd(15), m ? `${m.stamp}  «${m.payload}»` : '-');
  }
  process.exit(0);
}

// ---- load corpus ----
// go-yaml accepts "\'" in double-quoted scalars; YAML 1.2 does not. Keep scalars as strings.
const fixDq = (s) => s.replace(/(^|[^\\])((?:\\\\)*)\\'/g, "$1$2'");
function loadYaml(src) {
  const opts = { schema: 'failsafe' };
  const doc = YAML.parseDocument(src, opts);
  const fatal = doc.errors.filter((e) => e.code !== 'BAD_DQ_ESCAPE');
  if (fatal.length) throw fatal[0];
  if (doc.errors.length) {
    YAML.visit(doc, {
      Scalar(_, node) {
        if (node.type === 'QUOTE_DOUBLE' && node.range) node.value = String(YAML.parse(fixDq(src.slice(node.range[0], node.range[1])), opts));
      },
    });
  }
  return doc.toJS();
}
function walk(d) {
  return fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : /\.ya?ml$/.test(e.name) ? [path.join(d, e.name)] : []));
}
const only = opt('--file', '');
const rows = [];
const sets = new Map();
let fpTotal = 0;
let fpPass = 0;
const t0 = process.hrtime.bigint();
let calls = 0;
for (const f of walk(corpus)) {
  const y = loadYaml(fs.readFileSync(f, 'utf8'));
  const set = path.basename(path.dirname(f));
  const name = path.basename(f).replace(/\.ya?ml$/, '');
  if (only && !name.includes(only)) continue;
  const phs = (y.placeholder || []).map((p) => (typeof p === 'string' ? p : Object.keys(p)[0]));
  const isFp = set.includes('false');
  let hit = 0;
  const misses = [];
  const hits = [];
  for (const p of y.payload || []) {
    const payload = String(p);
    const m = detectPayload(payload, phs);
    calls++;
    if (m) {
      hit++;
      hits.push([payload, m]);
    } else misses.push(payload);
  }
  const n = (y.payload || []).length;
  rows.push({ set, name, n, hit, isFp, misses, hits });
  const s = sets.get(set) || { n: 0, hit: 0, isFp };
  s.n += n;
  s.hit += hit;
  sets.set(set, s);
  if (isFp) {
    fpTotal += n;
    fpPass += n - hit;
  }
}
const ms = Number(process.hrtime.bigint() - t0) / 1e6;

const clip = (s) => JSON.stringify(s.length > 160 ? s.slice(0, 80) + '…' + s.slice(-60) : s);
console.log('file'.padEnd(44), 'n'.padStart(4), 'rate');
for (const r of rows) {
  console.log(`${(r.set + '/' + r.name).padEnd(44)} ${String(r.n).padStart(4)} ${r.isFp ? 'pass ' + pct(r.n - r.hit, r.n) : pct(r.hit, r.n)}`);
  if (flag('--show-misses') && !r.isFp) for (const m of r.misses) console.log('    MISS', clip(m));
  if ((flag('--show-fp') || flag('--show-misses')) && r.isFp) for (const [p, m] of r.hits) console.log('    FP  ', clip(p), '->', m.stamp, clip(m.payload));
  if (flag('--show-hits') && !r.isFp) for (const [p, m] of r.hits) console.log('    HIT ', m.stamp.padEnd(26), clip(p));
}
console.log('');
let tpN = 0;
let tpHit = 0;
for (const [set, s] of sets) {
  console.log(`${set.padEnd(12)} ${s.isFp ? 'true-negative (pass) ' + pct(s.n - s.hit, s.n) : 'true-positive ' + pct(s.hit, s.n)}  (${s.n} payloads)`);
  if (!s.isFp) {
    tpN += s.n;
    tpHit += s.hit;
  }
}
console.log(`\nattack payloads detected: ${pct(tpHit, tpN)} (${tpHit}/${tpN}); false-pos passed: ${pct(fpPass, fpTotal)} (${fpPass}/${fpTotal}); ${ms.toFixed(0)} ms`);
