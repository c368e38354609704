"""Pickups (utleveringer) with their places."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from rekobot.clock import from_db, to_db
from rekobot.models import Pickup, PickupStatus
from storage.database import Transaction
from storage.rings import location_from_row

PICKUP_SELECT = """
    SELECT p.id, p.ring_id, p.starts_at, p.ends_at, p.deadline, p.status,
           l.id AS l_id, l.ring_id AS l_ring_id, l.name AS l_name, l.address AS l_address,
           l.latitude AS l_latitude, l.longitude AS l_longitude,
           l.directions AS l_directions, l.photo_file_id AS l_photo_file_id
    FROM pickups p JOIN locations l ON l.id = p.location_id
"""


def pickup_from_row(row: aiosqlite.Row) -> Pickup:
    """Build a Pickup from a row of PICKUP_SELECT."""
    return Pickup(
        id=row["id"],
        ring_id=row["ring_id"],
        location=location_from_row(row, "l_"),
        starts_at=from_db(row["starts_at"]),
        ends_at=from_db(row["ends_at"]),
        deadline=from_db(row["deadline"]),
        status=PickupStatus(row["status"]),
    )


async def get_pickup(tx: Transaction, pickup_id: int) -> Pickup | None:
    """Return a pickup by id."""
    row = await tx.fetchone(f"{PICKUP_SELECT} WHERE p.id = ?", (pickup_id,))
    return None if row is None else pickup_from_row(row)


async def open_pickups(tx: Transaction, ring_id: int, now: datetime) -> list[Pickup]:
    """Return the ring's scheduled pickups whose order deadline is still ahead, soonest first."""
    rows = await tx.fetchall(
        f"""{PICKUP_SELECT}
        WHERE p.ring_id = ? AND p.status = 'scheduled' AND p.deadline > ?
        ORDER BY p.starts_at""",
        (ring_id, to_db(now)),
    )
    return [pickup_from_row(row) for row in rows]


async def create_pickup(
    tx: Transaction,
    *,
    ring_id: int,
    location_id: int,
    starts_at: datetime,
    ends_at: datetime,
    deadline: datetime,
    now: datetime,
) -> int:
    """Schedule a pickup and return its id."""
    return await tx.insert(
        "INSERT INTO pickups (ring_id, location_id, starts_at, ends_at, deadline, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (ring_id, location_id, to_db(starts_at), to_db(ends_at), to_db(deadline), to_db(now)),
    )
