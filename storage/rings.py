"""Rings, their categories and pickup places; archiving a ring and deleting it for good."""

from __future__ import annotations

from datetime import datetime, time

from rekobot.clock import to_db
from rekobot.models import Location, Ring
from storage.database import Row, Transaction


def ring_from_row(row: Row, prefix: str = "") -> Ring:
    """Build a Ring from a row of ``rings``, with column names optionally prefixed."""
    return Ring(
        id=row[f"{prefix}id"],
        slug=row[f"{prefix}slug"],
        name=row[f"{prefix}name"],
        description=row[f"{prefix}description"],
        timezone=row[f"{prefix}timezone"],
        locale=row[f"{prefix}locale"],
        currency=row[f"{prefix}currency"],
        deadline_hours=row[f"{prefix}deadline_hours"],
        evening_reminder_time=time.fromisoformat(row[f"{prefix}evening_reminder_time"]),
        archived=row[f"{prefix}archived_at"] is not None,
        anonymise_after_days=row[f"{prefix}anonymise_after_days"],
        cart_reminder_hours=row[f"{prefix}cart_reminder_hours"],
        orders_open_days=row[f"{prefix}orders_open_days"],
    )


#: The columns ``ring_from_row`` reads, from ``rings r``, each prefixed ``r_`` (for joins).
RING_COLUMNS_AS_R = ", ".join(
    f"r.{column} AS r_{column}"
    for column in (
        "id",
        "slug",
        "name",
        "description",
        "timezone",
        "locale",
        "currency",
        "deadline_hours",
        "evening_reminder_time",
        "archived_at",
        "anonymise_after_days",
        "cart_reminder_hours",
        "orders_open_days",
    )
)


def location_from_row(row: Row, prefix: str = "") -> Location:
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


async def ring_by_slug(
    tx: Transaction, slug: str, *, include_archived: bool = False
) -> Ring | None:
    """Return a ring by its deep-link slug (case-insensitive); archived ones only if asked."""
    row = await tx.fetchone(
        "SELECT * FROM rings WHERE slug = ? COLLATE NOCASE AND (? OR archived_at IS NULL)",
        (slug, include_archived),
    )
    return None if row is None else ring_from_row(row)


async def all_rings(tx: Transaction) -> list[Ring]:
    """Return every ring that is not archived, by name."""
    rows = await tx.fetchall("SELECT * FROM rings WHERE archived_at IS NULL ORDER BY name")
    return [ring_from_row(row) for row in rows]


async def archived_rings(tx: Transaction) -> list[Ring]:
    """Return the archived rings, by name."""
    rows = await tx.fetchall("SELECT * FROM rings WHERE archived_at IS NOT NULL ORDER BY name")
    return [ring_from_row(row) for row in rows]


async def ring_count(tx: Transaction) -> int:
    """How many rings there are, archived ones included."""
    return int(await tx.scalar("SELECT COUNT(*) FROM rings") or 0)


async def set_archived(tx: Transaction, ring_id: int, archived_at: datetime | None) -> bool:
    """Archive a ring (or bring it back with None); False when it already was so."""
    changed = await tx.execute(
        "UPDATE rings SET archived_at = ? WHERE id = ? AND (archived_at IS NULL) = ?",
        (None if archived_at is None else to_db(archived_at), ring_id, archived_at is not None),
    )
    return changed == 1


async def delete_ring(tx: Transaction, ring_id: int) -> dict[str, int]:
    """Delete a ring and everything that belongs only to it; return counts of what went.

    The schema cascades from ``rings`` to its places, pickups, categories, memberships,
    producer links, broadcasts and audit entries, but orders, order lines and offers refer to
    pickups and offers without a cascade (so a pickup with orders cannot vanish by accident).
    They go first, children before parents. Producers belong to their owners and may sell
    elsewhere, so they are kept, except the demo's made-up ones (negative owner ids) that sold
    only here; their users go with them.
    """
    pickups = "SELECT id FROM pickups WHERE ring_id = :ring"
    counts = {
        "orders": await tx.execute(
            f"DELETE FROM orders WHERE pickup_id IN ({pickups})", {"ring": ring_id}
        ),
        "broadcasts": await tx.execute(
            "DELETE FROM broadcasts WHERE ring_id = :ring", {"ring": ring_id}
        ),
        "pickups": await tx.execute("DELETE FROM pickups WHERE ring_id = :ring", {"ring": ring_id}),
        "places": await tx.execute(
            "DELETE FROM locations WHERE ring_id = :ring", {"ring": ring_id}
        ),
    }
    made_up = await tx.fetchall(
        """
        SELECT pr.producer_id FROM producer_rings pr JOIN producers p ON p.id = pr.producer_id
        WHERE pr.ring_id = :ring AND p.owner_user_id < 0 AND NOT EXISTS (
            SELECT 1 FROM producer_rings other
            WHERE other.producer_id = pr.producer_id AND other.ring_id != :ring)
        """,
        {"ring": ring_id},
    )
    counts["rings"] = await tx.execute("DELETE FROM rings WHERE id = :ring", {"ring": ring_id})
    counts["demo_producers"] = 0
    for row in made_up:
        counts["demo_producers"] += await tx.execute(
            "DELETE FROM producers WHERE id = ? AND NOT EXISTS ("
            "SELECT 1 FROM offers o JOIN products pd ON pd.id = o.product_id "
            "WHERE pd.producer_id = producers.id)",
            (row["producer_id"],),
        )
    await tx.execute(
        """
        DELETE FROM users WHERE id < 0
          AND NOT EXISTS (SELECT 1 FROM producers WHERE owner_user_id = users.id)
          AND NOT EXISTS (SELECT 1 FROM memberships WHERE user_id = users.id)
          AND NOT EXISTS (SELECT 1 FROM orders WHERE user_id = users.id)
          AND NOT EXISTS (SELECT 1 FROM broadcasts WHERE author_user_id = users.id)
          AND NOT EXISTS (SELECT 1 FROM producer_rings WHERE decided_by = users.id)
        """
    )
    return counts


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

