"""Carts: one basket per customer and pickup, kept in the database so a restart loses none."""

from __future__ import annotations

from datetime import datetime

from rekobot.clock import to_db
from storage.comments import clear_cart_comments
from storage.database import Transaction


async def touch_cart(
    tx: Transaction, user_id: int, pickup_id: int, now: datetime, *, order_id: int | None = None
) -> int:
    """Create the cart if needed, bump its version, and return the new version."""
    await tx.execute(
        """
        INSERT INTO carts (user_id, pickup_id, order_id, version, updated_at)
        VALUES (?, ?, ?, 1, ?)
        ON CONFLICT (user_id, pickup_id) DO UPDATE SET
            version = carts.version + 1, updated_at = excluded.updated_at,
            order_id = COALESCE(excluded.order_id, carts.order_id)
        """,
        (user_id, pickup_id, order_id, to_db(now)),
    )
    version = await tx.scalar(
        "SELECT version FROM carts WHERE user_id = ? AND pickup_id = ?", (user_id, pickup_id)
    )
    return int(version)


async def cart_header(tx: Transaction, user_id: int, pickup_id: int) -> tuple[int, int | None]:
    """Return (version, order_id being edited) of a cart; (0, None) when there is none."""
    row = await tx.fetchone(
        "SELECT version, order_id FROM carts WHERE user_id = ? AND pickup_id = ?",
        (user_id, pickup_id),
    )
    return (0, None) if row is None else (row["version"], row["order_id"])


async def cart_quantities(tx: Transaction, user_id: int, pickup_id: int) -> dict[int, int]:
    """Return {offer_id: quantity} of a cart, in the order things were added."""
    rows = await tx.fetchall(
        "SELECT offer_id, quantity FROM cart_items WHERE user_id = ? AND pickup_id = ? "
        "ORDER BY added_at, offer_id",
        (user_id, pickup_id),
    )
    return {row["offer_id"]: row["quantity"] for row in rows}


async def set_item(
    tx: Transaction, user_id: int, pickup_id: int, offer_id: int, quantity: int, now: datetime
) -> None:
    """Set a line's quantity; zero removes it."""
    if quantity <= 0:
        await tx.execute(
            "DELETE FROM cart_items WHERE user_id = ? AND offer_id = ?", (user_id, offer_id)
        )
        return
    await tx.execute(
        """
        INSERT INTO cart_items (user_id, pickup_id, offer_id, quantity, added_at)
        VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (user_id, offer_id) DO UPDATE SET quantity = excluded.quantity
        """,
        (user_id, pickup_id, offer_id, quantity, to_db(now)),
    )


async def clear_cart(tx: Transaction, user_id: int, pickup_id: int) -> None:
    """Remove a cart's lines and comments but keep counting its versions.

    Versions must never repeat for a (customer, pickup): a checkout key is made of one, and a
    repeated key would look like a double tap of an earlier checkout.
    """
    await tx.execute(
        "DELETE FROM cart_items WHERE user_id = ? AND pickup_id = ?", (user_id, pickup_id)
    )
    await clear_cart_comments(tx, user_id, pickup_id)
    await tx.execute(
        "UPDATE carts SET order_id = NULL, version = version + 1 "
        "WHERE user_id = ? AND pickup_id = ?",
        (user_id, pickup_id),
    )


async def delete_cart(tx: Transaction, user_id: int, pickup_id: int) -> None:
    """Remove a cart and its lines (only once its pickup no longer takes orders)."""
    await tx.execute(
        "DELETE FROM carts WHERE user_id = ? AND pickup_id = ?", (user_id, pickup_id)
    )


async def carts_of_closed_pickups(tx: Transaction, user_id: int, now: datetime) -> list[int]:
    """Return the pickups whose deadline passed (or were cancelled) while a cart waited."""
    rows = await tx.fetchall(
        """
        SELECT c.pickup_id FROM carts c JOIN pickups p ON p.id = c.pickup_id
        WHERE c.user_id = ? AND (p.deadline <= ? OR p.status != 'scheduled')
          AND EXISTS (SELECT 1 FROM cart_items i WHERE i.user_id = c.user_id
                      AND i.pickup_id = c.pickup_id)
        """,
        (user_id, to_db(now)),
    )
    return [row["pickup_id"] for row in rows]


async def cart_counts(tx: Transaction, user_id: int) -> dict[int, int]:
    """Return {pickup_id: number of units} over the user's non-empty carts."""
    rows = await tx.fetchall(
        "SELECT pickup_id, SUM(quantity) AS n FROM cart_items WHERE user_id = ? GROUP BY pickup_id",
        (user_id,),
    )
    return {row["pickup_id"]: row["n"] for row in rows}
