// The filtering node's cluster-wide state: every node's hits and attacks (tagged with the node that
// recorded them) and the IP lists all nodes enforce. Times are epoch milliseconds, as the node's API
// and the embedded log use them.
import type { Migration } from './index.js';

export const migration: Migration = {
  name: '002_node_state',
  up: `
CREATE TABLE IF NOT EXISTS node_attacks (
  id text PRIMARY KEY,
  node_id text NOT NULL,
  type text NOT NULL,
  point jsonb NOT NULL,
  host text NOT NULL,
  path text NOT NULL,
  application text,
  first_time bigint NOT NULL,
  last_time bigint NOT NULL,
  hits integer NOT NULL DEFAULT 0,
  total integer NOT NULL DEFAULT 0,
  blocked integer NOT NULL DEFAULT 0,
  monitored integer NOT NULL DEFAULT 0,
  ips text[] NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS node_attacks_last_time ON node_attacks (last_time DESC);
CREATE INDEX IF NOT EXISTS node_attacks_type_time ON node_attacks (type, last_time DESC);
CREATE INDEX IF NOT EXISTS node_attacks_ips ON node_attacks USING gin (ips);

CREATE TABLE IF NOT EXISTS node_hits (
  id text PRIMARY KEY,
  node_id text NOT NULL,
  attack_id text NOT NULL,
  request_id text NOT NULL,
  time bigint NOT NULL,
  client_ip text,
  host text NOT NULL,
  method text NOT NULL,
  path text NOT NULL,
  point jsonb NOT NULL,
  type text NOT NULL,
  payload text NOT NULL,
  detector text NOT NULL,
  source text NOT NULL,
  verdict text NOT NULL,
  response_status integer,
  application text,
  false_positive boolean NOT NULL DEFAULT false,
  -- experimental, oob, response headers (redacted) and body size
  extra jsonb
);
CREATE INDEX IF NOT EXISTS node_hits_time ON node_hits (time DESC);
CREATE INDEX IF NOT EXISTS node_hits_type_time ON node_hits (type, time DESC);
CREATE INDEX IF NOT EXISTS node_hits_ip_time ON node_hits (client_ip, time DESC);
CREATE INDEX IF NOT EXISTS node_hits_attack ON node_hits (attack_id, time DESC);
CREATE INDEX IF NOT EXISTS node_hits_request ON node_hits (request_id);

-- rev (re-drawn from its sequence on every update) tells a node whether its copy is current
CREATE TABLE IF NOT EXISTS node_ip_lists (
  id text PRIMARY KEY,
  ip text NOT NULL,
  list text NOT NULL,
  reason text NOT NULL DEFAULT '',
  created_at bigint NOT NULL,
  expires_at bigint,
  application text,
  source text NOT NULL,
  trigger text,
  rev bigserial NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS node_ip_lists_key ON node_ip_lists (ip, list, (coalesce(application, '')));
CREATE INDEX IF NOT EXISTS node_ip_lists_expires ON node_ip_lists (expires_at);
`,
};
