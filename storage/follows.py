"""Who follows which producer in which ring, a producer's page photo, and post opt-outs."""

from __future__ import annotations

from datetime import datetime

from rekobot.clock import to_db
from storage.database import Transaction


async def follows(tx: Transaction, user_id: int, ring_id: int, producer_id: int) -> bool:
    """Whether the user follows the producer in the ring."""
    value = await tx.scalar(
        "SELECT 1 FROM producer_follows WHERE user_id = ? AND ring_id = ? AND producer_id = ?",
        (user_id, ring_id, producer_id),
    )
    return value is not None


async def set_follow(
    tx: Transaction, user_id: int, ring_id: int, producer_id: int, *, on: bool, now: datetime
) -> None:
    """Follow or unfollow a producer in a ring (doing it twice changes nothing)."""
    if on:
        await tx.execute(
            "INSERT OR IGNORE INTO producer_follows (user_id, ring_id, producer_id, created_at) "
            "VALUES (?, ?, ?, ?)",
            (user_id, ring_id, producer_id, to_db(now)),
        )
    else:
        await tx.execute(
            "DELETE FROM producer_follows WHERE user_id = ? AND ring_id = ? AND producer_id = ?",
            (user_id, ring_id, producer_id),
        )


async def follower_count(tx: Transaction, ring_id: int, producer_id: int) -> int:
    """How many members follow the producer in the ring."""
    return int(
        await tx.scalar(
            "SELECT COUNT(*) FROM producer_follows WHERE ring_id = ? AND producer_id = ?",
            (ring_id, producer_id),
        )
        or 0
    )


async def offers_in_ring(tx: Transaction, producer_id: int, ring_id: int) -> bool:
    """Whether the producer has something on offer at a pickup of the ring."""
    value = await tx.scalar(
        """
        SELECT 1 FROM offers o JOIN products pr ON pr.id = o.product_id
        JOIN pickups p ON p.id = o.pickup_id
        WHERE pr.producer_id = ? AND p.ring_id = ? AND o.withdrawn_at IS NULL LIMIT 1
        """,
        (producer_id, ring_id),
    )
    return value is not None


async def producer_photo(tx: Transaction, producer_id: int) -> str | None:
    """The photo on the producer's page, if they gave one."""
    value = await tx.scalar("SELECT photo_file_id FROM producers WHERE id = ?", (producer_id,))
    return None if value is None else str(value)


async def set_producer_photo(tx: Transaction, producer_id: int, file_id: str | None) -> None:
    """Set or remove the photo on the producer's page."""
    await tx.execute("UPDATE producers SET photo_file_id = ? WHERE id = ?", (file_id, producer_id))


async def posts_enabled(tx: Transaction, user_id: int) -> bool:
    """Whether the user gets producers' posts (on unless they turned them off)."""
    value = await tx.scalar("SELECT 1 FROM producer_post_optouts WHERE user_id = ?", (user_id,))
    return value is None


async def set_posts_enabled(tx: Transaction, user_id: int, enabled: bool, now: datetime) -> None:
    """Turn producers' posts on or off for a user."""
    if enabled:
        await tx.execute("DELETE FROM producer_post_optouts WHERE user_id = ?", (user_id,))
    else:
        await tx.execute(
            "INSERT OR IGNORE INTO producer_post_optouts (user_id, created_at) VALUES (?, ?)",
            (user_id, to_db(now)),
        )
