"""Pickup places of a ring: listing, changing and archiving them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rekobot.clock import to_db
from rekobot.models import Location
from storage.database import Transaction
from storage.rings import location_from_row

#: Place columns an admin may change.
PLACE_FIELDS = frozenset(
    {"name", "address", "latitude", "longitude", "directions", "photo_file_id"}
)


async def places(tx: Transaction, ring_id: int) -> list[Location]:
    """Return the ring's places that are in use, by name."""
    rows = await tx.fetchall(
        "SELECT * FROM locations WHERE ring_id = ? AND archived_at IS NULL "
        "ORDER BY name COLLATE NOCASE",
        (ring_id,),
    )
    return [location_from_row(row) for row in rows]


async def get_place(tx: Transaction, place_id: int) -> Location | None:
    """Return a place (archived or not) by id."""
    row = await tx.fetchone("SELECT * FROM locations WHERE id = ?", (place_id,))
    return None if row is None else location_from_row(row)


async def name_taken(
    tx: Transaction, ring_id: int, name: str, *, except_place: int | None = None
) -> bool:
    """Whether the ring already has a place with this name."""
    value = await tx.scalar(
        "SELECT 1 FROM locations WHERE ring_id = ? AND name = ? AND id IS NOT ?",
        (ring_id, name, except_place),
    )
    return value is not None


async def update_place(tx: Transaction, place_id: int, changes: dict[str, Any]) -> None:
    """Change some of a place's details."""
    unknown = set(changes) - PLACE_FIELDS
    if unknown:
        raise ValueError(f"not place details: {sorted(unknown)}")
    if not changes:
        return
    assignments = ", ".join(f"{column} = :{column}" for column in sorted(changes))
    await tx.execute(
        f"UPDATE locations SET {assignments} WHERE id = :id", {**changes, "id": place_id}
    )


async def upcoming_pickup_count(tx: Transaction, place_id: int, now: datetime) -> int:
    """Count scheduled pickups at a place that have not ended."""
    return int(
        await tx.scalar(
            "SELECT COUNT(*) FROM pickups WHERE location_id = ? AND status = 'scheduled' "
            "AND ends_at > ?",
            (place_id, to_db(now)),
        )
    )


async def archive_place(tx: Transaction, place_id: int, now: datetime) -> None:
    """Hide a place from the lists (past pickups keep pointing at it)."""
    await tx.execute(
        "UPDATE locations SET archived_at = ?, name = name || ' #' || id WHERE id = ?",
        (to_db(now), place_id),
    )
