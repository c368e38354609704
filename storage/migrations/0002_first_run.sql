-- A first run that leads somewhere: rings can be archived, and an operator can invite someone
-- to set up their own ring with a one-time link.

-- An archived ring is hidden from customers and gets no sweeps; its data is kept.
ALTER TABLE rings ADD COLUMN archived_at TEXT;

-- A one-time invitation: whoever opens t.me/<bot>?start=<token> sets up a new ring and becomes
-- its admin. Only a hash of the token is kept, so the table alone cannot be used to accept one.
-- No foreign keys to users: an invitation must not stand in the way of deleting a person.
CREATE TABLE ring_invitations (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,               -- sha256 hex of the token in the link
    created_by  INTEGER NOT NULL,                   -- the operator who made it
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_by     INTEGER,                            -- who set up a ring with it
    used_at     TEXT,
    ring_id     INTEGER REFERENCES rings(id) ON DELETE SET NULL
);

-- Users with a negative id are made up (the demo's producers): Telegram user ids are positive.
-- Marked unreachable, the outbox never calls Telegram for them (see rekobot/demo.py).
UPDATE users SET unreachable_at = COALESCE(unreachable_at, strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'))
WHERE id < 0;
