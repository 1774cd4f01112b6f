// acl (kong/plugins/acl/schema.lua)
import type { PluginSchemaDef } from '../../store/schema/index.js';
import { protocols_http } from '../../store/schema/typedefs.js';
import { atLeastOneOf, onlyOneOf, renameShorthand } from '../shared/checks.js';

export const schema: PluginSchemaDef = {
  name: 'acl',
  no_consumer: true,
  protocols: protocols_http,
  config: {
    type: 'record',
    fields: [
      { allow: { type: 'array', elements: { type: 'string' } } },
      { deny: { type: 'array', elements: { type: 'string' } } },
      { hide_groups_header: { type: 'boolean', required: true, default: false } },
      { always_use_authenticated_groups: { type: 'boolean', required: true, default: false } },
    ],
  },
  // deprecated names kept as input shorthands
  shorthand: renameShorthand({ whitelist: 'allow', blacklist: 'deny' }),
  entity_checks: [onlyOneOf('config.allow', 'config.deny'), atLeastOneOf('config.allow', 'config.deny')],
};
