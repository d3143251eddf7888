-- 007_reviews: the command guard's review queue (docs/policy.md). A line
-- or an exec that a `review` rule matched waits here for a customer
-- administrator; exactly one decision is taken (the UPDATE is guarded by
-- status = 'pending'), and the session that asked runs the command once if
-- it is approved, never otherwise.
--
-- status: pending | approved | denied | expired (review_timeout passed) |
-- cancelled (the engineer pressed Ctrl-C) | abandoned (the session ended).

CREATE TABLE reviews (
    id           INTEGER PRIMARY KEY,
    session_id   TEXT NOT NULL REFERENCES sessions(id),
    approval_id  INTEGER NOT NULL,
    engineer     TEXT NOT NULL,
    target       TEXT NOT NULL,
    kind         TEXT NOT NULL,          -- line | exec
    rule         TEXT NOT NULL,
    command      TEXT NOT NULL,
    requested_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending',
    decided_at   INTEGER,
    decided_by   TEXT,                   -- the administrator, or "remgate" for expired/cancelled/abandoned
    method       TEXT,                   -- approve: written | email | fax | phone | console
    note         TEXT                    -- approve --note, or deny --reason
);
CREATE INDEX reviews_pending ON reviews(status, expires_at);
CREATE INDEX reviews_session ON reviews(session_id);

-- The guard's judgement of each command, as the command list shows it:
-- NULL when no rule spoke, else e.g. "review reboot: approved by wang (phone)".
ALTER TABLE commands ADD COLUMN guard TEXT;
