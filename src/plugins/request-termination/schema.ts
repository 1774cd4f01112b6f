import type { PluginSchemaDef } from '../../store/schema/index.js';

export const schema: PluginSchemaDef = {
  name: 'request-termination',
  config: {
    type: 'record',
    fields: [
      { status_code: { type: 'integer', required: true, default: 503, between: [100, 599] } },
      { message: { type: 'string' } },
      { content_type: { type: 'string' } },
      { body: { type: 'string' } },
      { echo: { type: 'boolean', required: true, default: false } },
      { trigger: { type: 'string' } },
    ],
  },
  entity_checks: [
    (e) => {
      const c = e.config ?? {};
      if (c.message != null && c.body != null) {
        return { '@entity': ["message cannot be used with content_type or body"] };
      }
      if (c.content_type != null && c.body == null) {
        return { '@entity': ["content_type requires a body"] };
      }
      return undefined;
    },
  ],
};
