"""Producers, the rings they sell in, and their products."""

from __future__ import annotations

import json
from datetime import datetime

from rekobot.clock import to_db
from rekobot.models import Producer, Ring
from storage.database import Row, Transaction
from storage.rings import ring_from_row


async def create_producer(
    tx: Transaction,
    *,
    owner_user_id: int,
    name: str,
    description: str = "",
    payment_info: str = "",
    contact: str = "",
    now: datetime,
) -> int:
    """Create a producer owned by a user and return its id."""
    return await tx.insert(
        "INSERT INTO producers (owner_user_id, name, description, payment_info, contact, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (owner_user_id, name, description, payment_info, contact, to_db(now)),
    )


async def set_ring_status(
    tx: Transaction,
    *,
    producer_id: int,
    ring_id: int,
    status: str,
    decided_by: int | None,
    now: datetime,
) -> None:
    """Apply to a ring, or record the admins' decision on it."""
    decided_at = to_db(now) if status != "pending" else None
    await tx.execute(
        """
        INSERT INTO producer_rings (producer_id, ring_id, status, decided_by, decided_at,
                                    applied_at)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (producer_id, ring_id) DO UPDATE SET
            status = excluded.status, decided_by = excluded.decided_by,
            decided_at = excluded.decided_at
        """,
        (producer_id, ring_id, status, decided_by, decided_at, to_db(now)),
    )


async def create_product(
    tx: Transaction,
    *,
    producer_id: int,
    name: str,
    unit: str,
    price: int,
    description: str = "",
    category: str = "",
    photo_file_id: str | None = None,
    price_basis: str = "unit",
    weight: tuple[int, int] | None = None,
    now: datetime,
) -> int:
    """Add a product to a producer's catalog and return its id."""
    low, high = weight if weight is not None else (None, None)
    return await tx.insert(
        "INSERT INTO products (producer_id, name, description, unit, price, category, "
        "photo_file_id, price_basis, weight_min, weight_max, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            producer_id,
            name,
            description,
            unit,
            price,
            category,
            photo_file_id,
            price_basis,
            low,
            high,
            to_db(now),
        ),
    )


# --- producer profiles and their rings (issue 3) ---------------------------------------------

PRODUCER_COLUMNS = "id, owner_user_id, name, description, payment_info, contact, notes_enabled"


def producer_from_row(row: Row) -> Producer:
    """Build a Producer from a row with PRODUCER_COLUMNS."""
    return Producer(
        id=row["id"],
        owner_user_id=row["owner_user_id"],
        name=row["name"],
        description=row["description"],
        payment_info=row["payment_info"],
        contact=row["contact"],
        notes_enabled=bool(row["notes_enabled"]),
    )


async def get_producer(tx: Transaction, producer_id: int) -> Producer | None:
    """Return a producer by id."""
    row = await tx.fetchone(
        f"SELECT {PRODUCER_COLUMNS} FROM producers WHERE id = ?", (producer_id,)
    )
    return None if row is None else producer_from_row(row)


async def producer_of_user(tx: Transaction, user_id: int) -> Producer | None:
    """Return the producer a user runs (the first one, should there be several)."""
    row = await tx.fetchone(
        f"SELECT {PRODUCER_COLUMNS} FROM producers WHERE owner_user_id = ? ORDER BY id LIMIT 1",
        (user_id,),
    )
    return None if row is None else producer_from_row(row)


async def update_profile(
    tx: Transaction,
    producer_id: int,
    *,
    name: str,
    description: str,
    payment_info: str,
    contact: str,
) -> None:
    """Replace a producer's name, description, payment instructions and contact."""
    await tx.execute(
        "UPDATE producers SET name = ?, description = ?, payment_info = ?, contact = ? "
        "WHERE id = ?",
        (name, description, payment_info, contact, producer_id),
    )


async def set_notes_enabled(tx: Transaction, producer_id: int, enabled: bool) -> None:
    """Turn the short per-order notes on or off."""
    await tx.execute(
        "UPDATE producers SET notes_enabled = ? WHERE id = ?", (int(enabled), producer_id)
    )


async def ring_statuses(tx: Transaction, producer_id: int) -> list[tuple[Ring, str]]:
    """Return the rings a producer applied to, with the status of each, by ring name."""
    rows = await tx.fetchall(
        """
        SELECT r.*, pr.status AS producer_status FROM producer_rings pr
        JOIN rings r ON r.id = pr.ring_id WHERE pr.producer_id = ? ORDER BY r.name
        """,
        (producer_id,),
    )
    return [(ring_from_row(row), row["producer_status"]) for row in rows]


async def ring_status(tx: Transaction, producer_id: int, ring_id: int) -> str | None:
    """Return 'pending', 'approved' or 'rejected', or None when never applied."""
    value = await tx.scalar(
        "SELECT status FROM producer_rings WHERE producer_id = ? AND ring_id = ?",
        (producer_id, ring_id),
    )
    return None if value is None else str(value)


async def apply_to_ring(tx: Transaction, producer_id: int, ring_id: int, now: datetime) -> None:
    """Record a (new or repeated) application: pending, applied now, undecided."""
    await tx.execute(
        """
        INSERT INTO producer_rings (producer_id, ring_id, status, applied_at)
        VALUES (?, ?, 'pending', ?)
        ON CONFLICT (producer_id, ring_id) DO UPDATE SET
            status = 'pending', decided_by = NULL, decided_at = NULL,
            applied_at = excluded.applied_at
        """,
        (producer_id, ring_id, to_db(now)),
    )


async def decide_application(
    tx: Transaction, producer_id: int, ring_id: int, *, approve: bool, by: int, now: datetime
) -> bool:
    """Approve or reject a pending application; return False when it was not pending."""
    changed = await tx.execute(
        """
        UPDATE producer_rings SET status = ?, decided_by = ?, decided_at = ?
        WHERE producer_id = ? AND ring_id = ? AND status = 'pending'
        """,
        ("approved" if approve else "rejected", by, to_db(now), producer_id, ring_id),
    )
    return changed == 1


async def record_decision(
    tx: Transaction,
    *,
    ring_id: int,
    admin_user_id: int,
    producer_id: int,
    approved: bool,
    now: datetime,
) -> None:
    """Write an admin's decision on a producer to the audit log."""
    await tx.execute(
        "INSERT INTO audit_log (ring_id, user_id, action, detail, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (
            ring_id,
            admin_user_id,
            "producer.approved" if approved else "producer.rejected",
            json.dumps({"producer_id": producer_id}),
            to_db(now),
        ),
    )


async def payment_infos(tx: Transaction, producer_ids: set[int]) -> dict[int, str]:
    """Return {producer id: how to pay them} for these producers."""
    if not producer_ids:
        return {}
    marks = ",".join("?" * len(producer_ids))
    rows = await tx.fetchall(
        f"SELECT id, payment_info FROM producers WHERE id IN ({marks})", tuple(producer_ids)
    )
    return {row["id"]: row["payment_info"] for row in rows}
