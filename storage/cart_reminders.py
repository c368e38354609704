"""What the cart reminders need: carts not ordered yet whose pickup's deadline is near."""

from __future__ import annotations

from datetime import datetime, timedelta

from rekobot.clock import from_db, to_db
from rekobot.models.running import WaitingCart
from storage.database import Transaction


def cart_reminder_key(pickup_id: int, user_id: int) -> str:
    """The dedupe key of a cart's one reminder: one per cart and pickup, whatever happens."""
    return f"cart_reminder:p{pickup_id}:u{user_id}"


#: Every ring's waiting carts in one statement: the sweep's cost does not grow with the rings.
#: The pickups come from ``pickups_ring_start`` or ``pickups_upcoming`` (future ones only),
#: their carts from ``carts_by_pickup``, and the outbox row through its unique dedupe key.
WAITING_SQL = """
    SELECT c.user_id, c.pickup_id, c.version, c.order_id, p.deadline, r.cart_reminder_hours
    FROM pickups p
    JOIN rings r ON r.id = p.ring_id
    JOIN carts c ON c.pickup_id = p.id
    JOIN users u ON u.id = c.user_id
    JOIN memberships m ON m.ring_id = p.ring_id AND m.user_id = c.user_id
    WHERE r.cart_reminder_hours > 0 AND r.archived_at IS NULL
      AND p.starts_at > :now AND p.status = 'scheduled'
      AND p.deadline > :now AND p.deadline <= :until
      AND u.reminders_enabled = 1 AND u.unreachable_at IS NULL AND m.blocked_at IS NULL
      AND EXISTS (SELECT 1 FROM cart_items i
                  WHERE i.user_id = c.user_id AND i.pickup_id = c.pickup_id)
      AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.dedupe_key =
                      'cart_reminder:p' || c.pickup_id || ':u' || c.user_id)
    ORDER BY p.ring_id, p.deadline, c.user_id"""


async def longest_reminder_hours(tx: Transaction) -> int:
    """The most hours before a deadline any ring reminds of carts; 0 when none does."""
    value = await tx.scalar("SELECT MAX(cart_reminder_hours) FROM rings WHERE archived_at IS NULL")
    return int(value or 0)


async def waiting_carts(tx: Transaction, now: datetime) -> list[WaitingCart]:
    """Return the carts with lines, not reminded yet, of every ring's pickups closing soon.

    "Soon": the deadline is within the ring's ``cart_reminder_hours`` from now and has not
    passed; archived rings and rings that do not remind are left out. The statement bounds the
    deadline by the longest of those hours, and each ring's own hours are applied to what it
    returns, a few carts at most. Customers who turned reminders off, blocked the bot or were
    blocked in the ring are left out.
    """
    hours = await longest_reminder_hours(tx)
    if hours <= 0:
        return []
    rows = await tx.fetchall(
        WAITING_SQL, {"now": to_db(now), "until": to_db(now + timedelta(hours=hours))}
    )
    return [
        WaitingCart(
            user_id=row["user_id"],
            pickup_id=row["pickup_id"],
            version=row["version"],
            order_id=row["order_id"],
        )
        for row in rows
        if from_db(row["deadline"]) <= now + timedelta(hours=row["cart_reminder_hours"])
    ]
