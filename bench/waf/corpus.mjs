// Load a GoTestWAF-style test-case tree: <dir>/<set>/<case>.yml with payload / encoder / placeholder
// lists. Scalars stay strings (Go's []string fields); go-yaml accepts "\'" inside double-quoted
// scalars, which YAML 1.2 rejects, so such scalars are re-read with the escape fixed.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

function loadYaml(src) {
  const doc = YAML.parseDocument(src, { schema: 'failsafe' });
  const fatal = doc.errors.filter((e) => e.code !== 'BAD_DQ_ESCAPE');
  if (fatal.length) throw fatal[0];
  if (doc.errors.length) {
    YAML.visit(doc, {
      Scalar(_, node) {
        if (node.type !== 'QUOTE_DOUBLE' || !node.range) return;
        const raw = src.slice(node.range[0], node.range[1]).replace(/(^|[^\\])((?:\\\\)*)\\'/g, "$1$2'");
        node.value = String(YAML.parse(raw, { schema: 'failsafe' }));
      },
    });
  }
  return doc.toJS();
}

export function loadCorpus(dir, { set = '', name = '' } = {}) {
  const files = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e.name)) files.push(p);
    }
  };
  walk(dir);
  const cases = [];
  for (const f of files) {
    const y = loadYaml(fs.readFileSync(f, 'utf8')) ?? {};
    const setName = path.basename(path.dirname(f));
    const caseName = path.basename(f).replace(/\.ya?ml$/, '');
    if ((set && set !== setName) || (name && name !== caseName)) continue;
    cases.push({
      set: setName,
      name: caseName,
      type: y.type || 'unknown',
      payloads: y.payload || [],
      encoders: y.encoder || [],
      placeholders: (y.placeholder || []).map((p) => (typeof p === 'string' ? { name: p, conf: {} } : { name: Object.keys(p)[0], conf: Object.values(p)[0] || {} })),
      // GoTestWAF: sets whose name contains "false" hold legitimate requests; "api" sets score as API security.
      truePositive: !setName.includes('false'),
      api: setName.includes('api'),
    });
  }
  return cases;
}
