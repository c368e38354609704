"""What ring admins read and change: ring settings, admins, members, the audit log, overviews."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from rekobot.clock import from_db, to_db
from rekobot.models.running import MemberRow, ProducerTotal
from storage.database import Transaction
from storage.orders import LINE_AMOUNT_SQL
from storage.users import user_from_row

#: Ring columns an admin may change.
RING_FIELDS = frozenset(
    {
        "name",
        "slug",
        "description",
        "timezone",
        "locale",
        "currency",
        "deadline_hours",
        "evening_reminder_time",
        "cart_reminder_hours",
        "orders_open_days",
    }
)

_MEMBER_SELECT = """
    SELECT u.id, u.first_name, u.last_name, u.username, u.language_code, u.locale,
           u.current_ring_id, u.reminders_enabled, u.announcements_enabled, u.orders_open_enabled,
           u.unreachable_at,
           m.is_admin, m.blocked_at, m.joined_at,
           EXISTS (SELECT 1 FROM producers p JOIN producer_rings pr ON pr.producer_id = p.id
                   WHERE p.owner_user_id = u.id AND pr.ring_id = m.ring_id
                   AND pr.status = 'approved') AS is_producer
    FROM memberships m JOIN users u ON u.id = m.user_id
"""


def _member(row: Any) -> MemberRow:
    return MemberRow(
        user=user_from_row(row),
        is_admin=bool(row["is_admin"]),
        is_producer=bool(row["is_producer"]),
        blocked=row["blocked_at"] is not None,
        joined_at=from_db(row["joined_at"]),
    )


async def audit(
    tx: Transaction,
    *,
    ring_id: int | None,
    user_id: int,
    action: str,
    detail: dict[str, Any],
    now: datetime,
) -> None:
    """Write one admin action to the audit log."""
    await tx.execute(
        "INSERT INTO audit_log (ring_id, user_id, action, detail, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (ring_id, user_id, action, json.dumps(detail, ensure_ascii=False, default=str), to_db(now)),
    )


async def update_ring(tx: Transaction, ring_id: int, changes: dict[str, Any]) -> None:
    """Change some of a ring's settings."""
    unknown = set(changes) - RING_FIELDS
    if unknown:
        raise ValueError(f"not ring settings: {sorted(unknown)}")
    if not changes:
        return
    assignments = ", ".join(f"{column} = :{column}" for column in sorted(changes))
    await tx.execute(f"UPDATE rings SET {assignments} WHERE id = :id", {**changes, "id": ring_id})


async def slug_taken(tx: Transaction, slug: str, *, except_ring: int | None = None) -> bool:
    """Whether another ring already uses this deep-link code."""
    value = await tx.scalar(
        "SELECT 1 FROM rings WHERE slug = ? COLLATE NOCASE AND id IS NOT ?", (slug, except_ring)
    )
    return value is not None


async def is_admin(tx: Transaction, user_id: int, ring_id: int) -> bool:
    """Whether a user is marked admin of a ring (and not blocked in it)."""
    value = await tx.scalar(
        "SELECT 1 FROM memberships WHERE ring_id = ? AND user_id = ? AND is_admin = 1 "
        "AND blocked_at IS NULL",
        (ring_id, user_id),
    )
    return value is not None


async def admin_ring_ids(tx: Transaction, user_id: int) -> list[int]:
    """Return the rings a user is marked admin of."""
    rows = await tx.fetchall(
        "SELECT ring_id FROM memberships WHERE user_id = ? AND is_admin = 1 AND blocked_at IS NULL",
        (user_id,),
    )
    return [row["ring_id"] for row in rows]


async def ring_admin_ids(tx: Transaction, ring_id: int) -> list[int]:
    """Return the users marked admin of a ring (not counting the operator's REKOBOT_ADMIN_IDS)."""
    rows = await tx.fetchall(
        "SELECT user_id FROM memberships WHERE ring_id = ? AND is_admin = 1 "
        "AND blocked_at IS NULL ORDER BY user_id",
        (ring_id,),
    )
    return [row["user_id"] for row in rows]


async def set_admin(tx: Transaction, ring_id: int, user_id: int, admin: bool) -> bool:
    """Make a member an admin or take it away; False when they are not a member."""
    changed = await tx.execute(
        "UPDATE memberships SET is_admin = ? WHERE ring_id = ? AND user_id = ?",
        (int(admin), ring_id, user_id),
    )
    return changed == 1


async def ring_admins(tx: Transaction, ring_id: int) -> list[MemberRow]:
    """Return the ring's admins, by name."""
    rows = await tx.fetchall(
        f"""{_MEMBER_SELECT}
        WHERE m.ring_id = ? AND m.is_admin = 1 AND m.blocked_at IS NULL
        ORDER BY u.first_name COLLATE NOCASE, u.id""",
        (ring_id,),
    )
    return [_member(row) for row in rows]


async def members(
    tx: Transaction, ring_id: int, *, search: str = "", limit: int = 10, offset: int = 0
) -> tuple[list[MemberRow], int]:
    """Return a page of the ring's members (name, @username or id matching), and the count."""
    where = "m.ring_id = :ring"
    params: dict[str, Any] = {"ring": ring_id, "limit": limit, "offset": offset}
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params["like"] = f"%{escaped.lstrip('@')}%"
        # A Telegram id fits in 52 bits; longer digit strings are names, not ids (SQLite's
        # INTEGER would overflow on them).
        is_id = search.isascii() and search.isdigit() and len(search) <= 18
        params["id"] = int(search) if is_id else -1
        where += """ AND (u.first_name || ' ' || COALESCE(u.last_name, '') LIKE :like ESCAPE '\\'
                     OR COALESCE(u.username, '') LIKE :like ESCAPE '\\' OR u.id = :id)"""
    total = await tx.scalar(
        f"SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE {where}",
        params,
    )
    rows = await tx.fetchall(
        f"""{_MEMBER_SELECT} WHERE {where}
        ORDER BY m.is_admin DESC, u.first_name COLLATE NOCASE, u.id
        LIMIT :limit OFFSET :offset""",
        params,
    )
    return [_member(row) for row in rows], int(total)


async def member(tx: Transaction, ring_id: int, user_id: int) -> MemberRow | None:
    """Return one member of a ring."""
    row = await tx.fetchone(
        f"{_MEMBER_SELECT} WHERE m.ring_id = ? AND m.user_id = ?", (ring_id, user_id)
    )
    return None if row is None else _member(row)


async def set_blocked(
    tx: Transaction, ring_id: int, user_id: int, blocked: bool, now: datetime
) -> None:
    """Block a member from the ring (they can no longer shop or rejoin), or lift the block."""
    await tx.execute(
        "UPDATE memberships SET blocked_at = ?, is_admin = CASE WHEN ? THEN 0 ELSE is_admin END "
        "WHERE ring_id = ? AND user_id = ?",
        (to_db(now) if blocked else None, blocked, ring_id, user_id),
    )


async def member_count(tx: Transaction, ring_id: int) -> int:
    """Count the ring's members who are not blocked."""
    return int(
        await tx.scalar(
            "SELECT COUNT(*) FROM memberships WHERE ring_id = ? AND blocked_at IS NULL",
            (ring_id,),
        )
    )


async def joined_since(tx: Transaction, ring_id: int, since: datetime | None) -> int:
    """Count members who joined after ``since`` (all of them when it is None)."""
    return int(
        await tx.scalar(
            "SELECT COUNT(*) FROM memberships WHERE ring_id = ? AND blocked_at IS NULL "
            "AND joined_at > ?",
            (ring_id, to_db(since) if since else ""),
        )
    )


async def producer_totals(tx: Transaction, pickup_id: int) -> list[ProducerTotal]:
    """Return, per producer, the placed orders and their amount at a pickup."""
    rows = await tx.fetchall(
        f"""
        SELECT pd.id AS producer_id, pd.name, COUNT(DISTINCT o.id) AS orders,
               SUM({LINE_AMOUNT_SQL}) AS amount
        FROM orders o
        JOIN order_lines l ON l.order_id = o.id
        JOIN offers f ON f.id = l.offer_id
        JOIN products pr ON pr.id = f.product_id
        JOIN producers pd ON pd.id = pr.producer_id
        WHERE o.pickup_id = ? AND o.status = 'placed'
        GROUP BY pd.id ORDER BY amount DESC, pd.name COLLATE NOCASE
        """,
        (pickup_id,),
    )
    return [ProducerTotal.model_validate(dict(row)) for row in rows]


async def placed_order_count(tx: Transaction, pickup_id: int) -> int:
    """Count the placed orders of a pickup."""
    return int(
        await tx.scalar(
            "SELECT COUNT(*) FROM orders WHERE pickup_id = ? AND status = 'placed'", (pickup_id,)
        )
    )
