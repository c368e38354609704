"""Broadcasts: a message an admin sent to an audience, and the deliveries that carry it."""

from __future__ import annotations

import asyncio
from datetime import datetime

from rekobot.clock import to_db
from rekobot.models import User
from rekobot.models.messaging import Audience, Broadcast, BroadcastStatus
from storage.database import Row, Transaction
from storage.users import user_from_row

#: Deliveries inserted between two chances for other coroutines to run (``enqueue_many``).
ENQUEUE_STEP = 1_000


def broadcast_from_row(row: Row) -> Broadcast:
    """Build a Broadcast from a row of ``broadcasts``."""
    return Broadcast(
        id=row["id"],
        ring_id=row["ring_id"],
        author_user_id=row["author_user_id"],
        text=row["text"],
        photo_file_id=row["photo_file_id"],
        location_id=row["location_id"],
        audience=Audience(row["audience"]),
        pickup_id=row["pickup_id"],
        status=BroadcastStatus(row["status"]),
        progress_chat_id=row["progress_chat_id"],
        progress_message_id=row["progress_message_id"],
    )


async def get_broadcast(tx: Transaction, broadcast_id: int) -> Broadcast | None:
    """Return a broadcast by id."""
    row = await tx.fetchone("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
    return None if row is None else broadcast_from_row(row)


async def sending_broadcasts(tx: Transaction) -> list[Broadcast]:
    """Return the broadcasts that are going out now."""
    rows = await tx.fetchall("SELECT * FROM broadcasts WHERE status = 'sending' ORDER BY id")
    return [broadcast_from_row(row) for row in rows]


async def create_broadcast(
    tx: Transaction,
    *,
    ring_id: int,
    author_user_id: int,
    text: str,
    photo_file_id: str | None,
    location_id: int | None,
    audience: Audience,
    pickup_id: int | None,
    now: datetime,
    progress_chat_id: int | None = None,
    progress_message_id: int | None = None,
) -> int:
    """Record a broadcast that is about to go out; return its id."""
    return await tx.insert(
        "INSERT INTO broadcasts (ring_id, author_user_id, text, photo_file_id, location_id, "
        "audience, pickup_id, status, progress_chat_id, progress_message_id, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, 'sending', ?, ?, ?)",
        (
            ring_id,
            author_user_id,
            text,
            photo_file_id,
            location_id,
            audience.value,
            pickup_id,
            progress_chat_id,
            progress_message_id,
            to_db(now),
        ),
    )


async def set_status(tx: Transaction, broadcast_id: int, status: BroadcastStatus) -> bool:
    """Move a sending broadcast to ``status``; False when it was no longer sending."""
    changed = await tx.execute(
        "UPDATE broadcasts SET status = ? WHERE id = ? AND status = 'sending'",
        (status.value, broadcast_id),
    )
    return changed == 1


async def set_progress_message(
    tx: Transaction, broadcast_id: int, chat_id: int, message_id: int
) -> None:
    """Remember the message that shows the broadcast's progress."""
    await tx.execute(
        "UPDATE broadcasts SET progress_chat_id = ?, progress_message_id = ? WHERE id = ?",
        (chat_id, message_id, broadcast_id),
    )


async def enqueue_many(
    tx: Transaction,
    *,
    broadcast_id: int,
    chat_ids: list[int],
    kind: str,
    payload: str,
    now: datetime,
) -> int:
    """Queue the same messages for many recipients in one transaction; return how many were new.

    The rows go in ``ENQUEUE_STEP`` at a time, and the loop runs between two steps: the
    transaction (and so the write lock) stays open, but customers' reads, which never take
    it, are not held up behind a 20,000-member ring's whole audience (80 ms in one go).
    """
    before = await tx.scalar(
        "SELECT COUNT(*) FROM deliveries WHERE broadcast_id = ?", (broadcast_id,)
    )
    stamp = to_db(now)
    for start in range(0, len(chat_ids), ENQUEUE_STEP):
        if start:
            await asyncio.sleep(0)
        await tx.executemany(
            "INSERT OR IGNORE INTO deliveries (chat_id, kind, payload, dedupe_key, "
            "broadcast_id, not_before, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    chat_id,
                    kind,
                    payload,
                    f"{kind}:{broadcast_id}:{chat_id}",
                    broadcast_id,
                    stamp,
                    stamp,
                )
                for chat_id in chat_ids[start : start + ENQUEUE_STEP]
            ],
        )
    after = await tx.scalar(
        "SELECT COUNT(*) FROM deliveries WHERE broadcast_id = ?", (broadcast_id,)
    )
    return int(after) - int(before)


_REACHABLE_MEMBER = """
    m.ring_id = :ring AND m.blocked_at IS NULL AND u.unreachable_at IS NULL
"""


async def audience_ids(
    tx: Transaction, ring_id: int, audience: Audience, pickup_id: int | None
) -> list[int]:
    """Return the reachable users a broadcast to ``audience`` goes to, by id."""
    params: dict[str, object] = {"ring": ring_id, "pickup": pickup_id}
    if audience is Audience.ALL:
        sql = f"""
            SELECT u.id FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE {_REACHABLE_MEMBER} ORDER BY u.id"""
    elif audience is Audience.ORDERED:
        sql = f"""
            SELECT u.id FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE {_REACHABLE_MEMBER} AND EXISTS (
                SELECT 1 FROM orders o WHERE o.user_id = u.id AND o.pickup_id = :pickup
                AND o.status = 'placed')
            ORDER BY u.id"""
    elif audience is Audience.NOT_ORDERED:
        sql = f"""
            SELECT u.id FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE {_REACHABLE_MEMBER} AND NOT EXISTS (
                SELECT 1 FROM orders o WHERE o.user_id = u.id AND o.pickup_id = :pickup
                AND o.status = 'placed')
            ORDER BY u.id"""
    elif audience is Audience.PRODUCERS:
        sql = """
            SELECT DISTINCT u.id FROM producer_rings pr
            JOIN producers p ON p.id = pr.producer_id JOIN users u ON u.id = p.owner_user_id
            WHERE pr.ring_id = :ring AND pr.status = 'approved' AND u.unreachable_at IS NULL
            ORDER BY u.id"""
    else:
        raise ValueError(f"no audience query for {audience}")
    return [row[0] for row in await tx.fetchall(sql, params)]


async def unreachable_count(
    tx: Transaction, ring_id: int, audience: Audience, pickup_id: int | None
) -> int:
    """Count the members of the audience who blocked the bot (they are left out)."""
    if audience is Audience.PRODUCERS:
        return int(
            await tx.scalar(
                """
                SELECT COUNT(DISTINCT u.id) FROM producer_rings pr
                JOIN producers p ON p.id = pr.producer_id JOIN users u ON u.id = p.owner_user_id
                WHERE pr.ring_id = ? AND pr.status = 'approved' AND u.unreachable_at IS NOT NULL
                """,
                (ring_id,),
            )
        )
    order_rule = {
        Audience.ORDERED: "AND EXISTS",
        Audience.NOT_ORDERED: "AND NOT EXISTS",
    }.get(audience, "")
    condition = (
        f"""{order_rule} (SELECT 1 FROM orders o WHERE o.user_id = u.id
            AND o.pickup_id = :pickup AND o.status = 'placed')"""
        if order_rule
        else ""
    )
    return int(
        await tx.scalar(
            f"""
            SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE m.ring_id = :ring AND m.blocked_at IS NULL AND u.unreachable_at IS NOT NULL
            {condition}
            """,
            {"ring": ring_id, "pickup": pickup_id},
        )
    )


async def announcement_audience(tx: Transaction, ring_id: int) -> list[User]:
    """Return the reachable members who want announcements of new pickups."""
    rows = await tx.fetchall(
        """
        SELECT u.* FROM memberships m JOIN users u ON u.id = m.user_id
        WHERE m.ring_id = ? AND m.blocked_at IS NULL AND u.unreachable_at IS NULL
          AND u.announcements_enabled = 1
        ORDER BY u.id
        """,
        (ring_id,),
    )
    return [user_from_row(row) for row in rows]
