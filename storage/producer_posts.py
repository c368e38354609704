"""Producers' weekly posts (one per producer and pickup), the ring's rule, and who gets them."""

from __future__ import annotations

from datetime import datetime

from rekobot.clock import from_db, to_db
from rekobot.models import User
from rekobot.models.voice import Post, PostRule, PostStatus
from storage.database import Row, Transaction
from storage.users import user_from_row


def post_from_row(row: Row) -> Post:
    """Build a Post from a row of ``producer_posts``."""
    return Post(
        id=row["id"],
        producer_id=row["producer_id"],
        pickup_id=row["pickup_id"],
        text=row["text"],
        photo_file_id=row["photo_file_id"],
        to_all=row["audience"] == "all",
        status=PostStatus(row["status"]),
        recipients=row["recipients"],
        created_at=from_db(row["created_at"]),
    )


async def ring_rule(tx: Transaction, ring_id: int) -> PostRule:
    """The ring's rule for posts to every member ("off" unless an admin chose otherwise)."""
    value = await tx.scalar("SELECT rule FROM ring_post_rules WHERE ring_id = ?", (ring_id,))
    return PostRule.OFF if value is None else PostRule(value)


async def set_ring_rule(tx: Transaction, ring_id: int, rule: PostRule) -> None:
    """Choose the ring's rule for posts to every member."""
    await tx.execute(
        "INSERT INTO ring_post_rules (ring_id, rule) VALUES (?, ?) "
        "ON CONFLICT (ring_id) DO UPDATE SET rule = excluded.rule",
        (ring_id, rule.value),
    )


async def get_post(tx: Transaction, post_id: int) -> Post | None:
    """Return a post by id."""
    row = await tx.fetchone("SELECT * FROM producer_posts WHERE id = ?", (post_id,))
    return None if row is None else post_from_row(row)


async def post_for(tx: Transaction, producer_id: int, pickup_id: int) -> Post | None:
    """Return the producer's post for a pickup, if any."""
    row = await tx.fetchone(
        "SELECT * FROM producer_posts WHERE producer_id = ? AND pickup_id = ?",
        (producer_id, pickup_id),
    )
    return None if row is None else post_from_row(row)


async def save_post(
    tx: Transaction,
    *,
    producer_id: int,
    pickup_id: int,
    text: str,
    photo_file_id: str | None,
    to_all: bool,
    status: PostStatus,
    now: datetime,
) -> int:
    """Write the producer's post for a pickup, replacing one that was not sent; return its id.

    A sent post is never replaced (the caller refuses first; the WHERE keeps it safe).
    """
    row = await tx.fetchone(
        """
        INSERT INTO producer_posts
            (producer_id, pickup_id, text, photo_file_id, audience, status, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (producer_id, pickup_id) DO UPDATE SET
            text = excluded.text, photo_file_id = excluded.photo_file_id,
            audience = excluded.audience, status = excluded.status,
            created_at = excluded.created_at, decided_by = NULL, decided_at = NULL
        WHERE producer_posts.status != 'sent'
        RETURNING id
        """,
        (
            producer_id,
            pickup_id,
            text,
            photo_file_id,
            "all" if to_all else "followers",
            status.value,
            to_db(now),
        ),
    )
    if row is None:
        raise ValueError("the post for this pickup was sent already")
    return int(row["id"])


async def decide(
    tx: Transaction, post_id: int, status: PostStatus, *, by: int | None, now: datetime
) -> bool:
    """Move a pending post to sent or rejected; False when it was no longer pending."""
    changed = await tx.execute(
        "UPDATE producer_posts SET status = ?, decided_by = ?, decided_at = ? "
        "WHERE id = ? AND status = 'pending'",
        (status.value, by, to_db(now), post_id),
    )
    return changed == 1


async def mark_sent(tx: Transaction, post_id: int, recipients: int, now: datetime) -> None:
    """Record that the post went out, and to how many."""
    await tx.execute(
        "UPDATE producer_posts SET status = 'sent', recipients = ?, "
        "decided_at = COALESCE(decided_at, ?) WHERE id = ?",
        (recipients, to_db(now), post_id),
    )


async def pending_posts(tx: Transaction, ring_id: int) -> list[Post]:
    """Return the ring's posts waiting for an admin, oldest first."""
    rows = await tx.fetchall(
        """
        SELECT pp.* FROM producer_posts pp JOIN pickups p ON p.id = pp.pickup_id
        WHERE pp.status = 'pending' AND p.ring_id = ? ORDER BY pp.id
        """,
        (ring_id,),
    )
    return [post_from_row(row) for row in rows]


async def recipients(
    tx: Transaction, ring_id: int, producer_id: int, *, to_all: bool, owner_user_id: int
) -> list[User]:
    """The reachable members a post goes to: followers, or everyone; never its own author.

    Members blocked in the ring, users who blocked the bot and users who turned producers'
    posts off are left out.
    """
    audience = (
        ""
        if to_all
        else """AND EXISTS (SELECT 1 FROM producer_follows f WHERE f.user_id = u.id
                 AND f.ring_id = m.ring_id AND f.producer_id = :producer)"""
    )
    rows = await tx.fetchall(
        f"""
        SELECT u.* FROM memberships m JOIN users u ON u.id = m.user_id
        WHERE m.ring_id = :ring AND m.blocked_at IS NULL AND u.unreachable_at IS NULL
          AND u.id != :owner
          AND NOT EXISTS (SELECT 1 FROM producer_post_optouts o WHERE o.user_id = u.id)
          {audience}
        ORDER BY u.id
        """,
        {"ring": ring_id, "producer": producer_id, "owner": owner_user_id},
    )
    return [user_from_row(row) for row in rows]
