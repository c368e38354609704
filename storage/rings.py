"""Rings, their categories and pickup places."""

from __future__ import annotations

from datetime import datetime, time

import aiosqlite

from rekobot.clock import to_db
from rekobot.models import Location, Ring
from storage.database import Transaction


def ring_from_row(row: aiosqlite.Row) -> Ring:
    """Build a Ring from a row of ``rings``."""
    return Ring(
        id=row["id"],
        slug=row["slug"],
        name=row["name"],
        description=row["description"],
        timezone=row["timezone"],
        locale=row["locale"],
        currency=row["currency"],
        deadline_hours=row["deadline_hours"],
        evening_reminder_time=time.fromisoformat(row["evening_reminder_time"]),
        anonymise_after_days=row["anonymise_after_days"],
    )


def location_from_row(row: aiosqlite.Row, prefix: str = "") -> Location:
    """Build a Location from a row, with column names optionally prefixed."""
    return Location(
        id=row[f"{prefix}id"],
        ring_id=row[f"{prefix}ring_id"],
        name=row[f"{prefix}name"],
        address=row[f"{prefix}address"],
        latitude=row[f"{prefix}latitude"],
        longitude=row[f"{prefix}longitude"],
        directions=row[f"{prefix}directions"],
        photo_file_id=row[f"{prefix}photo_file_id"],
    )


async def get_ring(tx: Transaction, ring_id: int) -> Ring | None:
    """Return a ring by id."""
    row = await tx.fetchone("SELECT * FROM rings WHERE id = ?", (ring_id,))
    return None if row is None else ring_from_row(row)


async def ring_by_slug(tx: Transaction, slug: str) -> Ring | None:
    """Return a ring by its deep-link slug (case-insensitive)."""
    row = await tx.fetchone("SELECT * FROM rings WHERE slug = ? COLLATE NOCASE", (slug,))
    return None if row is None else ring_from_row(row)


async def all_rings(tx: Transaction) -> list[Ring]:
    """Return every ring, by name."""
    rows = await tx.fetchall("SELECT * FROM rings ORDER BY name")
    return [ring_from_row(row) for row in rows]


async def categories(tx: Transaction, ring_id: int) -> list[tuple[int, str]]:
    """Return the ring's product categories as (id, name), in the admin's order."""
    rows = await tx.fetchall(
        "SELECT id, name FROM categories WHERE ring_id = ? ORDER BY position, name", (ring_id,)
    )
    return [(row["id"], row["name"]) for row in rows]


async def create_ring(
    tx: Transaction,
    *,
    slug: str,
    name: str,
    timezone: str,
    locale: str,
    currency: str,
    deadline_hours: int = 36,
    description: str = "",
    now: datetime,
) -> int:
    """Create a ring and return its id."""
    return await tx.insert(
        "INSERT INTO rings (slug, name, description, timezone, locale, currency, "
        "deadline_hours, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (slug, name, description, timezone, locale, currency, deadline_hours, to_db(now)),
    )


async def set_categories(tx: Transaction, ring_id: int, names: list[str]) -> None:
    """Make ``names`` the ring's categories, in that order (existing ids are kept)."""
    for position, name in enumerate(names):
        await tx.execute(
            "INSERT INTO categories (ring_id, name, position) VALUES (?, ?, ?) "
            "ON CONFLICT (ring_id, name) DO UPDATE SET position = excluded.position",
            (ring_id, name, position),
        )
    marks = ",".join("?" * len(names)) or "NULL"
    await tx.execute(
        f"DELETE FROM categories WHERE ring_id = ? AND name NOT IN ({marks})", (ring_id, *names)
    )


async def add_location(
    tx: Transaction,
    *,
    ring_id: int,
    name: str,
    address: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    directions: str = "",
    photo_file_id: str | None = None,
) -> int:
    """Add a pickup place to a ring and return its id."""
    return await tx.insert(
        "INSERT INTO locations (ring_id, name, address, latitude, longitude, directions, "
        "photo_file_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (ring_id, name, address, latitude, longitude, directions, photo_file_id),
    )


async def set_anonymise_after_days(tx: Transaction, ring_id: int, days: int) -> None:
    """Set how many days after a pickup its orders lose the customers' names (0 = never)."""
    await tx.execute("UPDATE rings SET anonymise_after_days = ? WHERE id = ?", (days, ring_id))
