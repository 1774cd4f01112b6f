// rate-limiting `policy: cluster` counters (kong/plugins/rate-limiting/migrations: 000_base_rate_limiting,
// 003_10_to_112, and the ttl column Kong's cleanup uses): one row per (identifier, period, window start,
// service, route), incremented by upsert from every node.
import type { Migration } from './index.js';

export const migration: Migration = {
  name: '001_rate_limiting',
  up: `
CREATE TABLE IF NOT EXISTS ratelimiting_metrics (
  identifier text NOT NULL,
  period text NOT NULL,
  period_date timestamptz NOT NULL,
  service_id uuid NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000'::uuid,
  route_id uuid NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000'::uuid,
  value integer,
  ttl timestamptz,
  PRIMARY KEY (identifier, period, period_date, service_id, route_id)
);
CREATE INDEX IF NOT EXISTS ratelimiting_metrics_idx ON ratelimiting_metrics (service_id, route_id, period_date, period);
CREATE INDEX IF NOT EXISTS ratelimiting_metrics_ttl_idx ON ratelimiting_metrics (ttl);
`,
};
