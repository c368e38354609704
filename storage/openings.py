"""What the "orders are open" message needs: pickups that opened untold, and who asked for it.

The sweep asks every 20 s, so the question is one search of ``pickups_opening`` (a partial
index of the scheduled pickups not told yet); the audience is read a chunk at a time through
the memberships' primary key, in user id order. ``tests/test_windows.py`` checks the plans.
"""

from __future__ import annotations

from datetime import datetime

from rekobot.clock import to_db
from rekobot.models import Pickup, User
from storage.database import Transaction
from storage.pickups import PICKUP_SELECT, pickup_from_row
from storage.users import user_from_row

#: A pickup that opened with nothing on sale yet waits for its first offer (or its deadline,
#: when it is marked told without a message): it is left out here, so a sweep does not read
#: its offers and ring again every 20 s while it waits.
OPENED_SQL = f"""{PICKUP_SELECT}
    WHERE p.status = 'scheduled' AND p.open_notice_at IS NULL
      AND p.orders_open_at IS NOT NULL AND p.orders_open_at <= :now
      AND p.ring_id NOT IN (SELECT id FROM rings WHERE archived_at IS NOT NULL)
      AND (p.deadline <= :now OR EXISTS (SELECT 1 FROM offers f
                                         WHERE f.pickup_id = p.id AND f.withdrawn_at IS NULL))
    ORDER BY p.orders_open_at LIMIT :limit"""

#: Members who had the pickup's announcement (it says it takes orders) are not told twice.
AUDIENCE_SQL = """
    SELECT u.* FROM memberships m JOIN users u ON u.id = m.user_id
    WHERE m.ring_id = :ring AND m.user_id > :after AND m.blocked_at IS NULL
      AND u.orders_open_enabled = 1 AND u.unreachable_at IS NULL
      AND NOT (u.announcements_enabled = 1
               AND (SELECT announced_at FROM pickups WHERE id = :pickup) IS NOT NULL)
    ORDER BY m.user_id LIMIT :limit"""


def orders_open_key(pickup_id: int, user_id: int) -> str:
    """The dedupe key of a member's one "orders are open" message for a pickup."""
    return f"orders_open:p{pickup_id}:u{user_id}"


async def opened_untold(tx: Transaction, now: datetime, *, limit: int = 50) -> list[Pickup]:
    """Return pickups that opened for orders and whose members have not been told yet.

    Only those with something on sale, or whose deadline passed (marked told, no message).
    """
    rows = await tx.fetchall(OPENED_SQL, {"now": to_db(now), "limit": limit})
    return [pickup_from_row(row) for row in rows]


async def audience_chunk(tx: Transaction, pickup: Pickup, *, after: int, limit: int) -> list[User]:
    """Return up to ``limit`` reachable members (ids above ``after``) who want the message."""
    rows = await tx.fetchall(
        AUDIENCE_SQL, {"ring": pickup.ring_id, "pickup": pickup.id, "after": after, "limit": limit}
    )
    return [user_from_row(row) for row in rows]


async def mark_told(tx: Transaction, pickup_id: int, now: datetime) -> None:
    """Record that the pickup's opening was told (or needs no telling)."""
    await tx.execute(
        "UPDATE pickups SET open_notice_at = ? WHERE id = ? AND open_notice_at IS NULL",
        (to_db(now), pickup_id),
    )


async def set_orders_open_enabled(tx: Transaction, user_id: int, enabled: bool) -> None:
    """Turn a user's "orders are open" messages on or off."""
    await tx.execute(
        "UPDATE users SET orders_open_enabled = ? WHERE id = ?", (int(enabled), user_id)
    )
