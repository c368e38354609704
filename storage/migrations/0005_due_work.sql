-- Due work found by index, not by scanning history (issue 11).

-- Upcoming pickups (reminders) and pickups whose digest is due: the sweep asks every 20 s.
CREATE INDEX pickups_upcoming ON pickups(starts_at) WHERE status = 'scheduled';
CREATE INDEX pickups_digest_due ON pickups(deadline)
    WHERE status = 'scheduled' AND digest_sent_at IS NULL;

-- A pickup's placed orders in id order: reminders go out in chunks after a watermark.
CREATE INDEX orders_placed_by_pickup ON orders(pickup_id, id) WHERE status = 'placed';

-- The highest order id whose evening / hour reminder has been queued for the pickup's
-- current start time (0: none yet). The dedupe key still guarantees "exactly once"; the
-- watermark only tells the sweep that there is nothing new without reading the orders.
ALTER TABLE pickups ADD COLUMN evening_reminded_order INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pickups ADD COLUMN hour_reminded_order INTEGER NOT NULL DEFAULT 0;

-- The dedupe keys of deliveries pruned after the retention, as a 64-bit hash: enough to
-- refuse a second copy of a reminder, digest or notice, in about 10 bytes a key (the rowid
-- alone, no payload, no other index), and no user id in plain text.
CREATE TABLE sent_keys (
    key_hash INTEGER PRIMARY KEY
);
