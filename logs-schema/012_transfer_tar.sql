-- 012_transfer_tar: tar over ssh (an archive on stdin or stdout) is a
-- transfer like rsync and git (one row per exec). SQLite cannot change a
-- CHECK in place: the table is rebuilt with the wider protocol list.

CREATE TABLE transfers_new (
    id             INTEGER PRIMARY KEY,
    session_id     TEXT    NOT NULL REFERENCES sessions (id),
    ts_us          INTEGER NOT NULL,
    protocol       TEXT    NOT NULL CHECK (protocol IN ('sftp', 'scp', 'rsync', 'git', 'tar')),
    op             TEXT    NOT NULL,
    path           TEXT,                     -- rsync, git, tar: the command that ran
    path2          TEXT,
    flags          TEXT,
    bytes_read     INTEGER,
    bytes_written  INTEGER,
    sha256         TEXT,
    status         TEXT    NOT NULL,
    by_gateway     INTEGER NOT NULL DEFAULT 0 CHECK (by_gateway IN (0, 1)),
    message        TEXT
);
INSERT INTO transfers_new SELECT id, session_id, ts_us, protocol, op, path, path2, flags, bytes_read, bytes_written,
    sha256, status, by_gateway, message FROM transfers;
DROP TABLE transfers;
ALTER TABLE transfers_new RENAME TO transfers;
CREATE INDEX transfers_session ON transfers (session_id, id);
