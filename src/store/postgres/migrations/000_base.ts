// The store's tables. Every entity is one JSON row; the database arbitrates what several gateway
// nodes race on: unique fields and cache keys (unique_keys), foreign keys (refs), and the order of
// changes (changes.seq, written under one advisory lock so commit order = seq order).
import type { Migration } from './index.js';

export const migration: Migration = {
  name: '000_base',
  up: `
CREATE TABLE IF NOT EXISTS entities (
  entity text NOT NULL,
  id uuid NOT NULL,
  row json NOT NULL,
  PRIMARY KEY (entity, id)
);

-- one row per unique field value and per cache_key; values longer than 256 chars are stored hashed
CREATE TABLE IF NOT EXISTS unique_keys (
  entity text NOT NULL,
  field text NOT NULL,
  value text NOT NULL,
  id uuid NOT NULL,
  PRIMARY KEY (entity, field, value),
  FOREIGN KEY (entity, id) REFERENCES entities (entity, id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS unique_keys_owner ON unique_keys (entity, id);

-- one row per foreign key held by an entity; a parent cannot vanish under a child another node wrote
CREATE TABLE IF NOT EXISTS refs (
  entity text NOT NULL,
  id uuid NOT NULL,
  field text NOT NULL,
  parent_entity text NOT NULL,
  parent_id uuid NOT NULL,
  PRIMARY KEY (entity, id, field),
  FOREIGN KEY (entity, id) REFERENCES entities (entity, id) ON DELETE CASCADE,
  CONSTRAINT refs_parent_fkey FOREIGN KEY (parent_entity, parent_id) REFERENCES entities (entity, id) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX IF NOT EXISTS refs_parent ON refs (parent_entity, parent_id);

-- the change feed: each committed write, its operations in full
CREATE TABLE IF NOT EXISTS changes (
  seq bigserial PRIMARY KEY,
  node_id text NOT NULL,
  ops json NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS changes_at ON changes (at);

-- epoch changes when the database is reset; pruned_through is the highest seq deleted from changes
CREATE TABLE IF NOT EXISTS store_meta (
  id integer PRIMARY KEY CHECK (id = 1),
  epoch uuid NOT NULL,
  pruned_through bigint NOT NULL DEFAULT 0
);
INSERT INTO store_meta (id, epoch) VALUES (1, gen_random_uuid()) ON CONFLICT (id) DO NOTHING;
`,
};
