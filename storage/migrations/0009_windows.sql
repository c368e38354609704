-- Ordering windows (issue 10): a pickup takes orders only from its "orders open at" time.
--
-- orders_open_at: when ordering opens (UTC). NULL: not before the admin announces the pickup
-- (the ring opens nothing by itself: orders_open_days = 0). Derived from the ring's
-- orders_open_days unless orders_open_fixed says an admin typed it.
-- open_notice_at: when the "orders are open" message was queued (or found needless), so the
-- sweep's question "which pickups opened and have not been told" is one index search.
-- Pickups that exist already are open now and have nothing to tell: nobody asked yet.
ALTER TABLE pickups ADD COLUMN orders_open_at TEXT;
ALTER TABLE pickups ADD COLUMN orders_open_fixed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pickups ADD COLUMN open_notice_at TEXT;
UPDATE pickups SET orders_open_at = created_at, open_notice_at = created_at;
CREATE INDEX pickups_opening ON pickups(orders_open_at)
    WHERE status = 'scheduled' AND open_notice_at IS NULL AND orders_open_at IS NOT NULL;

-- How many days before a pickup starts it opens for orders (0: only when announced).
ALTER TABLE rings ADD COLUMN orders_open_days INTEGER NOT NULL DEFAULT 7
    CHECK (orders_open_days BETWEEN 0 AND 60);

-- Members who asked for the "orders are open" message (opt-in).
ALTER TABLE users ADD COLUMN orders_open_enabled INTEGER NOT NULL DEFAULT 0;
