-- 002_recordings: each session's recording file and seal, the commands
-- reconstructed from it, and kill requests from remgatectl.

ALTER TABLE sessions ADD COLUMN recording TEXT;          -- path of the .rgrec file
ALTER TABLE sessions ADD COLUMN rec_records INTEGER;     -- records sealed (seal excluded)
ALTER TABLE sessions ADD COLUMN rec_head TEXT;           -- chain head, hex, as sealed
ALTER TABLE sessions ADD COLUMN kill_requested_at INTEGER;
ALTER TABLE sessions ADD COLUMN kill_requested_by TEXT;
ALTER TABLE sessions ADD COLUMN kill_reason TEXT;

CREATE TABLE commands (
    id          INTEGER PRIMARY KEY,
    session_id  TEXT    NOT NULL REFERENCES sessions (id),
    seq         INTEGER NOT NULL,                 -- 0, 1, 2 … within the session
    ts_us       INTEGER NOT NULL,                 -- when it was submitted, µs since the epoch
    kind        TEXT    NOT NULL CHECK (kind IN ('exec', 'line', 'fullscreen', 'masked')),
    text        TEXT    NOT NULL,
    certain     INTEGER NOT NULL CHECK (certain IN (0, 1)),
    UNIQUE (session_id, seq)
);
CREATE INDEX commands_ts ON commands (ts_us);
