// ip-restriction (kong/plugins/ip-restriction/schema.lua)
import type { PluginSchemaDef } from '../../store/schema/index.js';
import type { Field } from '../../store/schema/index.js';
import { isIpOrCidr, protocols } from '../../store/schema/typedefs.js';
import { atLeastOneOf, renameShorthand } from '../shared/checks.js';

const ipOrCidr: Field = { type: 'string', custom: (v: string) => (isIpOrCidr(v) ? undefined : `invalid ip or cidr range: '${v}'`) };

export const schema: PluginSchemaDef = {
  name: 'ip-restriction',
  protocols: { ...protocols, default: ['http', 'https', 'tcp', 'tls', 'grpc', 'grpcs'] },
  config: {
    type: 'record',
    fields: [
      { allow: { type: 'array', elements: ipOrCidr } },
      { deny: { type: 'array', elements: ipOrCidr } },
      { status: { type: 'number', required: false } },
      { message: { type: 'string', required: false } },
    ],
  },
  shorthand: renameShorthand({ whitelist: 'allow', blacklist: 'deny' }),
  entity_checks: [atLeastOneOf('config.allow', 'config.deny')],
};
