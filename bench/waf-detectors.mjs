#!/usr/bin/env node
// Dev tool: runs the WAF detectors (src/waf/detectors) directly over the raw GoTestWAF corpus
// payloads, before any encoder, and prints per-set / per-file detection rates plus the false-pos
// pass rate. Each payload is tried as written and URL-decoded once (`+` as space for form-ish
// placeholders), with a neutral context per placeholder; any detector firing counts as detection.
//
//   node bench/waf-detectors.mjs [--corpus DIR] [--show-misses] [--show-fp] [--show-hits] [--file NAME]
//                                [--eval 'payload' [--root get]]
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
for (const sub of ['', 'lexers', 'detectors']) {
  const dir = path.join(srcDir, sub);
  if (!fs.existsSync(dir)) continue;
  fs.mkdirSync(path.join(out, sub), { recursive: true });
  for (const f of fs.readdirSync(dir)) {
    if (!f.endsWith('.ts')) continue;
    const code = fs.readFileSync(path.join(dir, f), 'utf8');
    const js = ts.transpileModule(code, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
    }).outputText;
    fs.writeFileSync(path.join(out, sub, f.replace(/\.ts$/, '.js')), js);
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

const pct = (a, b) => (b ? ((100 * a) / b).toFixed(1) : '-') + '%';
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
