"""Changing a ring's pickups: listing, moving, cancelling, announcing, and who they concern."""

from __future__ import annotations

from datetime import datetime

from rekobot.clock import to_db
from rekobot.models import Pickup, User
from storage.database import Transaction
from storage.pickups import PICKUP_SELECT, pickup_from_row
from storage.users import user_columns, user_from_row


async def ring_pickups(
    tx: Transaction, ring_id: int, now: datetime, *, limit: int = 20
) -> list[Pickup]:
    """Return the ring's pickups that have not ended (scheduled or cancelled), soonest first."""
    rows = await tx.fetchall(
        f"""{PICKUP_SELECT}
        WHERE p.ring_id = ? AND p.ends_at > ? ORDER BY p.starts_at LIMIT ?""",
        (ring_id, to_db(now), limit),
    )
    return [pickup_from_row(row) for row in rows]


async def previous_pickup(tx: Transaction, ring_id: int, before: datetime) -> Pickup | None:
    """Return the ring's last pickup that was not cancelled and started before ``before``."""
    row = await tx.fetchone(
        f"""{PICKUP_SELECT}
        WHERE p.ring_id = ? AND p.status != 'cancelled' AND p.starts_at < ?
        ORDER BY p.starts_at DESC LIMIT 1""",
        (ring_id, to_db(before)),
    )
    return None if row is None else pickup_from_row(row)


async def move_pickup(
    tx: Transaction,
    pickup_id: int,
    *,
    location_id: int,
    starts_at: datetime,
    ends_at: datetime,
    deadline: datetime,
) -> None:
    """Give a pickup a new place, time or deadline."""
    await tx.execute(
        "UPDATE pickups SET location_id = ?, starts_at = ?, ends_at = ?, deadline = ? WHERE id = ?",
        (location_id, to_db(starts_at), to_db(ends_at), to_db(deadline), pickup_id),
    )


async def mark_cancelled(tx: Transaction, pickup_id: int) -> bool:
    """Cancel a scheduled pickup; False when it was not scheduled."""
    changed = await tx.execute(
        "UPDATE pickups SET status = 'cancelled' WHERE id = ? AND status = 'scheduled'",
        (pickup_id,),
    )
    return changed == 1


async def placed_orders(tx: Transaction, pickup_id: int) -> list[tuple[int, int]]:
    """Return (order id, customer id) of the pickup's placed orders, by number."""
    rows = await tx.fetchall(
        "SELECT id, user_id FROM orders WHERE pickup_id = ? AND status = 'placed' ORDER BY number",
        (pickup_id,),
    )
    return [(row["id"], row["user_id"]) for row in rows]


NOTICE_USER = user_columns("u")


async def notice_recipients(
    tx: Transaction, pickup_id: int
) -> list[tuple[int, User | None, int | None]]:
    """Who a move or cancellation concerns: (user id, user, order number or None).

    The customers of the placed orders by number, then the producers offering there. Two
    queries in all, however many orders: the notices of a 2,000-order pickup used to load
    every order and every user one by one inside the write transaction.
    """
    customers = await tx.fetchall(
        f"""SELECT o.user_id AS recipient, o.number, {NOTICE_USER} FROM orders o
        LEFT JOIN users u ON u.id = o.user_id
        WHERE o.pickup_id = ? AND o.status = 'placed' ORDER BY o.number""",
        (pickup_id,),
    )
    producers = await tx.fetchall(
        f"""SELECT owners.owner_user_id AS recipient, NULL AS number, {NOTICE_USER} FROM (
            SELECT DISTINCT pd.owner_user_id FROM offers o
            JOIN products pr ON pr.id = o.product_id JOIN producers pd ON pd.id = pr.producer_id
            WHERE o.pickup_id = ? AND o.withdrawn_at IS NULL
        ) owners LEFT JOIN users u ON u.id = owners.owner_user_id
        ORDER BY owners.owner_user_id""",
        (pickup_id,),
    )
    return [
        (row["recipient"], user_from_row(row) if row["id"] is not None else None, row["number"])
        for row in [*customers, *producers]
    ]


async def offering_producer_owners(tx: Transaction, pickup_id: int) -> list[int]:
    """Return the users who run a producer with something on offer at the pickup."""
    rows = await tx.fetchall(
        """
        SELECT DISTINCT pd.owner_user_id FROM offers o
        JOIN products pr ON pr.id = o.product_id JOIN producers pd ON pd.id = pr.producer_id
        WHERE o.pickup_id = ? AND o.withdrawn_at IS NULL ORDER BY pd.owner_user_id
        """,
        (pickup_id,),
    )
    return [row[0] for row in rows]


async def delete_carts(tx: Transaction, pickup_id: int) -> None:
    """Drop every cart for a pickup (it was cancelled)."""
    await tx.execute("DELETE FROM carts WHERE pickup_id = ?", (pickup_id,))


async def announced_at(tx: Transaction, pickup_id: int) -> str | None:
    """When the pickup was announced to the members, if it was."""
    value = await tx.scalar("SELECT announced_at FROM pickups WHERE id = ?", (pickup_id,))
    return None if value is None else str(value)


async def mark_announced(tx: Transaction, pickup_id: int, now: datetime) -> bool:
    """Record that the pickup was announced; False when it already was."""
    changed = await tx.execute(
        "UPDATE pickups SET announced_at = ? WHERE id = ? AND announced_at IS NULL",
        (to_db(now), pickup_id),
    )
    return changed == 1
