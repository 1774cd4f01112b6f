// basic-auth (kong/plugins/basic-auth/access.lua): `Authorization: Basic` (or Proxy-Authorization)
// checked against basicauth_credentials, whose passwords are stored as sha1(password .. consumer_id).
import crypto from 'node:crypto';
import type { Kong, PluginHandler } from '../types.js';
import { setConsumerHeaders, useAnonymous } from '../shared/consumer.js';

interface Conf {
  anonymous: string | null;
  hide_credentials: boolean;
  realm: string;
}

const BASIC_RE = /\s*[Bb]asic\s*(.+)/;
const PARTS_RE = /([^:]+):(.*)/;
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/** ngx.decode_base64: undefined for input that is not base64. */
function decodeBase64(s: string): string | undefined {
  if (!BASE64_RE.test(s) || s.length % 4 === 1) return undefined;
  return Buffer.from(s, 'base64').toString('latin1');
}

function retrieveCredentials(kong: Kong, header: string, conf: Conf): { username?: string; password?: string } {
  const out: { username?: string; password?: string } = {};
  const value = kong.request.get_header(header);
  if (value !== undefined) {
    const m = BASIC_RE.exec(value);
    const decoded = m ? decodeBase64(m[1]!) : undefined;
    if (decoded !== undefined) {
      const parts = PARTS_RE.exec(decoded);
      if (parts) {
        // the decoded bytes are UTF-8 text in practice; Kong compares raw bytes
        out.username = Buffer.from(parts[1]!, 'latin1').toString('utf8');
        out.password = Buffer.from(parts[2]!, 'latin1').toString('utf8');
      }
    }
  }
  if (conf.hide_credentials) kong.service.request.clear_header(header);
  return out;
}

export function hashPassword(password: string, consumerId: string): string {
  return crypto.createHash('sha1').update(password + consumerId).digest('hex');
}

function loadCredential(kong: Kong, username: string | undefined) {
  if (username === undefined) return undefined;
  return kong.db.find('basicauth_credentials', 'username', username)[0];
}

/** true, or the 401 message. */
function authenticate(kong: Kong, conf: Conf): true | string {
  if (kong.request.get_header('authorization') === undefined && kong.request.get_header('proxy-authorization') === undefined) {
    return 'Unauthorized';
  }
  let given = retrieveCredentials(kong, 'proxy-authorization', conf);
  let credential = loadCredential(kong, given.username);
  if (!credential) {
    given = retrieveCredentials(kong, 'authorization', conf);
    credential = loadCredential(kong, given.username);
  }
  if (!credential || credential.password !== hashPassword(given.password ?? '', credential.consumer.id)) {
    return 'Invalid authentication credentials';
  }
  const consumer = kong.db.get('consumers', credential.consumer.id);
  setConsumerHeaders(kong, (consumer as any) ?? null, { id: credential.id, consumer: credential.consumer, username: credential.username });
  return true;
}

export const handler: PluginHandler = {
  access(kong: Kong, conf: Conf) {
    // logical OR with other auth plugins: already authenticated
    if (conf.anonymous && kong.client.get_credential()) return;
    const r = authenticate(kong, conf);
    if (r === true) return;
    if (conf.anonymous) return useAnonymous(kong, conf.anonymous);
    return kong.response.error(401, r, { 'WWW-Authenticate': `Basic realm="${conf.realm}"` });
  },
};
