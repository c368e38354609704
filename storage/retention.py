"""Pruning the outbox: deliveries with an outcome go after the retention, their keys stay.

Nothing else deletes a delivery, and on a national database they were nine tenths of the
file. A pruned delivery with a ``dedupe_key`` leaves a 64-bit hash of the key in ``sent_keys`` (the
table's rowid, nothing else), which ``enqueue`` consults: the reminder, digest or notice it
carried is never queued again. Keeping the row without its payload would have kept a dozen
columns and three index entries per delivery for ever, and the plain key names a user; the
hash is what deduplication needs. Two keys share a hash with odds of about 1 in 10^12 at a
few million keys, and then one message is not sent: an accepted risk.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from rekobot.clock import to_db
from storage.database import Row, Transaction

#: A delivery with one of these outcomes is history; pending and sending ones are never pruned.
PRUNABLE = ("sent", "failed", "blocked", "cancelled")

#: One status at a time, in ``not_before`` order: a range of the ``deliveries_due`` index
#: (status, not_before) on both engines. With ``status IN (...)`` PostgreSQL's planner chose
#: a scan of the whole table, 2.4 s a batch at national scale.
PRUNABLE_SQL = """
    SELECT id, dedupe_key FROM deliveries
    WHERE status = ? AND not_before < ? AND COALESCE(sent_at, not_before) < ?
    ORDER BY not_before LIMIT ?"""


def key_hash(key: str) -> int:
    """The signed 64-bit hash under which a pruned delivery's dedupe key is remembered."""
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


async def prune_deliveries(tx: Transaction, before: datetime, *, limit: int) -> int:
    """Delete up to ``limit`` finished deliveries older than ``before``; return how many.

    Found through ``deliveries_due`` (status, not_before): a batch costs the same however
    large the history is.
    """
    cutoff = to_db(before)
    rows: list[Row] = []
    for status in PRUNABLE:
        if len(rows) < limit:
            rows += await tx.fetchall(PRUNABLE_SQL, (status, cutoff, cutoff, limit - len(rows)))
    if not rows:
        return 0
    await tx.executemany(
        "INSERT OR IGNORE INTO sent_keys (key_hash) VALUES (?)",
        [(key_hash(row["dedupe_key"]),) for row in rows if row["dedupe_key"] is not None],
    )
    await tx.executemany("DELETE FROM deliveries WHERE id = ?", [(row["id"],) for row in rows])
    return len(rows)


async def sent_key_count(tx: Transaction) -> int:
    """How many keys of pruned deliveries are remembered."""
    return int(await tx.scalar("SELECT COUNT(*) FROM sent_keys"))
