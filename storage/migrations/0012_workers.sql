-- Several workers on one PostgreSQL database (the same file runs on SQLite, with one worker).
--
-- A worker claims the oldest pending update of a chat; this index finds "is there an older
-- pending update of the same chat" in one probe, however long the backlog.
CREATE INDEX inbox_chat_pending ON inbox(chat_id, update_id) WHERE done_at IS NULL;

-- The leader: the one worker that runs the sweep and the outbox sender. One row, written by
-- whoever holds the leader's lock (storage/locks.py); the other workers read when its sweep
-- last completed, so their /healthz can say whether the bot's due work is being done.
CREATE TABLE leadership (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    worker     TEXT NOT NULL,        -- who leads: host and pid, for the operator
    elected_at TEXT NOT NULL,
    swept_at   TEXT                  -- when its sweep last completed a run; NULL before one
);
