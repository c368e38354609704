"""Users and their memberships of rings."""

from __future__ import annotations

from datetime import datetime

from rekobot.clock import to_db
from rekobot.models import Membership, User
from storage.database import Row, Transaction
from storage.rings import ring_from_row

_USER_COLUMNS = (
    "id, first_name, last_name, username, language_code, locale, current_ring_id, "
    "reminders_enabled, announcements_enabled, orders_open_enabled, unreachable_at"
)


def user_columns(alias: str) -> str:
    """The columns ``user_from_row`` reads, of the table aliased ``alias`` in a join."""
    return ", ".join(f"{alias}.{column.strip()}" for column in _USER_COLUMNS.split(","))


def user_from_row(row: Row) -> User:
    """Build a User from a row of ``users``."""
    return User(
        id=row["id"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        username=row["username"],
        language_code=row["language_code"],
        locale=row["locale"],
        current_ring_id=row["current_ring_id"],
        reminders_enabled=bool(row["reminders_enabled"]),
        announcements_enabled=bool(row["announcements_enabled"]),
        orders_open_enabled=bool(row["orders_open_enabled"]),
        unreachable=row["unreachable_at"] is not None,
    )


async def upsert_user(
    tx: Transaction,
    *,
    user_id: int,
    first_name: str,
    last_name: str | None,
    username: str | None,
    language_code: str | None,
    now: datetime,
) -> User:
    """Record what Telegram tells us about a user; a user who writes is reachable again."""
    row = await tx.fetchone(
        f"""
        INSERT INTO users (id, first_name, last_name, username, language_code, created_at)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET
            first_name = excluded.first_name, last_name = excluded.last_name,
            username = excluded.username, language_code = excluded.language_code,
            unreachable_at = NULL
        RETURNING {_USER_COLUMNS}
        """,
        (user_id, first_name, last_name, username, language_code, to_db(now)),
    )
    assert row is not None
    return user_from_row(row)


async def get_user(tx: Transaction, user_id: int) -> User | None:
    """Return a user by Telegram id."""
    row = await tx.fetchone(f"SELECT {_USER_COLUMNS} FROM users WHERE id = ?", (user_id,))
    return None if row is None else user_from_row(row)


async def set_user_locale(tx: Transaction, user_id: int, locale: str) -> None:
    """Remember the language a user chose."""
    await tx.execute("UPDATE users SET locale = ? WHERE id = ?", (locale, user_id))


async def set_current_ring(tx: Transaction, user_id: int, ring_id: int) -> None:
    """Make ``ring_id`` the ring that /shop and /orders show."""
    await tx.execute("UPDATE users SET current_ring_id = ? WHERE id = ?", (ring_id, user_id))


async def join_ring(tx: Transaction, *, user_id: int, ring_id: int, now: datetime) -> bool:
    """Make the user a member; return True when they were not one before."""
    changed = await tx.execute(
        "INSERT OR IGNORE INTO memberships (ring_id, user_id, joined_at) VALUES (?, ?, ?)",
        (ring_id, user_id, to_db(now)),
    )
    return changed > 0


async def memberships(tx: Transaction, user_id: int) -> list[Membership]:
    """Return the rings a user belongs to, by name (archived rings are hidden)."""
    rows = await tx.fetchall(
        """
        SELECT r.*, m.is_admin, m.blocked_at FROM memberships m
        JOIN rings r ON r.id = m.ring_id AND r.archived_at IS NULL
        WHERE m.user_id = ? ORDER BY r.name
        """,
        (user_id,),
    )
    return [
        Membership(
            ring=ring_from_row(row), is_admin=bool(row["is_admin"]), blocked=bool(row["blocked_at"])
        )
        for row in rows
    ]


async def membership(tx: Transaction, user_id: int, ring_id: int) -> Membership | None:
    """Return one membership, if the user has it."""
    for member in await memberships(tx, user_id):
        if member.ring.id == ring_id:
            return member
    return None


async def is_active_member(tx: Transaction, user_id: int, ring_id: int) -> bool:
    """Whether the user joined the ring and is not blocked in it."""
    row = await tx.fetchone(
        "SELECT blocked_at FROM memberships WHERE user_id = ? AND ring_id = ?", (user_id, ring_id)
    )
    return row is not None and row["blocked_at"] is None


async def sells_or_runs(tx: Transaction, user_id: int) -> tuple[bool, bool]:
    """Return whether the user sells in some ring (approved) and runs some ring (admin)."""
    row = await tx.fetchone(
        """
        SELECT
            EXISTS (SELECT 1 FROM producers p JOIN producer_rings pr ON pr.producer_id = p.id
                    WHERE p.owner_user_id = :user AND pr.status = 'approved'),
            EXISTS (SELECT 1 FROM memberships
                    WHERE user_id = :user AND is_admin = 1 AND blocked_at IS NULL)
        """,
        {"user": user_id},
    )
    assert row is not None
    return bool(row[0]), bool(row[1])
