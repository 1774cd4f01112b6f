import type { PluginSchemaDef } from '../../store/schema/index.js';

const MODES = ['off', 'monitoring', 'safe_blocking', 'block'];

export const schema: PluginSchemaDef = {
  name: 'wallarm-plugin',
  protocols: {
    type: 'set',
    required: true,
    default: ['grpc', 'grpcs', 'http', 'https'],
    elements: { type: 'string', one_of: ['grpc', 'grpcs', 'http', 'https'] },
  },
  config: {
    type: 'record',
    fields: [
      // the connector's own settings, as users already write them
      { blocking: { type: 'boolean', required: true, default: true, description: 'Wait for the verdict (in-line); false mirrors out-of-band.' } },
      {
        wallarm_node_address: {
          type: 'string',
          custom: (v: string) => (/^https?:\/\/[^/\s]+/.test(v) ? undefined : 'must be an http:// or https:// URL'),
          description: 'Filtering node URL; without it the engine runs in-process.',
        },
      },
      { timeout_ms: { type: 'integer', required: true, default: 1000, between: [1, 60000] } },
      // Portcullis additions, with safe defaults
      { mode: { type: 'string', one_of: MODES, description: 'Overrides the node mode for this scope.' } },
      { application: { type: 'string' } },
      { fallback_action: { type: 'string', required: true, default: 'pass', one_of: ['pass', 'block'] } },
      { inspect_response: { type: 'boolean', required: true, default: false } },
      { request_body_limit: { type: 'integer', required: true, default: 1048576, between: [0, 67108864] } },
      { response_body_limit: { type: 'integer', required: true, default: 4096, between: [0, 67108864] } },
      { block_status: { type: 'integer', required: true, default: 403, between: [400, 599] } },
      { block_body: { type: 'string', required: true, default: '{"error": {"code": 403, "message": "request blocked"}}', len_min: 0 } },
      { block_content_type: { type: 'string', required: true, default: 'application/json' } },
    ],
  },
};
