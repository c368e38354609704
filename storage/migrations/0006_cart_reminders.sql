-- Cart reminders: how many hours before a pickup's order deadline a customer whose cart is not
-- ordered yet is reminded of it (0 = never). The sweep finds those carts through the pickup, so
-- carts get an index by pickup (their key starts with the user).
ALTER TABLE rings ADD COLUMN cart_reminder_hours INTEGER NOT NULL DEFAULT 3
    CHECK (cart_reminder_hours >= 0);
CREATE INDEX carts_by_pickup ON carts(pickup_id);
