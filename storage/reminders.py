"""What the pickup reminders need: pickups about to start, and the orders to remind."""

from __future__ import annotations

from datetime import datetime

from rekobot.clock import to_db
from rekobot.models import Pickup
from storage.database import Transaction
from storage.pickups import PICKUP_SELECT, pickup_from_row

REMINDER_COLUMNS = {"evening": "evening_reminder_sent_at", "hour": "hour_reminder_sent_at"}


async def pickups_starting_between(tx: Transaction, start: datetime, end: datetime) -> list[Pickup]:
    """Return scheduled pickups that start after ``start`` and no later than ``end``.

    Pickups of an archived ring are left out: an archived ring gets no reminders.
    """
    rows = await tx.fetchall(
        f"""{PICKUP_SELECT}
        WHERE p.status = 'scheduled' AND p.starts_at > ? AND p.starts_at <= ?
          AND p.ring_id NOT IN (SELECT id FROM rings WHERE archived_at IS NOT NULL)
        ORDER BY p.starts_at""",
        (to_db(start), to_db(end)),
    )
    return [pickup_from_row(row) for row in rows]


async def orders_to_remind(tx: Transaction, pickup_id: int) -> list[tuple[int, int]]:
    """Return (order id, user id) of placed orders whose customer wants reminders."""
    rows = await tx.fetchall(
        """
        SELECT o.id, o.user_id FROM orders o JOIN users u ON u.id = o.user_id
        WHERE o.pickup_id = ? AND o.status = 'placed'
          AND u.reminders_enabled = 1 AND u.unreachable_at IS NULL
        ORDER BY o.number
        """,
        (pickup_id,),
    )
    return [(row["id"], row["user_id"]) for row in rows]


async def queued_keys(tx: Transaction, prefix: str) -> set[str]:
    """Return the dedupe keys already in the outbox that start with ``prefix``."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = await tx.fetchall(
        "SELECT dedupe_key FROM deliveries WHERE dedupe_key LIKE ? ESCAPE '\\'",
        (escaped + "%",),
    )
    return {row[0] for row in rows}


async def mark_round(tx: Transaction, pickup_id: int, kind: str, now: datetime) -> None:
    """Record when a pickup's evening or hour reminders first went into the outbox."""
    column = REMINDER_COLUMNS[kind]
    await tx.execute(
        f"UPDATE pickups SET {column} = COALESCE({column}, ?) WHERE id = ?",
        (to_db(now), pickup_id),
    )


async def reset_rounds(tx: Transaction, pickup_id: int) -> None:
    """Forget that reminders went out (the pickup moved: remind about the new time)."""
    await tx.execute(
        "UPDATE pickups SET evening_reminder_sent_at = NULL, hour_reminder_sent_at = NULL "
        "WHERE id = ?",
        (pickup_id,),
    )


async def set_reminders_enabled(tx: Transaction, user_id: int, enabled: bool) -> None:
    """Turn a user's pickup reminders on or off."""
    await tx.execute("UPDATE users SET reminders_enabled = ? WHERE id = ?", (int(enabled), user_id))


async def set_announcements_enabled(tx: Transaction, user_id: int, enabled: bool) -> None:
    """Turn a user's announcements of new pickups on or off."""
    await tx.execute(
        "UPDATE users SET announcements_enabled = ? WHERE id = ?", (int(enabled), user_id)
    )
