"""Customers' comments to producers: on the cart while checking out, then on the order part."""

from __future__ import annotations

from datetime import datetime

from rekobot.clock import to_db
from storage.database import Transaction


async def cart_comments(tx: Transaction, user_id: int, pickup_id: int) -> dict[int, str]:
    """Return {producer_id: comment} written on a cart."""
    rows = await tx.fetchall(
        "SELECT producer_id, comment FROM cart_comments WHERE user_id = ? AND pickup_id = ?",
        (user_id, pickup_id),
    )
    return {row["producer_id"]: row["comment"] for row in rows}


async def set_cart_comment(
    tx: Transaction, user_id: int, pickup_id: int, producer_id: int, comment: str, now: datetime
) -> None:
    """Write (or with an empty comment, remove) the cart's comment to one producer."""
    if not comment:
        await tx.execute(
            "DELETE FROM cart_comments WHERE user_id = ? AND pickup_id = ? AND producer_id = ?",
            (user_id, pickup_id, producer_id),
        )
        return
    await tx.execute(
        """
        INSERT INTO cart_comments (user_id, pickup_id, producer_id, comment, updated_at)
        VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (user_id, pickup_id, producer_id) DO UPDATE SET
            comment = excluded.comment, updated_at = excluded.updated_at
        """,
        (user_id, pickup_id, producer_id, comment, to_db(now)),
    )


async def clear_cart_comments(tx: Transaction, user_id: int, pickup_id: int) -> None:
    """Remove every comment of a cart."""
    await tx.execute(
        "DELETE FROM cart_comments WHERE user_id = ? AND pickup_id = ?", (user_id, pickup_id)
    )


async def order_comments(tx: Transaction, order_id: int) -> dict[int, str]:
    """Return {producer_id: comment} of an order."""
    rows = await tx.fetchall(
        "SELECT producer_id, comment FROM order_comments WHERE order_id = ?", (order_id,)
    )
    return {row["producer_id"]: row["comment"] for row in rows}


async def copy_cart_comments(
    tx: Transaction, user_id: int, pickup_id: int, order_id: int, *, replace: bool = True
) -> None:
    """Make an order's comments what its cart says, for the producers the order has lines of.

    ``replace=False`` for an order written in this transaction: it has no comments to drop.
    """
    if replace:
        await tx.execute("DELETE FROM order_comments WHERE order_id = ?", (order_id,))
    await tx.execute(
        """
        INSERT INTO order_comments (order_id, producer_id, comment)
        SELECT ?, c.producer_id, c.comment FROM cart_comments c
        WHERE c.user_id = ? AND c.pickup_id = ? AND c.producer_id IN (
            SELECT pr.producer_id FROM order_lines l
            JOIN offers f ON f.id = l.offer_id JOIN products pr ON pr.id = f.product_id
            WHERE l.order_id = ?)
        """,
        (order_id, user_id, pickup_id, order_id),
    )


async def drop_order_comments(tx: Transaction, order_ids: list[int]) -> None:
    """Remove the comments of some orders (they are anonymised or their customer erased)."""
    if not order_ids:
        return
    marks = ",".join("?" * len(order_ids))
    await tx.execute(f"DELETE FROM order_comments WHERE order_id IN ({marks})", order_ids)
