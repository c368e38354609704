"""The inbox table: updates Telegram handed over, stored before they are acknowledged.

A row is pending until it has been processed; then ``done_at`` is set and its payload cleared,
and the bare ``update_id`` stays until it is pruned, so a second copy of the update is ignored.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rekobot.clock import to_db
from rekobot.models.messaging import InboxCounts, IncomingUpdate, PendingUpdate
from storage import dialect
from storage.database import Transaction


async def store(tx: Transaction, updates: Sequence[IncomingUpdate], now: datetime) -> list[int]:
    """Insert the updates not seen before; return the ids that were new, in order."""
    new: list[int] = []
    for update in updates:
        row = await tx.fetchone(
            "INSERT INTO inbox (update_id, chat_id, payload, received_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (update_id) DO NOTHING RETURNING update_id",
            (update.update_id, update.chat_id, update.payload, to_db(now)),
        )
        if row is not None:
            new.append(int(row[0]))
    return new


async def claimable(tx: Transaction, limit: int) -> list[PendingUpdate]:
    """Return pending updates that are the oldest pending one of their chat, in update_id order.

    Inside a write transaction that locks rows (PostgreSQL), the rows come locked, and rows
    another worker's claim has locked are skipped rather than waited for. An update of no
    chat is its own oldest one.
    """
    rows = await tx.fetchall(
        "SELECT update_id, chat_id, payload, attempts FROM inbox "
        "WHERE done_at IS NULL AND NOT EXISTS ("
        " SELECT 1 FROM inbox AS older WHERE older.chat_id = inbox.chat_id"
        " AND older.done_at IS NULL AND older.update_id < inbox.update_id"
        ") ORDER BY update_id LIMIT ?" + dialect.skip_locked(tx.locks_rows),
        (limit,),
    )
    return [PendingUpdate.model_validate(dict(row)) for row in rows]


async def any_pending(tx: Transaction) -> bool:
    """Whether any update waits (a cheap look before a claim's write transaction)."""
    row = await tx.fetchone("SELECT 1 FROM inbox WHERE done_at IS NULL LIMIT 1")
    return row is not None


async def begin(tx: Transaction, update_id: int) -> int:
    """Count one more start of processing an update; return how many starts it has had."""
    attempts = await tx.scalar(
        "UPDATE inbox SET attempts = attempts + 1 WHERE update_id = ? AND done_at IS NULL "
        "RETURNING attempts",
        (update_id,),
    )
    return 0 if attempts is None else int(attempts)


async def finish(tx: Transaction, update_id: int, now: datetime) -> bool:
    """Mark an update processed and drop its payload; False when it was done already."""
    changed = await tx.execute(
        "UPDATE inbox SET done_at = ?, payload = NULL WHERE update_id = ? AND done_at IS NULL",
        (to_db(now), update_id),
    )
    return changed > 0


async def prune(tx: Transaction, done_before: datetime) -> int:
    """Forget updates processed before a moment; return how many rows went."""
    return await tx.execute("DELETE FROM inbox WHERE done_at < ?", (to_db(done_before),))


async def counts(tx: Transaction) -> InboxCounts:
    """Count pending and done rows."""
    row = await tx.fetchone(
        "SELECT COUNT(*) - COUNT(done_at) AS pending, COUNT(done_at) AS done FROM inbox"
    )
    return InboxCounts() if row is None else InboxCounts.model_validate(dict(row))
