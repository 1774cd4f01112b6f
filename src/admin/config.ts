// /config: read the configuration as a declarative document, or replace it (DB-less only).
import YAML from 'yaml';
import crypto from 'node:crypto';
import { exportDeclarative } from '../store/declarative.js';
import { HttpError, parseYamlOrJson } from './http.js';
import type { AdminContext, AdminRouter } from './server.js';

const ONLY_DBLESS = { message: 'this endpoint is only available when Kong is configured to not use a database' };
const TRUTHY = ['1', 'true', 'on', 'yes'];

export function registerConfig(router: AdminRouter, ctx: AdminContext): void {
  router.add({
    pattern: '/config',
    bodyTypes: ['application/yaml', 'text/yaml', 'application/x-yaml', 'text/plain'],
    methods: {
      GET: () => {
        if (ctx.config.database !== 'off') throw new HttpError(400, ONLY_DBLESS);
        return { status: 200, body: { config: YAML.stringify(exportDeclarative(ctx.store)) } };
      },
      POST: async (req) => {
        if (ctx.config.database !== 'off' || !ctx.loadDeclarative) throw new HttpError(400, ONLY_DBLESS);
        let doc: unknown;
        let text: string | null = null;
        if (!req.form && req.body && typeof req.body === 'object' && '_format_version' in req.body) {
          doc = req.body;
        } else if (typeof req.body?.config === 'string') {
          text = req.body.config;
        } else if (req.raw && !req.form && !req.contentType.includes('json')) {
          text = req.raw;
        } else if (req.raw && req.contentType.includes('json') && Object.keys(req.body).length) {
          doc = req.body;
        }
        if (doc === undefined && text === null) throw new HttpError(400, { message: 'expected a declarative configuration' });
        if (text !== null) {
          const hash = crypto.createHash('md5').update(text).digest('hex');
          if (TRUTHY.includes(String(req.query.check_hash ?? '')) && hash === ctx.store.configHash) return { status: 304 };
          try {
            doc = parseYamlOrJson(text);
          } catch (err) {
            const msg = `failed parsing declarative configuration: ${(err as Error).message.split('\n')[0]}`;
            throw new HttpError(400, { code: 14, name: 'invalid declarative configuration', message: `declarative config is invalid: {error="${msg}"}`, fields: { error: msg } });
          }
        }
        const flatten = TRUTHY.includes(String(req.query.flatten_errors ?? ''));
        const result = await ctx.loadDeclarative(doc, text, { flattenErrors: flatten });
        return { status: 201, body: result };
      },
    },
  });
}
