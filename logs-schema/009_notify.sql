-- 009_notify: delivery of events to the configured notify: destinations.
-- The events table is the outbox: each destination keeps a cursor (the id
-- of the last event it took), moved only after its command succeeded, so
-- delivery is at least once, in order per destination, and survives a
-- kill -9 of the daemon (delivery resumes at the cursor).

CREATE TABLE notify_state (
    dest        TEXT PRIMARY KEY,        -- the destination's name in notify:
    cursor      INTEGER NOT NULL,        -- events up to this id are delivered (or not for it)
    attempts    INTEGER NOT NULL DEFAULT 0,  -- failed tries of the next event
    next_at     INTEGER NOT NULL DEFAULT 0,  -- no try before (backoff)
    last_error  TEXT,
    last_ok_at  INTEGER,
    delivered   INTEGER NOT NULL DEFAULT 0
);
