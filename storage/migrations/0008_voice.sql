-- Producers with a voice (issue 10): a photo for the producer's page; who follows which
-- producer in which ring; whether a ring lets producers' posts reach every member; the weekly
-- posts (one per producer and pickup); customers' questions to producers and their answers;
-- and the members who turned producers' posts off.
ALTER TABLE producers ADD COLUMN photo_file_id TEXT;

CREATE TABLE producer_follows (
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    ring_id     INTEGER NOT NULL REFERENCES rings(id) ON DELETE CASCADE,
    producer_id INTEGER NOT NULL REFERENCES producers(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, ring_id, producer_id)
);
CREATE INDEX producer_follows_by_producer ON producer_follows(ring_id, producer_id);

-- off: posts go to followers only; on: a producer may post to every member; approval: a post
-- to every member waits for an admin. A ring without a row is "off".
CREATE TABLE ring_post_rules (
    ring_id INTEGER PRIMARY KEY REFERENCES rings(id) ON DELETE CASCADE,
    rule    TEXT NOT NULL CHECK (rule IN ('off', 'on', 'approval'))
);

CREATE TABLE producer_posts (
    id            INTEGER PRIMARY KEY,
    producer_id   INTEGER NOT NULL REFERENCES producers(id) ON DELETE CASCADE,
    pickup_id     INTEGER NOT NULL REFERENCES pickups(id) ON DELETE CASCADE,
    text          TEXT NOT NULL,
    photo_file_id TEXT,
    audience      TEXT NOT NULL CHECK (audience IN ('followers', 'all')),
    status        TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'rejected')),
    recipients    INTEGER NOT NULL DEFAULT 0,
    decided_by    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at    TEXT NOT NULL,
    decided_at    TEXT,
    UNIQUE (producer_id, pickup_id)
);
CREATE INDEX producer_posts_pending ON producer_posts(status, pickup_id);

CREATE TABLE producer_questions (
    id          INTEGER PRIMARY KEY,
    ring_id     INTEGER NOT NULL REFERENCES rings(id) ON DELETE CASCADE,
    producer_id INTEGER NOT NULL REFERENCES producers(id) ON DELETE CASCADE,
    customer_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    text        TEXT NOT NULL,
    answer      TEXT,
    created_at  TEXT NOT NULL,
    answered_at TEXT
);
CREATE INDEX producer_questions_by_customer ON producer_questions(customer_id, created_at);

CREATE TABLE producer_post_optouts (
    user_id    INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);
