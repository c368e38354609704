"""What the cart reminders need: carts not ordered yet whose pickup's deadline is near."""

from __future__ import annotations

from datetime import datetime, timedelta

from rekobot.clock import to_db
from rekobot.models.running import WaitingCart
from storage.database import Transaction


def cart_reminder_key(pickup_id: int, user_id: int) -> str:
    """The dedupe key of a cart's one reminder: one per cart and pickup, whatever happens."""
    return f"cart_reminder:p{pickup_id}:u{user_id}"


async def rings_reminding(tx: Transaction) -> list[tuple[int, int]]:
    """Return (ring id, hours) of the rings that remind of carts; archived rings do not."""
    rows = await tx.fetchall(
        "SELECT id, cart_reminder_hours FROM rings "
        "WHERE cart_reminder_hours > 0 AND archived_at IS NULL ORDER BY id"
    )
    return [(row["id"], row["cart_reminder_hours"]) for row in rows]


async def waiting_carts(
    tx: Transaction, ring_id: int, hours: int, now: datetime
) -> list[WaitingCart]:
    """Return the carts with lines, not reminded yet, of the ring's pickups closing soon.

    "Soon": the deadline is within ``hours`` from now and has not passed. The pickups are found
    through ``pickups_ring_start`` (a deadline is never after its start), their carts through
    ``carts_by_pickup``, and the outbox row through its unique dedupe key. Customers who turned
    reminders off, blocked the bot or were blocked in the ring are left out.
    """
    rows = await tx.fetchall(
        """
        SELECT c.user_id, c.pickup_id, c.version, c.order_id
        FROM pickups p
        JOIN carts c ON c.pickup_id = p.id
        JOIN users u ON u.id = c.user_id
        JOIN memberships m ON m.ring_id = p.ring_id AND m.user_id = c.user_id
        WHERE p.ring_id = :ring AND p.starts_at > :now AND p.status = 'scheduled'
          AND p.deadline > :now AND p.deadline <= :until
          AND u.reminders_enabled = 1 AND u.unreachable_at IS NULL AND m.blocked_at IS NULL
          AND EXISTS (SELECT 1 FROM cart_items i
                      WHERE i.user_id = c.user_id AND i.pickup_id = c.pickup_id)
          AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.dedupe_key =
                          'cart_reminder:p' || c.pickup_id || ':u' || c.user_id)
        ORDER BY p.deadline, c.user_id
        """,
        {"ring": ring_id, "now": to_db(now), "until": to_db(now + timedelta(hours=hours))},
    )
    return [
        WaitingCart(
            user_id=row["user_id"],
            pickup_id=row["pickup_id"],
            version=row["version"],
            order_id=row["order_id"],
        )
        for row in rows
    ]
