// Custom plugins from PORTCULLIS_PLUGINS_PATH: one folder per plugin holding handler.js and
// schema.js (ES modules), the way Kong loads kong.plugins.<name>.handler/schema from lua_package_path.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PluginDefinition } from './types.js';

async function importFirst(dir: string, base: string): Promise<Record<string, any> | null> {
  for (const ext of ['.js', '.mjs']) {
    const file = path.join(dir, base + ext);
    if (fs.existsSync(file)) return (await import(pathToFileURL(file).href)) as Record<string, any>;
  }
  return null;
}

/** Load the named plugins (or every folder when `names` is null) from `root`. */
export async function loadCustomPlugins(root: string, names: string[] | null): Promise<PluginDefinition[]> {
  if (!fs.existsSync(root)) throw new Error(`plugins path '${root}' does not exist`);
  const folders = fs.readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  const out: PluginDefinition[] = [];
  for (const name of folders) {
    if (names && !names.includes(name)) continue;
    const dir = path.join(root, name);
    const h = await importFirst(dir, 'handler');
    const s = await importFirst(dir, 'schema');
    if (!h || !s) throw new Error(`plugin '${name}' in ${dir} needs handler.js and schema.js`);
    const handler = h.handler ?? h.default;
    const schema = s.schema ?? s.default;
    if (!handler || (typeof handler !== 'object' && typeof handler !== 'function')) throw new Error(`plugin '${name}': handler.js must export 'handler'`);
    if (!schema || typeof schema !== 'object' || !schema.config) throw new Error(`plugin '${name}': schema.js must export 'schema' with a 'config' record`);
    out.push({
      name,
      version: String(h.VERSION ?? handler.VERSION ?? '1.0.0'),
      priority: Number(h.PRIORITY ?? handler.PRIORITY ?? 0),
      schema: { ...schema, name },
      handler,
    });
  }
  return out;
}
