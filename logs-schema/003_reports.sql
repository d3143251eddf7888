-- 003_reports: the fault database (signed fault-handling reports, searchable
-- with FTS5) and the history of the gateway's signing keys.

CREATE TABLE signing_keys (
    fingerprint   TEXT    PRIMARY KEY,      -- SHA256:… as ssh-keygen -lf prints it
    public_key    TEXT    NOT NULL,         -- ssh-ed25519 AAAA…
    valid_after   INTEGER NOT NULL,         -- first use
    valid_before  INTEGER,                  -- set when rotated out; NULL for the current key
    retired_by    TEXT
);

CREATE TABLE reports (
    id            INTEGER PRIMARY KEY,
    created_at    INTEGER NOT NULL,
    created_by    TEXT    NOT NULL,         -- local:USER, or engineer:NAME over SSH
    ticket        TEXT    NOT NULL,
    level         INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3),
    targets       TEXT    NOT NULL,         -- space-separated
    engineers     TEXT    NOT NULL,
    fault         TEXT    NOT NULL,
    cause         TEXT    NOT NULL,
    actions       TEXT    NOT NULL,
    result        TEXT    NOT NULL
                  CHECK (result IN ('restored', 'repaired', 'workaround', 'unresolved')),
    prevention    TEXT    NOT NULL,
    followup      TEXT,
    escalate      INTEGER NOT NULL CHECK (escalate IN (0, 1)),
    bundle_dir    TEXT    NOT NULL,
    report_json   TEXT    NOT NULL,         -- the signed bytes, as in the bundle
    signing_key   TEXT    NOT NULL          -- fingerprint
);
CREATE INDEX reports_ticket ON reports (ticket);

CREATE TABLE report_sessions (
    report_id     INTEGER NOT NULL REFERENCES reports (id),
    session_id    TEXT    NOT NULL REFERENCES sessions (id),
    PRIMARY KEY (report_id, session_id)
);

-- Full-text index of the reports (rowid = reports.id), written with each report.
CREATE VIRTUAL TABLE reports_fts USING fts5 (
    ticket, targets, engineers, fault, cause, actions, prevention, followup, commands,
    tokenize = 'unicode61 remove_diacritics 2'
);
