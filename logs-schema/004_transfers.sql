-- 004_transfers: each file operation relayed over sftp or scp, and the
-- command list widened to hold them (kind 'transfer').

CREATE TABLE transfers (
    id             INTEGER PRIMARY KEY,
    session_id     TEXT    NOT NULL REFERENCES sessions (id),
    ts_us          INTEGER NOT NULL,         -- when the device answered, µs since the epoch
    protocol       TEXT    NOT NULL CHECK (protocol IN ('sftp', 'scp')),
    op             TEXT    NOT NULL,         -- open opendir close remove rename mkdir rmdir setstat symlink hardlink
                                             -- copy-data write extended | upload download error (scp)
    path           TEXT,
    path2          TEXT,                     -- rename, symlink, hardlink: the other path
    flags          TEXT,                     -- open/close: read,write,create,truncate,append,excl
    bytes_read     INTEGER,                  -- device to engineer
    bytes_written  INTEGER,                  -- engineer to device
    sha256         TEXT,                     -- of what passed, when it passed whole and in order
    status         TEXT    NOT NULL,         -- OK, NO_SUCH_FILE, PERMISSION_DENIED, … INCOMPLETE, REFUSED
    by_gateway     INTEGER NOT NULL DEFAULT 0 CHECK (by_gateway IN (0, 1)),  -- refused here by policy
    message        TEXT
);
CREATE INDEX transfers_session ON transfers (session_id, id);

-- SQLite cannot change a CHECK in place: rebuild commands with 'transfer' allowed.
CREATE TABLE commands_new (
    id          INTEGER PRIMARY KEY,
    session_id  TEXT    NOT NULL REFERENCES sessions (id),
    seq         INTEGER NOT NULL,
    ts_us       INTEGER NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('exec', 'line', 'fullscreen', 'masked', 'transfer')),
    text        TEXT    NOT NULL,
    certain     INTEGER NOT NULL CHECK (certain IN (0, 1)),
    UNIQUE (session_id, seq)
);
INSERT INTO commands_new SELECT id, session_id, seq, ts_us, kind, text, certain FROM commands;
DROP TABLE commands;
ALTER TABLE commands_new RENAME TO commands;
CREATE INDEX commands_ts ON commands (ts_us);
