// A gateway node writing in a loop, to be killed with SIGKILL mid-write by resilience.test.ts.
// Runs the compiled store (dist/, built by the test global setup).
import { openPostgresStore } from '../../../dist/store/postgres/index.js';

const pg = JSON.parse(process.argv[2]);
const tag = process.argv[3] ?? 'w';
const quiet = { info() {}, warn() {}, error() {} };
const store = await openPostgresStore({ pg, db_update_frequency: 5 }, { get: () => undefined, isEnabled: () => false }, quiet, { nodeId: `writer-${tag}` });
process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  const c = await store.insert('consumers', { username: `${tag}-${i}` });
  for (let k = 0; k < 4; k++) await store.insert('keyauth_credentials', { consumer: { id: c.id }, key: `${tag}-${i}-${k}` });
  await store.insert('acls', { consumer: { id: c.id }, group: 'g' });
  // one transaction of six operations (cascade)
  if (i % 2 === 0) await store.delete('consumers', c.id);
  process.stdout.write(`${i}\n`);
}
