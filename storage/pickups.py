"""Pickups (utleveringer) with their places, and when each opens for orders."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from rekobot.clock import from_db, to_db
from rekobot.models import Pickup, PickupStatus, Ring
from storage.database import Row, Transaction, enum_member
from storage.rings import RING_COLUMNS_AS_R, location_from_row, ring_from_row

_PICKUP_COLUMNS = """
    p.id, p.ring_id, p.starts_at, p.ends_at, p.deadline, p.status, p.orders_open_at,
    p.orders_open_fixed,
    l.id AS l_id, l.ring_id AS l_ring_id, l.name AS l_name, l.address AS l_address,
    l.latitude AS l_latitude, l.longitude AS l_longitude,
    l.directions AS l_directions, l.photo_file_id AS l_photo_file_id
"""
_PICKUP_FROM = "FROM pickups p JOIN locations l ON l.id = p.location_id"
PICKUP_SELECT = f"SELECT {_PICKUP_COLUMNS} {_PICKUP_FROM}\n"


def pickup_from_row(row: Row) -> Pickup:
    """Build a Pickup from a row of PICKUP_SELECT."""
    return Pickup(
        id=row["id"],
        ring_id=row["ring_id"],
        location=location_from_row(row, "l_"),
        starts_at=from_db(row["starts_at"]),
        ends_at=from_db(row["ends_at"]),
        deadline=from_db(row["deadline"]),
        status=enum_member(PickupStatus, row["status"]),
        orders_open_at=from_db(row["orders_open_at"]) if row["orders_open_at"] else None,
        orders_open_fixed=bool(row["orders_open_fixed"]),
    )


async def get_pickup(tx: Transaction, pickup_id: int) -> Pickup | None:
    """Return a pickup by id."""
    row = await tx.fetchone(f"{PICKUP_SELECT} WHERE p.id = ?", (pickup_id,))
    return None if row is None else pickup_from_row(row)


async def pickup_for_member(
    tx: Transaction, pickup_id: int, user_id: int
) -> tuple[Pickup, Ring, bool] | None:
    """Return a pickup, its ring, and whether the user is an unblocked member of that ring.

    One statement for what every look at a pickup checks first (it used to take three).
    """
    row = await tx.fetchone(
        f"""
        SELECT {_PICKUP_COLUMNS}, {RING_COLUMNS_AS_R},
               (SELECT m.blocked_at IS NULL FROM memberships m
                WHERE m.user_id = ? AND m.ring_id = p.ring_id) AS active_member
        {_PICKUP_FROM} JOIN rings r ON r.id = p.ring_id
        WHERE p.id = ?
        """,
        (user_id, pickup_id),
    )
    if row is None:
        return None
    return pickup_from_row(row), ring_from_row(row, "r_"), bool(row["active_member"])


async def open_pickups(tx: Transaction, ring_id: int, now: datetime) -> list[Pickup]:
    """Return the ring's pickups that take orders now (opened, deadline ahead), soonest first."""
    rows = await tx.fetchall(
        f"""{PICKUP_SELECT}
        WHERE p.ring_id = ? AND p.status = 'scheduled' AND p.deadline > ?
          AND p.orders_open_at <= ?
        ORDER BY p.starts_at""",
        (ring_id, to_db(now), to_db(now)),
    )
    return [pickup_from_row(row) for row in rows]


async def next_opening(tx: Transaction, ring_id: int, now: datetime) -> Pickup | None:
    """Return the ring's pickup that opens for orders next (after ``now``), if one has a time."""
    row = await tx.fetchone(
        f"""{PICKUP_SELECT}
        WHERE p.ring_id = ? AND p.status = 'scheduled' AND p.orders_open_at > ?
          AND p.deadline > p.orders_open_at
        ORDER BY p.orders_open_at, p.starts_at LIMIT 1""",
        (ring_id, to_db(now)),
    )
    return None if row is None else pickup_from_row(row)


async def not_yet_open(tx: Transaction, ring_id: int, now: datetime) -> list[Pickup]:
    """Return the ring's scheduled pickups not open yet whose opening follows the ring setting."""
    rows = await tx.fetchall(
        f"""{PICKUP_SELECT}
        WHERE p.ring_id = ? AND p.status = 'scheduled' AND p.orders_open_fixed = 0
          AND p.deadline > ? AND (p.orders_open_at IS NULL OR p.orders_open_at > ?)
        ORDER BY p.starts_at""",
        (ring_id, to_db(now), to_db(now)),
    )
    return [pickup_from_row(row) for row in rows]


async def orders_open_fixed(tx: Transaction, pickup_id: int) -> bool:
    """Whether an admin set the pickup's opening time (it then ignores the ring setting)."""
    return bool(
        await tx.scalar("SELECT orders_open_fixed FROM pickups WHERE id = ?", (pickup_id,))
    )


async def set_orders_open(
    tx: Transaction, pickup_id: int, opens_at: datetime | None, *, fixed: bool
) -> None:
    """Set when the pickup opens for orders, and whether an admin chose it."""
    await tx.execute(
        "UPDATE pickups SET orders_open_at = ?, orders_open_fixed = ? WHERE id = ?",
        (None if opens_at is None else to_db(opens_at), int(fixed), pickup_id),
    )


async def open_now(tx: Transaction, pickup_id: int, now: datetime) -> bool:
    """Open a pickup now unless it is open already (it was announced); True if it opened."""
    changed = await tx.execute(
        "UPDATE pickups SET orders_open_at = ? "
        "WHERE id = ? AND (orders_open_at IS NULL OR orders_open_at > ?)",
        (to_db(now), pickup_id, to_db(now)),
    )
    return changed == 1


async def create_pickup(
    tx: Transaction,
    *,
    ring_id: int,
    location_id: int,
    starts_at: datetime,
    ends_at: datetime,
    deadline: datetime,
    now: datetime,
    orders_open_at: datetime | Literal["now"] | None = "now",
    orders_open_fixed: bool = False,
) -> int:
    """Schedule a pickup and return its id.

    ``orders_open_at`` is when it opens for orders: "now" (open at once), a time, or None
    (when the admin announces it).
    """
    opens = now if orders_open_at == "now" else orders_open_at
    assert not isinstance(opens, str)
    return await tx.insert(
        "INSERT INTO pickups (ring_id, location_id, starts_at, ends_at, deadline, created_at, "
        "orders_open_at, orders_open_fixed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            ring_id,
            location_id,
            to_db(starts_at),
            to_db(ends_at),
            to_db(deadline),
            to_db(now),
            None if opens is None else to_db(opens),
            int(orders_open_fixed),
        ),
    )
