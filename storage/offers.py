"""Offers: products on sale at a pickup, and the atomic stock reservation."""

from __future__ import annotations

from datetime import datetime

from rekobot.clock import to_db
from rekobot.models import Offer, PriceBasis, Product
from storage.database import Row, Transaction, enum_member

OFFER_SELECT = """
    SELECT o.id, o.pickup_id, o.price AS offer_price, o.quantity_total, o.quantity_reserved,
           o.max_per_customer, o.withdrawn_at,
           pr.id AS product_id, pr.producer_id, pr.name, pr.description, pr.unit, pr.price,
           pr.category, pr.photo_file_id, pr.hidden, pr.price_basis, pr.weight_min,
           pr.weight_max, pd.name AS producer_name
    FROM offers o
    JOIN products pr ON pr.id = o.product_id
    JOIN producers pd ON pd.id = pr.producer_id
"""


def offer_from_row(row: Row) -> Offer:
    """Build an Offer (with its product) from a row of OFFER_SELECT."""
    product = Product(
        id=row["product_id"],
        producer_id=row["producer_id"],
        name=row["name"],
        description=row["description"],
        unit=row["unit"],
        price=row["price"],
        category=row["category"],
        photo_file_id=row["photo_file_id"],
        hidden=bool(row["hidden"]),
        price_basis=enum_member(PriceBasis, row["price_basis"]),
        weight_min=row["weight_min"],
        weight_max=row["weight_max"],
    )
    return Offer(
        id=row["id"],
        pickup_id=row["pickup_id"],
        product=product,
        producer_name=row["producer_name"],
        price=row["offer_price"],
        quantity_total=row["quantity_total"],
        quantity_reserved=row["quantity_reserved"],
        max_per_customer=row["max_per_customer"],
        withdrawn=row["withdrawn_at"] is not None,
    )


async def get_offer(tx: Transaction, offer_id: int) -> Offer | None:
    """Return one offer, withdrawn or not."""
    row = await tx.fetchone(f"{OFFER_SELECT} WHERE o.id = ?", (offer_id,))
    return None if row is None else offer_from_row(row)


async def offers_for_pickup(
    tx: Transaction,
    pickup_id: int,
    *,
    producer_id: int | None = None,
    category: str | None = None,
) -> list[Offer]:
    """Return what is on sale at a pickup, by producer then product name."""
    sql = f"{OFFER_SELECT} WHERE o.pickup_id = ? AND o.withdrawn_at IS NULL"
    params: list[object] = [pickup_id]
    if producer_id is not None:
        sql += " AND pr.producer_id = ?"
        params.append(producer_id)
    if category is not None:
        sql += " AND pr.category = ?"
        params.append(category)
    sql += " ORDER BY pd.name COLLATE NOCASE, pr.name COLLATE NOCASE, o.id"
    return [offer_from_row(row) for row in await tx.fetchall(sql, params)]


#: A condition on ``pr`` (products) and its parameters: which offers are on one shelf.
ShelfCondition = tuple[str, list[object]]


def shelf_filter(
    *,
    producer_id: int | None = None,
    category: str | None = None,
    outside_categories_of: int | None = None,
) -> ShelfCondition:
    """The condition (and its parameters) that picks one shelf's offers, given exactly one of:
    a producer, a category name, or a ring whose categories the offers' products are in none of.
    """
    if producer_id is not None:
        return "pr.producer_id = ?", [producer_id]
    if category is not None:
        return "pr.category = ?", [category]
    if outside_categories_of is not None:
        return (
            "pr.category NOT IN (SELECT c.name FROM categories c WHERE c.ring_id = ?)",
            [outside_categories_of],
        )
    return "1 = 1", []


#: On sale at a pickup; ``{shelf}`` is a condition from ``shelf_filter``.
_ON_SHELF = "WHERE o.pickup_id = ? AND o.withdrawn_at IS NULL AND {shelf}"
#: The customer's order: by producer, then product name (the same on every page).
_SHELF_ORDER = "ORDER BY pd.name COLLATE NOCASE, pr.name COLLATE NOCASE, o.id"
PRODUCER_COUNTS_SQL = f"""
    SELECT pd.id, pd.name, COUNT(*) FROM offers o
    JOIN products pr ON pr.id = o.product_id
    JOIN producers pd ON pd.id = pr.producer_id
    {_ON_SHELF}
    GROUP BY pd.id ORDER BY pd.name COLLATE NOCASE, pd.id
"""
SHELF_PAGE_SQL = f"{OFFER_SELECT} {_ON_SHELF} {_SHELF_ORDER} LIMIT ? OFFSET ?"
CATEGORY_COUNTS_SQL = """
    SELECT pr.category, COUNT(*) FROM offers o JOIN products pr ON pr.id = o.product_id
    WHERE o.pickup_id = ? AND o.withdrawn_at IS NULL GROUP BY pr.category
"""


async def producer_counts(
    tx: Transaction, pickup_id: int, shelf: ShelfCondition | None = None
) -> list[tuple[int, str, int]]:
    """Return (producer id, name, offers) for each producer on sale at a pickup, by name.

    With ``shelf`` (from ``shelf_filter``) only that shelf's offers count: its producers,
    and with their sum, how many pages it fills. Counted by the database: building an Offer
    per row only to count them cost 13-16 ms a tap at a 500-offer pickup.
    """
    condition, params = shelf or shelf_filter()
    rows = await tx.tuples(PRODUCER_COUNTS_SQL.format(shelf=condition), (pickup_id, *params))
    return [(int(pid), str(name), int(count)) for pid, name, count in rows]


async def shelf_page(
    tx: Transaction,
    pickup_id: int,
    shelf: ShelfCondition,
    *,
    limit: int,
    offset: int,
) -> list[Offer]:
    """Return one page of a shelf's offers at a pickup, in the order of every page."""
    condition, params = shelf
    rows = await tx.fetchall(
        SHELF_PAGE_SQL.format(shelf=condition), (pickup_id, *params, limit, offset)
    )
    return [offer_from_row(row) for row in rows]


async def category_counts(tx: Transaction, pickup_id: int) -> dict[str, int]:
    """Return how many offers each product category (its name, '' for none) has at a pickup."""
    rows = await tx.tuples(CATEGORY_COUNTS_SQL, (pickup_id,))
    return {str(category): int(count) for category, count in rows}


async def reserve(tx: Transaction, offer_id: int, quantity: int) -> bool:
    """Take ``quantity`` units if they are there, in one conditional UPDATE; else change nothing.

    A negative quantity releases units. This single statement is what makes two customers
    unable to get the last jar.
    """
    changed = await tx.execute(
        """
        UPDATE offers SET quantity_reserved = quantity_reserved + :q
        WHERE id = :id AND withdrawn_at IS NULL
          AND quantity_reserved + :q >= 0
          AND (quantity_total IS NULL OR quantity_reserved + :q <= quantity_total)
        """,
        {"id": offer_id, "q": quantity},
    )
    return changed == 1


async def release(tx: Transaction, offer_id: int, quantity: int) -> None:
    """Give ``quantity`` units back, withdrawn offer or not."""
    await tx.execute(
        "UPDATE offers SET quantity_reserved = MAX(quantity_reserved - ?, 0) WHERE id = ?",
        (quantity, offer_id),
    )


async def create_offer(
    tx: Transaction,
    *,
    pickup_id: int,
    product_id: int,
    price: int,
    quantity_total: int | None,
    max_per_customer: int | None = None,
    now: datetime,
) -> int:
    """Put a product on offer at a pickup and return the offer id."""
    return await tx.insert(
        "INSERT INTO offers (pickup_id, product_id, price, quantity_total, max_per_customer, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (pickup_id, product_id, price, quantity_total, max_per_customer, to_db(now)),
    )


# --- a producer's offers (issue 3) -----------------------------------------------------------


async def offer_for_product(tx: Transaction, pickup_id: int, product_id: int) -> Offer | None:
    """Return the offer of a product at a pickup, withdrawn or not."""
    row = await tx.fetchone(
        f"{OFFER_SELECT} WHERE o.pickup_id = ? AND o.product_id = ?", (pickup_id, product_id)
    )
    return None if row is None else offer_from_row(row)


async def producer_offers(
    tx: Transaction, pickup_id: int, producer_id: int, *, include_withdrawn: bool = False
) -> list[Offer]:
    """Return one producer's offers at a pickup, by product name."""
    sql = f"{OFFER_SELECT} WHERE o.pickup_id = ? AND pr.producer_id = ?"
    if not include_withdrawn:
        sql += " AND o.withdrawn_at IS NULL"
    sql += " ORDER BY pr.name COLLATE NOCASE, o.id"
    return [offer_from_row(row) for row in await tx.fetchall(sql, (pickup_id, producer_id))]


async def reopen_offer(
    tx: Transaction,
    offer_id: int,
    *,
    price: int,
    quantity_total: int | None,
    max_per_customer: int | None,
) -> None:
    """Put a withdrawn offer back on sale with fresh terms (nothing is reserved on it)."""
    await tx.execute(
        "UPDATE offers SET withdrawn_at = NULL, price = ?, quantity_total = ?, "
        "max_per_customer = ?, quantity_reserved = 0 WHERE id = ?",
        (price, quantity_total, max_per_customer, offer_id),
    )


async def set_quantity_total(tx: Transaction, offer_id: int, quantity_total: int | None) -> bool:
    """Change the units on offer, never below what is reserved; return False when it would be."""
    changed = await tx.execute(
        """
        UPDATE offers SET quantity_total = :total
        WHERE id = :id AND (CAST(:total AS BIGINT) IS NULL OR quantity_reserved <= :total)
        """,
        {"id": offer_id, "total": quantity_total},
    )
    return changed == 1


async def set_max_per_customer(tx: Transaction, offer_id: int, limit: int | None) -> None:
    """Change (or with None, lift) the most one customer may order."""
    await tx.execute("UPDATE offers SET max_per_customer = ? WHERE id = ?", (limit, offer_id))


async def withdraw(tx: Transaction, offer_id: int, now: datetime) -> None:
    """Take an offer off sale; the caller has removed its order lines already."""
    await tx.execute(
        "UPDATE offers SET withdrawn_at = ?, quantity_reserved = 0 WHERE id = ?",
        (to_db(now), offer_id),
    )


async def previous_offers(
    tx: Transaction, *, ring_id: int, producer_id: int, before: datetime
) -> list[Offer]:
    """Return what the producer offered at their latest pickup of the ring before ``before``."""
    pickup_id = await tx.scalar(
        """
        SELECT p.id FROM pickups p
        WHERE p.ring_id = ? AND p.starts_at < ? AND p.status != 'cancelled'
          AND EXISTS (SELECT 1 FROM offers o JOIN products pr ON pr.id = o.product_id
                      WHERE o.pickup_id = p.id AND pr.producer_id = ?
                        AND o.withdrawn_at IS NULL)
        ORDER BY p.starts_at DESC LIMIT 1
        """,
        (ring_id, to_db(before), producer_id),
    )
    if pickup_id is None:
        return []
    return await producer_offers(tx, int(pickup_id), producer_id)


async def stop_at_reserved(tx: Transaction, offer_id: int) -> None:
    """Offer exactly what is reserved, so nothing more can be ordered."""
    await tx.execute(
        "UPDATE offers SET quantity_total = quantity_reserved WHERE id = ?", (offer_id,)
    )
