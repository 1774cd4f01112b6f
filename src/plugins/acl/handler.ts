// acl (kong/plugins/acl/handler.lua): allow or deny by the groups of the authenticated consumer
// (acls credentials), or by the groups an auth plugin attached to the request.
import type { Kong, PluginHandler } from '../types.js';

interface Conf {
  allow: string[] | null;
  deny: string[] | null;
  hide_groups_header: boolean;
  always_use_authenticated_groups: boolean;
}

/** Groups set by kong.client.authenticate-style plugins (ldap, oauth2): kong.ctx.shared first. */
function authenticatedGroups(kong: Kong): string[] | null {
  const shared = kong.ctx.shared.authenticated_groups;
  const groups = Array.isArray(shared) ? (shared as string[]) : kong.raw.authenticatedGroups;
  return groups && groups.length ? groups : null;
}

/** true when blocked, otherwise the header value (groups joined by ", "). */
function decide(conf: Conf, groups: string[]): true | string {
  const isDeny = !!conf.deny && conf.deny.length > 0;
  const list = (isDeny ? conf.deny : conf.allow) ?? [];
  const inGroup = groups.some((g) => list.includes(g));
  const blocked = isDeny ? inGroup : !inGroup;
  if (blocked) return true;
  return conf.hide_groups_header ? '' : groups.join(', ');
}

export const handler: PluginHandler = {
  access(kong: Kong, conf: Conf) {
    const consumer = kong.client.get_consumer();
    let result: true | string;
    let header = 'X-Consumer-Groups';
    if (!consumer) {
      const groups = authenticatedGroups(kong);
      if (!groups) {
        kong.log.err('Cannot identify the consumer, add an authentication plugin to use the ACL plugin');
        return kong.response.error(401, 'Unauthorized');
      }
      result = decide(conf, groups);
      header = 'X-Authenticated-Groups';
    } else {
      // authenticated groups override an anonymous consumer's groups (or always, when configured)
      const groups = !kong.client.get_credential() || conf.always_use_authenticated_groups ? authenticatedGroups(kong) : null;
      if (groups) {
        result = decide(conf, groups);
        header = 'X-Authenticated-Groups';
      } else {
        const consumerGroups = kong.db.find('acls', 'consumer', consumer.id).map((r) => String(r.group));
        result = decide(conf, consumerGroups);
      }
    }
    if (result === true) return kong.response.error(403, 'You cannot consume this service');
    if (!conf.hide_groups_header) kong.service.request.set_header(header, result);
  },
};
