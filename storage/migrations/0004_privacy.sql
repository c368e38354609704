-- Privacy: how long a ring keeps customers' names on its orders after a pickup (0 = until the
-- customer deletes their data), and which pickups have had their orders anonymised, so the sweep
-- finds the pickups still to do by index whatever the history.
-- Orders are anonymised by moving them to a tombstone user with the synthetic id -orders.id
-- (Telegram user ids are positive): foreign keys stay valid and the person's id is gone.
ALTER TABLE rings ADD COLUMN anonymise_after_days INTEGER NOT NULL DEFAULT 90
    CHECK (anonymise_after_days >= 0);
ALTER TABLE pickups ADD COLUMN anonymised_at TEXT;
CREATE INDEX pickups_to_anonymise ON pickups(ring_id, ends_at) WHERE anonymised_at IS NULL;
