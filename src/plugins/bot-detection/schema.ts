// bot-detection (kong/plugins/bot-detection/schema.lua)
import type { Field, PluginSchemaDef } from '../../store/schema/index.js';
import { protocols_http } from '../../store/schema/typedefs.js';
import { renameShorthand } from '../shared/checks.js';
import { isRegex } from '../shared/regex.js';

const regex: Field = { type: 'string', custom: (v: string) => (isRegex(v) ? undefined : `not a valid regex: ${v}`) };

export const schema: PluginSchemaDef = {
  name: 'bot-detection',
  no_consumer: true,
  protocols: protocols_http,
  config: {
    type: 'record',
    fields: [
      { allow: { type: 'array', elements: regex, default: [] } },
      { deny: { type: 'array', elements: regex, default: [] } },
    ],
  },
  shorthand: renameShorthand({ whitelist: 'allow', blacklist: 'deny' }),
};
