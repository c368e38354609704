"""The ``leadership`` row: who leads the workers, and when its sweep last completed a run.

Only the worker holding the leader's lock (``storage/locks.py``) writes it; the others read
it for /healthz (``handlers/health.py``): a follower is healthy while some leader sweeps.
"""

from __future__ import annotations

from datetime import datetime

from rekobot.clock import from_db, to_db
from storage.database import Database


async def elected(db: Database, worker: str, now: datetime) -> None:
    """Record that ``worker`` leads from ``now`` on; its sweep has not run yet."""
    await db.execute(
        "INSERT INTO leadership (id, worker, elected_at, swept_at) VALUES (1, ?, ?, NULL) "
        "ON CONFLICT (id) DO UPDATE SET worker = excluded.worker, "
        "elected_at = excluded.elected_at, swept_at = NULL",
        (worker, to_db(now)),
    )


async def swept(db: Database, worker: str, now: datetime) -> None:
    """Record that the leader's sweep completed a run at ``now``."""
    await db.execute(
        "UPDATE leadership SET swept_at = ? WHERE id = 1 AND worker = ?", (to_db(now), worker)
    )


async def last_sweep(db: Database) -> datetime | None:
    """When the leader's sweep last completed a run, if it ever did."""
    row = await db.fetchone("SELECT swept_at FROM leadership WHERE id = 1")
    if row is None or row[0] is None:
        return None
    return from_db(row[0])
