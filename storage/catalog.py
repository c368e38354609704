"""A producer's catalog: products, independent of any pickup."""

from __future__ import annotations

from datetime import datetime

from rekobot.clock import to_db
from rekobot.models import PriceBasis, Product
from storage.database import Row, Transaction, enum_member

PRODUCT_COLUMNS = (
    "id, producer_id, name, description, unit, price, category, photo_file_id, hidden, "
    "price_basis, weight_min, weight_max"
)

#: The columns a producer may change one at a time, and nothing else.
EDITABLE = frozenset({"name", "description", "unit", "price", "category", "photo_file_id"})


def product_from_row(row: Row) -> Product:
    """Build a Product from a row with PRODUCT_COLUMNS."""
    return Product(
        id=row["id"],
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


async def get_product(tx: Transaction, product_id: int) -> Product | None:
    """Return a product by id."""
    row = await tx.fetchone(f"SELECT {PRODUCT_COLUMNS} FROM products WHERE id = ?", (product_id,))
    return None if row is None else product_from_row(row)


async def products_of(tx: Transaction, producer_id: int) -> list[Product]:
    """Return a producer's products, shown ones first, by name."""
    rows = await tx.fetchall(
        f"SELECT {PRODUCT_COLUMNS} FROM products WHERE producer_id = ? "
        "ORDER BY hidden, name COLLATE NOCASE, id",
        (producer_id,),
    )
    return [product_from_row(row) for row in rows]


async def set_product_field(
    tx: Transaction, product_id: int, column: str, value: str | int | None
) -> None:
    """Change one editable column of a product."""
    if column not in EDITABLE:
        raise ValueError(f"products.{column} is not editable")
    await tx.execute(f"UPDATE products SET {column} = ? WHERE id = ?", (value, product_id))


async def set_pricing(
    tx: Transaction,
    product_id: int,
    *,
    price: int,
    basis: PriceBasis,
    weight: tuple[int, int] | None,
    unit: str,
) -> None:
    """Set how a product is priced: the price, what it is per, the weight per item, the unit."""
    low, high = weight if weight is not None else (None, None)
    await tx.execute(
        "UPDATE products SET price = ?, price_basis = ?, weight_min = ?, weight_max = ?, "
        "unit = ? WHERE id = ?",
        (price, basis.value, low, high, unit, product_id),
    )


async def set_hidden(tx: Transaction, product_id: int, hidden: bool) -> None:
    """Hide a product from the offer lists, or show it again."""
    await tx.execute("UPDATE products SET hidden = ? WHERE id = ?", (int(hidden), product_id))


async def was_ordered(tx: Transaction, product_id: int) -> bool:
    """Whether any order (placed or cancelled) ever had a line of this product."""
    value = await tx.scalar(
        "SELECT 1 FROM order_lines l JOIN offers o ON o.id = l.offer_id "
        "WHERE o.product_id = ? LIMIT 1",
        (product_id,),
    )
    return value is not None


async def carts_with_product(tx: Transaction, product_id: int) -> list[tuple[int, int]]:
    """Return (user_id, pickup_id) of each cart holding one of the product's offers."""
    rows = await tx.fetchall(
        "SELECT DISTINCT i.user_id, i.pickup_id FROM cart_items i "
        "JOIN offers o ON o.id = i.offer_id WHERE o.product_id = ?",
        (product_id,),
    )
    return [(row["user_id"], row["pickup_id"]) for row in rows]


async def delete_product(tx: Transaction, product_id: int) -> None:
    """Delete a never-ordered product with its offers (cart lines go with them)."""
    await tx.execute("DELETE FROM offers WHERE product_id = ?", (product_id,))
    await tx.execute("DELETE FROM products WHERE id = ?", (product_id,))


async def reprice_open_offers(tx: Transaction, product_id: int, price: int, now: datetime) -> int:
    """Give the product's offers at pickups still taking orders the new price.

    Order lines keep the price they were ordered at; only what is ordered from now on costs
    the new price.
    """
    return await tx.execute(
        """
        UPDATE offers SET price = ?
        WHERE product_id = ? AND pickup_id IN (
            SELECT id FROM pickups WHERE status = 'scheduled' AND deadline > ?)
        """,
        (price, product_id, to_db(now)),
    )
