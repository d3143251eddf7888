-- 013_event_chain: every event gets a gap-free sequence number and a
-- SHA-256 hash over its fields and the hash before it (gateway/evchain.c),
-- so `remgatectl events verify` finds an edited, deleted or reordered row.
-- actor is who did it where that is not the engineer: an administrator
-- (`ssh:NAME`) or a local account (`local:USER`), e.g. for `access` events.
-- Rows from before this migration are chained by the first event after it.

ALTER TABLE events ADD COLUMN actor TEXT;
ALTER TABLE events ADD COLUMN seq INTEGER;
ALTER TABLE events ADD COLUMN prev_hash TEXT;
ALTER TABLE events ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX events_seq ON events (seq);
CREATE INDEX events_unchained ON events (id) WHERE seq IS NULL;
