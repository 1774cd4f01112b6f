// What every authentication plugin does once it knows the consumer (kong/plugins/*/access.lua set_consumer).
import type { Kong } from '../types.js';
import type { Consumer, Credential } from '../../pdk/index.js';

export function setConsumerHeaders(kong: Kong, consumer: Consumer | null, credential: Credential | null): void {
  const req = kong.service.request;
  if (consumer) {
    req.set_header('X-Consumer-ID', consumer.id);
    if (consumer.custom_id) req.set_header('X-Consumer-Custom-ID', consumer.custom_id);
    else req.clear_header('X-Consumer-Custom-ID');
    if (consumer.username) req.set_header('X-Consumer-Username', consumer.username);
    else req.clear_header('X-Consumer-Username');
  } else {
    req.clear_header('X-Consumer-ID');
    req.clear_header('X-Consumer-Custom-ID');
    req.clear_header('X-Consumer-Username');
  }
  const identifier = credential && (credential as any).username ? String((credential as any).username) : credential?.id;
  if (identifier) req.set_header('X-Credential-Identifier', identifier);
  else req.clear_header('X-Credential-Identifier');
  if (credential) req.clear_header('X-Anonymous-Consumer');
  else req.set_header('X-Anonymous-Consumer', 'true');
  kong.client.authenticate(consumer, credential);
}

/** Fall back to the configured anonymous consumer (id or username); 500 when it does not exist. */
export function useAnonymous(kong: Kong, anonymous: string) {
  const consumer = kong.client.load_consumer(anonymous, true);
  if (!consumer) return kong.response.error(500, `anonymous consumer ${anonymous} is configured but doesn't exist`);
  setConsumerHeaders(kong, consumer, null);
  return undefined;
}
