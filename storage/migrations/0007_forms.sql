-- Open questions: the one question each user is asked in the chat and has not answered yet.
-- Read for every update (never held in memory), so a restart or another worker keeps it: the
-- form it belongs to, the ring and item it is about, the step asked, the draft so far (JSON
-- the form validates when it reads it back) and the token its buttons carry.
CREATE TABLE questions (
    user_id    INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL,
    ring_id    INTEGER NOT NULL DEFAULT 0,
    target_id  INTEGER NOT NULL DEFAULT 0,
    asking     TEXT    NOT NULL DEFAULT '',
    draft      TEXT    NOT NULL DEFAULT '{}',
    token      INTEGER NOT NULL,
    updated_at TEXT    NOT NULL
);
