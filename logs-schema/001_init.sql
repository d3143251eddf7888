-- 001_init: approvals, sessions and audit events.
-- Times are UTC seconds since the epoch.

CREATE TABLE approvals (
    id            INTEGER PRIMARY KEY,
    engineer      TEXT    NOT NULL,
    target        TEXT    NOT NULL,
    ticket        TEXT    NOT NULL,
    level         INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3),
    phase         TEXT    NOT NULL CHECK (phase IN ('diagnose', 'implement')),
    approver      TEXT    NOT NULL,
    method        TEXT    NOT NULL
                  CHECK (method IN ('written', 'email', 'fax', 'phone', 'console')),
    note          TEXT,
    valid_from    INTEGER NOT NULL,
    valid_until   INTEGER NOT NULL CHECK (valid_until > valid_from),
    max_sessions  INTEGER NOT NULL CHECK (max_sessions >= 1),
    uses          INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0),
    token_salt    BLOB    NOT NULL,
    token_hash    BLOB    NOT NULL,
    created_at    INTEGER NOT NULL,
    created_by    TEXT    NOT NULL,
    revoked_at    INTEGER,
    revoked_by    TEXT
);
CREATE INDEX approvals_engineer_target ON approvals (engineer, target);

CREATE TABLE sessions (
    id            TEXT    PRIMARY KEY,
    engineer      TEXT    NOT NULL,
    target        TEXT    NOT NULL,
    approval_id   INTEGER NOT NULL REFERENCES approvals (id),
    client_addr   TEXT    NOT NULL,
    pid           INTEGER NOT NULL,
    kind          TEXT,               -- shell | exec, once the channel asks
    command       TEXT,               -- the exec command line
    started_at    INTEGER NOT NULL,
    ended_at      INTEGER,
    exit_status   INTEGER,
    exit_signal   TEXT,
    end_reason    TEXT,               -- normal | client_closed | target_lost | killed | abnormal: …
    bytes_in      INTEGER NOT NULL DEFAULT 0,  -- engineer → target
    bytes_out     INTEGER NOT NULL DEFAULT 0   -- target → engineer
);
CREATE INDEX sessions_open ON sessions (ended_at) WHERE ended_at IS NULL;

CREATE TABLE events (
    id            INTEGER PRIMARY KEY,
    ts            INTEGER NOT NULL,
    kind          TEXT    NOT NULL,   -- e.g. session_refused, session_start, approval_created
    session_id    TEXT,               -- connection id, also for refused connections
    engineer      TEXT,
    target        TEXT,
    approval_id   INTEGER,
    client_addr   TEXT,
    reason        TEXT,               -- machine-readable reason code for refusals
    detail        TEXT                -- human-readable text
);
CREATE INDEX events_ts ON events (ts);
CREATE INDEX events_session ON events (session_id);
