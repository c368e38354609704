-- Reaching each other: a customer's short comment to each producer of an order, and the phone
-- number a customer chose to share with the producers of their orders.
-- A comment is written on the cart while checking out (cart_comments, gone with the cart) and
-- copied with the order (order_comments, one per order and producer: "stored with the order
-- part"). Comments are free text that may name a person, so anonymising an order drops them.
-- users.phone is NULL unless the customer shared their own contact; revoking sets it back to
-- NULL, and an anonymised order, moved to a tombstone user, has none.
ALTER TABLE users ADD COLUMN phone TEXT;
CREATE TABLE cart_comments (
    user_id     INTEGER NOT NULL,
    pickup_id   INTEGER NOT NULL,
    producer_id INTEGER NOT NULL REFERENCES producers(id) ON DELETE CASCADE,
    comment     TEXT NOT NULL CHECK (length(comment) > 0),
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, pickup_id, producer_id),
    FOREIGN KEY (user_id, pickup_id) REFERENCES carts(user_id, pickup_id) ON DELETE CASCADE
);
CREATE TABLE order_comments (
    order_id    INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    producer_id INTEGER NOT NULL REFERENCES producers(id) ON DELETE CASCADE,
    comment     TEXT NOT NULL CHECK (length(comment) > 0),
    PRIMARY KEY (order_id, producer_id)
);
