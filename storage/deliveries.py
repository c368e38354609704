"""The outbox queue: which deliveries are due, and what happened to each one.

A delivery row is ``pending`` until the sender claims it (``sending``), then ends ``sent``,
``failed``, ``blocked`` or ``cancelled``. ``sent_parts`` counts the messages of its payload that
Telegram has accepted, so a multi-message delivery resumes at the right message.
"""

from __future__ import annotations

from datetime import datetime

from rekobot.clock import from_db, to_db
from rekobot.models.messaging import ClaimedDelivery, DeliveryCounts, DueDelivery
from storage.database import Row, Transaction
from storage.retention import key_hash

FINAL_STATUSES = ("sent", "failed", "blocked", "cancelled")


async def insert(
    tx: Transaction,
    *,
    chat_id: int,
    kind: str,
    payload: str,
    dedupe_key: str | None,
    broadcast_id: int | None,
    not_before: datetime,
    now: datetime,
    claimed: bool = False,
) -> int | None:
    """Queue one delivery; return its id, or None when ``dedupe_key`` was queued (or sent) before.

    The key is looked up in ``sent_keys`` too, where it stays (hashed) after its delivery was
    pruned (``storage/retention``), so a reminder or digest is not sent twice however old it is.
    A ``claimed`` delivery starts ``sending``: whoever queues it sends it after the commit.
    """
    row = await tx.fetchone(
        """
        INSERT OR IGNORE INTO deliveries
            (chat_id, kind, payload, dedupe_key, broadcast_id, status, not_before, created_at)
        SELECT ?, ?, ?, ?, ?, ?, ?, ?
        WHERE NOT EXISTS (SELECT 1 FROM sent_keys WHERE key_hash = ?)
        RETURNING id
        """,
        (
            chat_id,
            kind,
            payload,
            dedupe_key,
            broadcast_id,
            "sending" if claimed else "pending",
            to_db(not_before),
            to_db(now),
            None if dedupe_key is None else key_hash(dedupe_key),
        ),
    )
    return None if row is None else int(row[0])


async def release_claims(tx: Transaction, now: datetime) -> list[int]:
    """Put deliveries that were being sent when the process stopped back in the queue, due now.

    Return their chats, which may have had a message a moment ago.
    """
    rows = await tx.fetchall(
        "UPDATE deliveries SET status = 'pending', not_before = ? WHERE status = 'sending' "
        "RETURNING chat_id",
        (to_db(now),),
    )
    return [row[0] for row in rows]


async def release_lapsed_claims(tx: Transaction, now: datetime) -> list[int]:
    """Requeue, due now, the deliveries whose claim's lease ran out; return their chats.

    A claim holds ``not_before`` as its lease (``claim``): a row still ``sending`` past it was
    left by a process that died without a restart to release it (another worker).
    The ``deliveries_due`` index finds them: no sent history is read.
    """
    rows = await tx.fetchall(
        "UPDATE deliveries SET status = 'pending', not_before = ? "
        "WHERE status = 'sending' AND not_before <= ? RETURNING chat_id",
        (to_db(now), to_db(now)),
    )
    return [row[0] for row in rows]


#: One lane of the outbox, oldest first. The broadcast lane is found through
#: ``deliveries_pending_broadcasts`` (only pending broadcast rows, in id order), the other
#: through ``deliveries_broadcast`` (broadcast_id NULL, pending): neither reads sent history.
DUE_SQL = """
    SELECT id, chat_id, kind, broadcast_id, sent_parts FROM deliveries
    WHERE status = 'pending' AND not_before <= ? AND broadcast_id {lane}
    ORDER BY id LIMIT ?"""
DUE_LANES = {True: "IS NOT NULL", False: "IS NULL"}


async def due_deliveries(
    tx: Transaction, now: datetime, *, broadcasts: bool, limit: int
) -> list[DueDelivery]:
    """Return pending deliveries whose time has come, oldest first, from one lane.

    Non-broadcast deliveries (notes, reminders, notices) form their own lane so that a long
    broadcast does not hold them up.
    """
    rows = await tx.fetchall(DUE_SQL.format(lane=DUE_LANES[broadcasts]), (to_db(now), limit))
    return [DueDelivery.model_validate(dict(row)) for row in rows]


async def deferred_heads(tx: Transaction, now: datetime) -> dict[int, int]:
    """Return {chat_id: lowest id} of pending deliveries that are not due yet.

    A chat's deliveries go out in id order, so a later one waits behind a deferred one.
    """
    rows = await tx.fetchall(
        "SELECT chat_id, MIN(id) AS head FROM deliveries "
        "WHERE status = 'pending' AND not_before > ? GROUP BY chat_id",
        (to_db(now),),
    )
    return {row["chat_id"]: row["head"] for row in rows}


async def next_due_at(tx: Transaction, now: datetime) -> datetime | None:
    """Return when the next deferred delivery becomes due, if any is waiting."""
    value = await tx.scalar(
        "SELECT MIN(not_before) FROM deliveries WHERE status = 'pending' AND not_before > ?",
        (to_db(now),),
    )
    return None if value is None else from_db(value)


#: A claim's lease is its ``not_before``: whoever claims a row sends it before then, or
#: records each message Telegram took, which renews it (``mark_part_sent``).
_CLAIM = """
    UPDATE deliveries SET status = 'sending', not_before = ?
    WHERE {which} AND status = 'pending'
    RETURNING id, chat_id, kind, broadcast_id, payload, sent_parts, attempts
"""
_CLAIM_BY_ID = _CLAIM.format(which="id = ?")
_CLAIM_BY_KEY = _CLAIM.format(which="dedupe_key = ?")


async def claim(
    tx: Transaction, delivery_id: int, *, lease_until: datetime
) -> ClaimedDelivery | None:
    """Take a pending delivery for sending; None when it was cancelled or taken meanwhile."""
    row = await tx.fetchone(_CLAIM_BY_ID, (to_db(lease_until), delivery_id))
    return await _claimed(tx, row)


async def claim_by_key(
    tx: Transaction, key: str, *, lease_until: datetime
) -> ClaimedDelivery | None:
    """Take the pending delivery with this dedupe key for sending; None when there is none.

    One statement: the key is unique, so the UPDATE finds the row by its index.
    """
    return await _claimed(tx, await tx.fetchone(_CLAIM_BY_KEY, (to_db(lease_until), key)))


async def _claimed(tx: Transaction, row: Row | None) -> ClaimedDelivery | None:
    if row is None:
        return None
    unreachable = await tx.scalar(
        "SELECT unreachable_at IS NOT NULL FROM users WHERE id = ?", (row["chat_id"],)
    )
    return ClaimedDelivery(**dict(row), unreachable=bool(unreachable))


async def mark_part_sent(
    tx: Transaction,
    delivery_id: int,
    part: int,
    *,
    last: bool,
    now: datetime,
    lease_until: datetime,
) -> None:
    """Record that message number ``part`` went out; the last one completes the delivery.

    One that is not the last renews the claim's lease to ``lease_until``.
    """
    await tx.execute(
        """
        UPDATE deliveries SET sent_parts = MAX(sent_parts, ?),
            status = CASE WHEN ? THEN 'sent' ELSE status END,
            sent_at = CASE WHEN ? THEN ? ELSE sent_at END,
            not_before = CASE WHEN ? THEN not_before ELSE ? END
        WHERE id = ?
        """,
        (part + 1, last, last, to_db(now), last, to_db(lease_until), delivery_id),
    )


async def defer(
    tx: Transaction,
    delivery_id: int,
    *,
    until: datetime,
    error: str,
    count_attempt: bool,
) -> int:
    """Put a delivery back in the queue until ``until``; return its attempts so far."""
    value = await tx.scalar(
        """
        UPDATE deliveries SET status = 'pending', not_before = ?, last_error = ?,
            attempts = attempts + ?
        WHERE id = ? AND status = 'sending'
        RETURNING attempts
        """,
        (to_db(until), error[:500], 1 if count_attempt else 0, delivery_id),
    )
    return int(value or 0)


async def attempts(tx: Transaction, delivery_id: int) -> int:
    """Return how many transient failures a delivery has had so far."""
    return int(await tx.scalar("SELECT attempts FROM deliveries WHERE id = ?", (delivery_id,)) or 0)


async def set_attempts(tx: Transaction, delivery_id: int, attempts: int) -> None:
    """Record a delivery's count of transient failures (the last one, before it fails)."""
    await tx.execute("UPDATE deliveries SET attempts = ? WHERE id = ?", (attempts, delivery_id))


async def finish(tx: Transaction, delivery_id: int, status: str, error: str | None) -> None:
    """Give a delivery its final outcome: failed, blocked or cancelled."""
    if status not in FINAL_STATUSES:
        raise ValueError(f"not a final status: {status}")
    await tx.execute(
        "UPDATE deliveries SET status = ?, last_error = COALESCE(?, last_error) WHERE id = ?",
        (status, error[:500] if error else None, delivery_id),
    )


async def mark_unreachable(tx: Transaction, user_id: int, now: datetime) -> None:
    """Remember that a user blocked the bot (cleared when they write to it again)."""
    await tx.execute(
        "UPDATE users SET unreachable_at = COALESCE(unreachable_at, ?) WHERE id = ?",
        (to_db(now), user_id),
    )


async def move_chat(tx: Transaction, old_chat_id: int, new_chat_id: int) -> int:
    """Point open deliveries of a group that became a supergroup at its new id."""
    return await tx.execute(
        "UPDATE deliveries SET chat_id = ? WHERE chat_id = ? AND status IN ('pending', 'sending')",
        (new_chat_id, old_chat_id),
    )


async def cancel_broadcast_deliveries(tx: Transaction, broadcast_id: int) -> int:
    """Cancel a broadcast's deliveries that have not started; return how many."""
    return await tx.execute(
        "UPDATE deliveries SET status = 'cancelled' WHERE broadcast_id = ? AND status = 'pending'",
        (broadcast_id,),
    )


def key_range(prefix: str) -> tuple[str, str]:
    """The keys that start with ``prefix`` as a half-open range ``[low, high)``.

    A range is an index search on ``dedupe_key``; ``LIKE`` is case-insensitive and so scans
    the whole (binary) index, which grows with every delivery ever made.
    """
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


CANCEL_BY_PREFIX_SQL = (
    "UPDATE deliveries SET status = 'cancelled' "
    "WHERE dedupe_key >= ? AND dedupe_key < ? AND +status = 'pending'"
)


async def cancel_by_key_prefix(tx: Transaction, prefix: str) -> int:
    """Cancel queued deliveries whose dedupe key starts with ``prefix`` (e.g. a pickup's)."""
    return await tx.execute(CANCEL_BY_PREFIX_SQL, key_range(prefix))


async def broadcast_counts(tx: Transaction, broadcast_id: int) -> DeliveryCounts:
    """Count a broadcast's deliveries by status."""
    rows = await tx.fetchall(
        "SELECT status, COUNT(*) AS n FROM deliveries WHERE broadcast_id = ? GROUP BY status",
        (broadcast_id,),
    )
    counts = {row["status"]: row["n"] for row in rows}
    return DeliveryCounts(total=sum(counts.values()), **counts)


async def open_count(tx: Transaction) -> int:
    """Count deliveries that are still to go."""
    return int(
        await tx.scalar("SELECT COUNT(*) FROM deliveries WHERE status IN ('pending', 'sending')")
    )
