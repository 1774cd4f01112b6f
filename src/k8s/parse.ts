// Kubernetes manifests: multi-document YAML files (and kubectl `kind: List`) into plain objects.
import YAML from 'yaml';
import type { Diagnostic, Manifest } from './types.js';

export interface ParsedManifests {
  manifests: Manifest[];
  diagnostics: Diagnostic[];
}

/** Parse one file's text. Bad YAML or a document that is not a Kubernetes object is an error diagnostic. */
export function parseManifestText(text: string, file: string): ParsedManifests {
  const manifests: Manifest[] = [];
  const diagnostics: Diagnostic[] = [];
  const docs = YAML.parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, index) => {
    const where = `document ${index + 1}`;
    if (doc.errors.length) {
      const e = doc.errors[0]!;
      diagnostics.push({ level: 'error', file, resource: where, message: `invalid YAML: ${e.message.split('\n')[0]!.replace(/:\s*$/, '')}` });
      return;
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return; // empty document (a trailing `---`, comments only)
    push(value, where, index);
  });
  function push(value: unknown, where: string, index: number): void {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      diagnostics.push({ level: 'error', file, resource: where, message: 'not a Kubernetes object (expected a mapping with apiVersion and kind)' });
      return;
    }
    const o = value as Record<string, unknown>;
    if (typeof o.kind !== 'string' || typeof o.apiVersion !== 'string') {
      // a Helm values file, a kustomize patch...: not invalid YAML, just not a manifest
      diagnostics.push({ level: 'warning', file, resource: where, message: 'not a Kubernetes object (no apiVersion and kind); skipped' });
      return;
    }
    if (o.kind === 'List' || (o.kind.endsWith('List') && Array.isArray(o.items))) {
      const items = Array.isArray(o.items) ? o.items : [];
      items.forEach((item, i) => push(item, `${where} item ${i + 1}`, index));
      return;
    }
    const meta = (o.metadata && typeof o.metadata === 'object' ? o.metadata : {}) as Record<string, unknown>;
    if (typeof meta.name !== 'string' || meta.name === '') {
      diagnostics.push({ level: 'error', file, resource: `${o.kind} (${where})`, message: 'metadata.name is required' });
      return;
    }
    manifests.push({ doc: o as Manifest['doc'], file, index });
  }
  return { manifests, diagnostics };
}
