-- Sold by weight: a product is priced per item (as before) or per kg, litre or 100 g, with an
-- estimated weight per item (grams, or ml for a litre price; a range when min < max). Stock and
-- quantities keep counting items. An order line keeps the basis and the estimate per item it
-- was ordered with, and gets the weighed grams of the whole line at the handover: its amount is
-- "approx." until then. Money stays whole minor units; weights are whole grams or ml.
ALTER TABLE products ADD COLUMN price_basis TEXT NOT NULL DEFAULT 'unit'
    CHECK (price_basis IN ('unit', 'kg', 'l', '100g'));
ALTER TABLE products ADD COLUMN weight_min INTEGER CHECK (weight_min IS NULL OR weight_min > 0);
ALTER TABLE products ADD COLUMN weight_max INTEGER
    CHECK (weight_max IS NULL OR (weight_min IS NOT NULL AND weight_max >= weight_min));

ALTER TABLE order_lines ADD COLUMN price_basis TEXT NOT NULL DEFAULT 'unit'
    CHECK (price_basis IN ('unit', 'kg', 'l', '100g'));
ALTER TABLE order_lines ADD COLUMN estimate_grams INTEGER
    CHECK (estimate_grams IS NULL OR estimate_grams > 0);
ALTER TABLE order_lines ADD COLUMN weighed_grams INTEGER
    CHECK (weighed_grams IS NULL OR weighed_grams > 0);
ALTER TABLE order_lines ADD COLUMN weighed_at TEXT;
