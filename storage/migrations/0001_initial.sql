-- rekobot's first schema: rings, people, the catalog, orders and the outbox.
-- Times are ISO-8601 UTC strings ("2026-11-27T10:00:00+00:00"); money is integer minor units.

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,            -- the Telegram user id
    first_name      TEXT NOT NULL DEFAULT '',
    last_name       TEXT,
    username        TEXT,
    language_code   TEXT,                           -- what Telegram says the client speaks
    locale          TEXT,                           -- chosen with /language; NULL = guess
    current_ring_id INTEGER REFERENCES rings(id) ON DELETE SET NULL,
    reminders_enabled     INTEGER NOT NULL DEFAULT 1,
    announcements_enabled INTEGER NOT NULL DEFAULT 1,
    unreachable_at  TEXT,                           -- set when Telegram says the user blocked us
    created_at      TEXT NOT NULL
);

CREATE TABLE rings (
    id              INTEGER PRIMARY KEY,
    slug            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    timezone        TEXT NOT NULL,
    locale          TEXT NOT NULL,
    currency        TEXT NOT NULL CHECK (currency IN ('NOK', 'SEK', 'EUR', 'DKK')),
    deadline_hours  INTEGER NOT NULL DEFAULT 36 CHECK (deadline_hours >= 0),
    evening_reminder_time TEXT NOT NULL DEFAULT '19:00',   -- local time, the evening before
    created_at      TEXT NOT NULL
);

CREATE TABLE categories (
    id       INTEGER PRIMARY KEY,
    ring_id  INTEGER NOT NULL REFERENCES rings(id) ON DELETE CASCADE,
    name     TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    UNIQUE (ring_id, name)
);

CREATE TABLE memberships (
    ring_id    INTEGER NOT NULL REFERENCES rings(id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    is_admin   INTEGER NOT NULL DEFAULT 0,
    blocked_at TEXT,
    joined_at  TEXT NOT NULL,
    PRIMARY KEY (ring_id, user_id)
);
CREATE INDEX memberships_user ON memberships(user_id);

CREATE TABLE locations (
    id            INTEGER PRIMARY KEY,
    ring_id       INTEGER NOT NULL REFERENCES rings(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    address       TEXT NOT NULL DEFAULT '',
    latitude      REAL,
    longitude     REAL,
    directions    TEXT NOT NULL DEFAULT '',
    photo_file_id TEXT,
    archived_at   TEXT,
    UNIQUE (ring_id, name)
);

CREATE TABLE pickups (
    id          INTEGER PRIMARY KEY,
    ring_id     INTEGER NOT NULL REFERENCES rings(id) ON DELETE CASCADE,
    location_id INTEGER NOT NULL REFERENCES locations(id),
    starts_at   TEXT NOT NULL,
    ends_at     TEXT NOT NULL,
    deadline    TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'scheduled'
                CHECK (status IN ('scheduled', 'cancelled', 'completed')),
    announced_at            TEXT,
    digest_sent_at          TEXT,
    evening_reminder_sent_at TEXT,
    hour_reminder_sent_at   TEXT,
    created_at  TEXT NOT NULL,
    CHECK (ends_at > starts_at),
    CHECK (deadline <= starts_at)
);
CREATE INDEX pickups_ring_start ON pickups(ring_id, starts_at);

CREATE TABLE producers (
    id            INTEGER PRIMARY KEY,
    owner_user_id INTEGER NOT NULL REFERENCES users(id),
    name          TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    payment_info  TEXT NOT NULL DEFAULT '',
    contact       TEXT NOT NULL DEFAULT '',
    notes_enabled INTEGER NOT NULL DEFAULT 1,       -- a short note per new/changed order
    created_at    TEXT NOT NULL
);
CREATE INDEX producers_owner ON producers(owner_user_id);

CREATE TABLE producer_rings (
    producer_id INTEGER NOT NULL REFERENCES producers(id) ON DELETE CASCADE,
    ring_id     INTEGER NOT NULL REFERENCES rings(id) ON DELETE CASCADE,
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by  INTEGER REFERENCES users(id),
    decided_at  TEXT,
    applied_at  TEXT NOT NULL,
    PRIMARY KEY (producer_id, ring_id)
);

CREATE TABLE products (
    id            INTEGER PRIMARY KEY,
    producer_id   INTEGER NOT NULL REFERENCES producers(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    unit          TEXT NOT NULL,
    price         INTEGER NOT NULL CHECK (price > 0),
    category      TEXT NOT NULL DEFAULT '',
    photo_file_id TEXT,
    hidden        INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);
CREATE INDEX products_producer ON products(producer_id);

CREATE TABLE offers (
    id                INTEGER PRIMARY KEY,
    pickup_id         INTEGER NOT NULL REFERENCES pickups(id) ON DELETE CASCADE,
    product_id        INTEGER NOT NULL REFERENCES products(id),
    price             INTEGER NOT NULL CHECK (price > 0),
    quantity_total    INTEGER CHECK (quantity_total IS NULL OR quantity_total >= 0),  -- NULL = unlimited
    quantity_reserved INTEGER NOT NULL DEFAULT 0 CHECK (quantity_reserved >= 0),
    max_per_customer  INTEGER CHECK (max_per_customer IS NULL OR max_per_customer > 0),
    withdrawn_at      TEXT,
    created_at        TEXT NOT NULL,
    UNIQUE (pickup_id, product_id),
    CHECK (quantity_total IS NULL OR quantity_reserved <= quantity_total)
);

-- A cart is one customer's basket for one pickup; order_id is set when it edits a placed order.
CREATE TABLE carts (
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    pickup_id  INTEGER NOT NULL REFERENCES pickups(id) ON DELETE CASCADE,
    order_id   INTEGER REFERENCES orders(id) ON DELETE SET NULL,
    version    INTEGER NOT NULL DEFAULT 0,           -- bumped on every change; guards checkout
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, pickup_id)
);

CREATE TABLE cart_items (
    user_id   INTEGER NOT NULL,
    pickup_id INTEGER NOT NULL,
    offer_id  INTEGER NOT NULL REFERENCES offers(id) ON DELETE CASCADE,
    quantity  INTEGER NOT NULL CHECK (quantity > 0),
    added_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, offer_id),
    FOREIGN KEY (user_id, pickup_id) REFERENCES carts(user_id, pickup_id) ON DELETE CASCADE
);

CREATE TABLE orders (
    id           INTEGER PRIMARY KEY,
    pickup_id    INTEGER NOT NULL REFERENCES pickups(id),
    user_id      INTEGER NOT NULL REFERENCES users(id),
    number       INTEGER NOT NULL,                  -- short, called out at the handover
    status       TEXT NOT NULL DEFAULT 'placed' CHECK (status IN ('placed', 'cancelled')),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    cancelled_at TEXT,
    UNIQUE (pickup_id, number)
);
CREATE UNIQUE INDEX orders_one_placed_per_pickup ON orders(pickup_id, user_id) WHERE status = 'placed';
CREATE INDEX orders_user ON orders(user_id);

CREATE TABLE order_lines (
    order_id   INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    offer_id   INTEGER NOT NULL REFERENCES offers(id),
    quantity   INTEGER NOT NULL CHECK (quantity > 0),
    unit_price INTEGER NOT NULL CHECK (unit_price > 0),   -- the price when it was ordered
    PRIMARY KEY (order_id, offer_id)
);
CREATE INDEX order_lines_offer ON order_lines(offer_id);

-- Each checkout key (cart version) maps to the order it produced: a repeated tap is a no-op.
CREATE TABLE checkouts (
    key        TEXT PRIMARY KEY,
    order_id   INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);

-- The handover: a producer marks their part of an order collected or a no-show.
CREATE TABLE handovers (
    order_id    INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    producer_id INTEGER NOT NULL REFERENCES producers(id) ON DELETE CASCADE,
    status      TEXT NOT NULL CHECK (status IN ('collected', 'no_show')),
    marked_at   TEXT NOT NULL,
    PRIMARY KEY (order_id, producer_id)
);

-- Broadcasts group deliveries that an admin sent together (progress, stop).
CREATE TABLE broadcasts (
    id             INTEGER PRIMARY KEY,
    ring_id        INTEGER NOT NULL REFERENCES rings(id) ON DELETE CASCADE,
    author_user_id INTEGER REFERENCES users(id),
    text           TEXT NOT NULL DEFAULT '',
    photo_file_id  TEXT,
    location_id    INTEGER REFERENCES locations(id),
    audience       TEXT NOT NULL,
    pickup_id      INTEGER REFERENCES pickups(id),
    status         TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'sending', 'stopped', 'done')),
    progress_chat_id    INTEGER,
    progress_message_id INTEGER,
    created_at     TEXT NOT NULL
);

-- The outbox: one row per recipient and message, drained under Telegram's limits.
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    chat_id         INTEGER NOT NULL,
    kind            TEXT NOT NULL,       -- digest, reminder, notice, broadcast, order_note, ...
    payload         TEXT NOT NULL,       -- JSON: the rendered messages to send, in order
    dedupe_key      TEXT UNIQUE,         -- makes enqueueing idempotent
    broadcast_id    INTEGER REFERENCES broadcasts(id) ON DELETE CASCADE,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'blocked', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    not_before      TEXT NOT NULL,       -- earliest send time (RetryAfter pushes it on)
    sent_parts      INTEGER NOT NULL DEFAULT 0,  -- messages of the payload already sent
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT
);
CREATE INDEX deliveries_due ON deliveries(status, not_before, id);
CREATE INDEX deliveries_broadcast ON deliveries(broadcast_id, status);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    ring_id    INTEGER REFERENCES rings(id) ON DELETE CASCADE,
    user_id    INTEGER,
    action     TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);

-- PTB persistence: conversation states, user data and chat data, as JSON.
CREATE TABLE bot_state (
    kind TEXT NOT NULL,                  -- 'conversation:<name>', 'user_data', 'chat_data', 'bot_data'
    key  TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
