// response-ratelimiting `policy: cluster` counters (kong/plugins/response-ratelimiting/migrations/
// 000_base_response_rate_limiting): the period column holds `<limit name>_<period>`.
import type { Migration } from './index.js';

export const migration: Migration = {
  name: '003_response_ratelimiting',
  up: `
CREATE TABLE IF NOT EXISTS response_ratelimiting_metrics (
  identifier text NOT NULL,
  period text NOT NULL,
  period_date timestamptz NOT NULL,
  service_id uuid NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000'::uuid,
  route_id uuid NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000'::uuid,
  value integer,
  ttl timestamptz,
  PRIMARY KEY (identifier, period, period_date, service_id, route_id)
);
CREATE INDEX IF NOT EXISTS response_ratelimiting_metrics_ttl_idx ON response_ratelimiting_metrics (ttl);
`,
};
