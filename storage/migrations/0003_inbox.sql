-- The inbox: every update Telegram handed to the bot, stored before it is acknowledged.
-- A row is pending until it has been processed (done_at set). Its payload is cleared then:
-- only the update_id stays, for as long as Telegram could deliver the same update again.

CREATE TABLE inbox (
    update_id   INTEGER PRIMARY KEY,                -- Telegram's id; a second copy is ignored
    chat_id     INTEGER,                            -- whose conversation it belongs to, if any
    payload     TEXT,                               -- the Update JSON; NULL once done
    attempts    INTEGER NOT NULL DEFAULT 0,         -- times processing started
    received_at TEXT NOT NULL,
    done_at     TEXT
);
CREATE INDEX inbox_pending ON inbox(update_id) WHERE done_at IS NULL;
CREATE INDEX inbox_done ON inbox(done_at) WHERE done_at IS NOT NULL;
