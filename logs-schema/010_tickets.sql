-- 010_tickets: the live fault clocks (issue 13, docs/tickets.md). One row per
-- ticket named by an approval: its level (raised by escalations, history
-- kept), when the fault was reported (the first approval's --reported-at,
-- else its creation), when the response came (the first session), when a
-- report with result restored or repaired closed it, and when each limit's
-- escalation was raised (once per limit: the UPDATE is guarded by IS NULL).

CREATE TABLE tickets (
    ticket                TEXT PRIMARY KEY,
    opened_level          INTEGER NOT NULL CHECK (opened_level BETWEEN 1 AND 3),
    level                 INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3),
    level_history         TEXT NOT NULL,
    reported_at           INTEGER NOT NULL,
    opened_at             INTEGER NOT NULL,
    response_done_at      INTEGER,
    response_escalated_at INTEGER,
    repair_escalated_at   INTEGER,
    closed_at             INTEGER,
    closed_by_report      INTEGER
);
