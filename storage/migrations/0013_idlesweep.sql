-- The sweep with nothing due stays flat however long the history (issue 11).
-- The outbox's broadcast lane asks for the oldest pending broadcast deliveries in id order.
-- With no index that holds only those, SQLite walked the whole table in rowid order looking
-- for them: with nothing pending, every sent delivery of six months (9 s at 3 M rows) on
-- every look of the sender. This index holds only the rows that can still go out in that lane,
-- in the order the sender takes them, so the look is as cheap as the lane is short.
CREATE INDEX deliveries_pending_broadcasts ON deliveries(id, not_before)
    WHERE status = 'pending' AND broadcast_id IS NOT NULL;
