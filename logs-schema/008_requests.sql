-- 008_requests: engineers ask for access (ssh ENGINEER@gateway request ...),
-- customer administrators decide (remgatectl requests approve|deny). A
-- decision only moves a row from pending (racing approvers are safe); an
-- approved request points at the approval it created, whose token the
-- requesting engineer collects once (request wait): the token is made at
-- collection, so no secret is ever stored, only its hash in approvals.
--
-- status: pending | approved | denied | expired (request_ttl passed) |
-- cancelled (the engineer withdrew it).

CREATE TABLE requests (
    id           INTEGER PRIMARY KEY,
    engineer     TEXT NOT NULL,
    target       TEXT NOT NULL,
    ticket       TEXT NOT NULL,
    level        INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3),
    phase        TEXT NOT NULL DEFAULT 'diagnose',
    ops          TEXT,                   -- major operations asked for, space-separated rule names
    reason       TEXT NOT NULL,
    valid_secs   INTEGER NOT NULL,       -- the window asked for
    sessions     INTEGER NOT NULL,
    requested_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending',
    decided_at   INTEGER,
    decided_by   TEXT,
    method       TEXT,
    note         TEXT,                   -- approve --note, or deny --reason
    approval_id  INTEGER REFERENCES approvals(id),
    collected_at INTEGER                 -- the engineer took the token (once)
);
CREATE INDEX requests_status ON requests(status, expires_at);
CREATE INDEX requests_engineer ON requests(engineer);
