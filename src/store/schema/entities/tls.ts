// certificates, snis, ca_certificates
import crypto from 'node:crypto';
import type { EntitySchema, FieldErrors } from '../types.js';
import * as t from '../typedefs.js';

function certError(pem: string): string | undefined {
  try {
    new crypto.X509Certificate(pem);
    return undefined;
  } catch (err) {
    return `invalid certificate: ${(err as Error).message}`;
  }
}

function keyError(pem: string): string | undefined {
  try {
    crypto.createPrivateKey(pem);
    return undefined;
  } catch (err) {
    return `invalid key: ${(err as Error).message}`;
  }
}

function keyMatches(cert: string, key: string): boolean {
  try {
    return new crypto.X509Certificate(cert).checkPrivateKey(crypto.createPrivateKey(key));
  } catch {
    return false;
  }
}

export const certificates: EntitySchema = {
  name: 'certificates',
  primary_key: ['id'],
  fields: [
    ...t.autoFields(),
    { cert: { type: 'string', required: true, custom: certError } },
    { key: { type: 'string', required: true, custom: keyError, encrypted: true } },
    { cert_alt: { type: 'string', custom: certError } },
    { key_alt: { type: 'string', custom: keyError, encrypted: true } },
    { tags: t.tags },
    { snis: { type: 'array', transient: true, elements: { type: 'string', custom: (v: string) => t.validateWildcardHost(v, false) } } },
  ],
  secrets: ['key', 'key_alt'],
  entity_checks: [
    (e) => {
      if ((e.cert_alt == null) !== (e.key_alt == null)) {
        return { '@entity': ["all or none of these fields must be set: 'cert_alt', 'key_alt'"] };
      }
      const errors: FieldErrors = {};
      if (!keyMatches(e.cert, e.key)) errors['@entity'] = ['certificate does not match key'];
      else if (e.cert_alt && !keyMatches(e.cert_alt, e.key_alt)) errors['@entity'] = ['alternative certificate does not match key'];
      return Object.keys(errors).length ? errors : undefined;
    },
  ],
};

export const snis: EntitySchema = {
  name: 'snis',
  primary_key: ['id'],
  endpoint_key: 'name',
  fields: [
    { id: t.id },
    {
      name: {
        type: 'string',
        required: true,
        unique: true,
        custom(v: string) {
          const err = t.validateWildcardHost(v, false);
          if (err) return err;
          if (/^[\d.]+$/.test(v) || v.includes(':')) return 'must not be an IP';
          return undefined;
        },
      },
    },
    { created_at: t.auto_timestamp_s },
    { updated_at: { ...t.auto_timestamp_s, timestamp_update: true } },
    { tags: t.tags },
    { certificate: { ...t.foreign('certificates', { on_delete: 'cascade' }), required: true } },
  ],
};

export const ca_certificates: EntitySchema = {
  name: 'ca_certificates',
  primary_key: ['id'],
  fields: [
    ...t.autoFields(),
    { cert: { type: 'string', required: true, unique: true, custom: certError } },
    { cert_digest: { type: 'string', unique: true } },
    { tags: t.tags },
  ],
  generate(input) {
    if (typeof input.cert === 'string' && !certError(input.cert)) {
      input.cert_digest = new crypto.X509Certificate(input.cert).fingerprint256.replace(/:/g, '').toLowerCase();
    }
  },
};
