-- 014_console: the web console's one-time login links and browser sessions
-- (docs/console.md). Only SHA-256 hashes of the secrets are kept: a copy
-- of the store lets nobody log in.

CREATE TABLE console_logins (
    token_hash  TEXT PRIMARY KEY,        -- hex SHA-256 of the link's secret
    admin       TEXT NOT NULL,           -- the link logs in this administrator and no one else
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER                  -- set once, atomically: a link works one time
);

CREATE TABLE console_sessions (
    id_hash     TEXT PRIMARY KEY,        -- hex SHA-256 of the cookie's secret
    admin       TEXT NOT NULL,
    csrf        TEXT NOT NULL,           -- sent back on every change (X-CSRF-Token)
    created_at  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    ended_at    INTEGER,
    end_reason  TEXT                     -- logout, idle, lifetime
);
