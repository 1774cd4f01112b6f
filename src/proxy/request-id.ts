import crypto from 'node:crypto';

// 32 hex characters like Kong's request ids: a random 64-bit prefix, renewed every 2^24 ids,
// then a counter, so generating one costs no syscall on the hot path.
let prefix = '';
let counter = 0;

export function nextRequestId(): string {
  if ((counter & 0xffffff) === 0) prefix = crypto.randomBytes(8).toString('hex');
  counter = (counter + 1) >>> 0;
  return prefix + counter.toString(16).padStart(16, '0');
}
