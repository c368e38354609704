"""The demo ring's look-ups: what an earlier seed already made, so seeding again adds only the rest.

``rekobot/demo.py`` creates the ring, places, producers, products, pickups and offers through
the ordinary storage functions; these are the few queries it needs besides them, to find a
row it made before by its name or time, and to keep the made-up producers out of the outbox.
"""

from __future__ import annotations

from datetime import datetime

from rekobot.clock import to_db
from storage.database import Transaction


async def other_ring_slugs(tx: Transaction, slug: str) -> list[str]:
    """Return the link codes of the rings other than ``slug``."""
    rows = await tx.fetchall(
        "SELECT slug FROM rings WHERE slug != ? COLLATE NOCASE ORDER BY slug", (slug,)
    )
    return [row["slug"] for row in rows]


async def location_named(tx: Transaction, ring_id: int, name: str) -> int | None:
    """Return the id of the ring's place called ``name``."""
    found = await tx.scalar(
        "SELECT id FROM locations WHERE ring_id = ? AND name = ?", (ring_id, name)
    )
    return None if found is None else int(found)


async def unreachable_user(tx: Transaction, user_id: int, first_name: str, now: datetime) -> None:
    """Make sure a made-up user exists and is marked unreachable, so nothing is sent to them."""
    await tx.execute(
        "INSERT INTO users (id, first_name, created_at, unreachable_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET unreachable_at = COALESCE(users.unreachable_at, ?)",
        (user_id, first_name, to_db(now), to_db(now), to_db(now)),
    )


async def producer_named(tx: Transaction, owner_user_id: int, name: str) -> int | None:
    """Return the id of the owner's producer called ``name``."""
    found = await tx.scalar(
        "SELECT id FROM producers WHERE owner_user_id = ? AND name = ?", (owner_user_id, name)
    )
    return None if found is None else int(found)


async def disable_notes(tx: Transaction, producer_id: int) -> None:
    """Turn off a producer's order notes (a made-up producer has no chat to send them to)."""
    await tx.execute("UPDATE producers SET notes_enabled = 0 WHERE id = ?", (producer_id,))


async def product_named(tx: Transaction, producer_id: int, name: str) -> int | None:
    """Return the id of the producer's product called ``name``."""
    found = await tx.scalar(
        "SELECT id FROM products WHERE producer_id = ? AND name = ?", (producer_id, name)
    )
    return None if found is None else int(found)


async def pickup_at(tx: Transaction, ring_id: int, starts_at: datetime) -> int | None:
    """Return the id of the ring's pickup that starts at ``starts_at``."""
    found = await tx.scalar(
        "SELECT id FROM pickups WHERE ring_id = ? AND starts_at = ?", (ring_id, to_db(starts_at))
    )
    return None if found is None else int(found)


async def has_offer(tx: Transaction, pickup_id: int, product_id: int) -> bool:
    """Whether the product is already offered at the pickup."""
    found = await tx.scalar(
        "SELECT 1 FROM offers WHERE pickup_id = ? AND product_id = ?", (pickup_id, product_id)
    )
    return found is not None
