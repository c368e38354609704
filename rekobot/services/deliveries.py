"""The outbox's queue rules: what may go next, and what each Telegram answer means for a row.

The Telegram side (``handlers/outbox.py``) asks this service what is due, claims one delivery
at a time, and reports each outcome. The rules:

- A chat's deliveries go out in id order; a deferred one holds back the later ones of its chat.
- Notes, reminders and notices (no broadcast) go before broadcast rows, so a long broadcast does
  not delay them; each lane is oldest first.
- ``sent_parts`` is committed after each message Telegram accepted, so a multi-message delivery
  resumes at the next message after a restart.
- A delivery that was being sent when the process died is sent again from its first unsent
  message (at least once): see ``release_claims``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from rekobot.clock import Clock, utcnow
from rekobot.models.messaging import (
    Broadcast,
    BroadcastStatus,
    ClaimedDelivery,
    DeliveryCounts,
    DueDelivery,
)
from rekobot.services.outbox import CLAIM_LEASE, OutMessage, enqueue
from storage import broadcasts as broadcast_store
from storage import deliveries as store
from storage import retention as retention_store
from storage.database import Database, Transaction

log = logging.getLogger(__name__)

#: A transient error (timeout, network) is retried this many times before the row fails.
MAX_ATTEMPTS = 5
#: Finished deliveries pruned per write transaction, and at most per sweep: a backlog of
#: years goes over many sweeps without holding the database for long. Each row deleted is a
#: few random index pages; at national scale a batch of 200 held the write lock 41-56 ms
#: while the pages were cold, 100 keeps it well inside a tap's budget.
PRUNE_BATCH = 100
PRUNE_PER_SWEEP = 20_000


@dataclass(frozen=True)
class DueWork:
    """What may be sent now, and the chats that must wait for an earlier, deferred delivery."""

    deliveries: list[DueDelivery]
    deferred_heads: dict[int, int]


@dataclass(frozen=True)
class BroadcastProgress:
    """A broadcast and its counts, for the admin's progress message."""

    broadcast: Broadcast
    counts: DeliveryCounts


class Deliveries:
    """Claiming, completing and deferring outbox rows; progress and stopping of broadcasts."""

    def __init__(
        self, db: Database, *, clock: Clock = utcnow, retention: timedelta = timedelta(days=30)
    ) -> None:
        self.db = db
        self.clock = clock
        #: How long a sent, failed, blocked or cancelled delivery is kept (then only its key).
        self.retention = retention
        #: Set when rows were queued, so an idle sender starts at once instead of polling.
        self.queued = asyncio.Event()

    def notify(self) -> None:
        """Tell the sender that new rows are waiting."""
        self.queued.set()

    async def prune(self) -> int:
        """Sweep work: delete finished deliveries older than the retention; return how many."""
        before = self.clock() - self.retention
        gone = 0
        while gone < PRUNE_PER_SWEEP:
            async with self.db.transaction() as tx:
                batch = await retention_store.prune_deliveries(tx, before, limit=PRUNE_BATCH)
            gone += batch
            if batch < PRUNE_BATCH:
                break
        if gone:
            log.info("outbox: pruned %s finished deliveries", gone)
        return gone

    async def release_claims(self) -> list[int]:
        """Requeue deliveries left ``sending`` by a stopped process; return their chats.

        Their next message may or may not have reached Telegram before the stop (the Bot API
        has no idempotency key). It is sent again: a rare duplicate beats a missed notice.
        """
        async with self.db.transaction() as tx:
            chats = await store.release_claims(tx, self.clock())
        if chats:
            log.warning(
                "outbox: %s deliveries were in flight at the last stop; resuming", len(chats)
            )
        return chats

    async def release_lapsed_claims(self) -> int:
        """Sweep work: requeue deliveries whose claim outlived its lease; return how many.

        A worker that dies while it sends (several workers on PostgreSQL) restarts nothing
        that would release its claims, and the leader's sender released them only when it
        started. Past ``CLAIM_LEASE`` such a row is sent again: perhaps a duplicate of the
        message that was on the wire, never a notice lost.
        """
        async with self.db.transaction() as tx:
            chats = await store.release_lapsed_claims(tx, self.clock())
        if chats:
            log.warning("outbox: %s deliveries outlived their claim; resuming", len(chats))
            self.notify()
        return len(chats)

    async def due(self, limit: int = 200) -> DueWork:
        """Return what may be sent now: the non-broadcast lane first, then broadcasts."""
        now = self.clock()
        async with self.db.read() as tx:
            urgent = await store.due_deliveries(tx, now, broadcasts=False, limit=limit)
            bulk = await store.due_deliveries(tx, now, broadcasts=True, limit=limit)
            heads = await store.deferred_heads(tx, now)
        return DueWork(deliveries=urgent + bulk, deferred_heads=heads)

    async def next_due_at(self) -> datetime | None:
        """Return when the next deferred delivery becomes due."""
        async with self.db.read() as tx:
            return await store.next_due_at(tx, self.clock())

    async def claim(self, delivery_id: int) -> ClaimedDelivery | None:
        """Take a delivery for sending; None when it was cancelled (a stopped broadcast)."""
        async with self.db.transaction() as tx:
            return await store.claim(tx, delivery_id, lease_until=self.clock() + CLAIM_LEASE)

    async def claim_key(self, key: str) -> ClaimedDelivery | None:
        """Take the pending delivery queued under ``key`` for sending now, whatever its time.

        None when there is none, or it was sent or taken already: the one row is what makes a
        notice go out once, whoever sends it.
        """
        async with self.db.transaction() as tx:
            return await store.claim_by_key(tx, key, lease_until=self.clock() + CLAIM_LEASE)

    async def notice(
        self, chat_id: int, messages: list[OutMessage], *, key: str, not_before: datetime
    ) -> bool:
        """Queue a message the chat could not take just now; False when ``key`` was queued."""
        async with self.db.transaction() as tx:
            queued = await enqueue(
                tx,
                chat_id=chat_id,
                kind="notice",
                messages=messages,
                now=self.clock(),
                dedupe_key=key,
                not_before=not_before,
            )
        self.notify()
        return queued

    async def part_sent(self, delivery_id: int, part: int, *, last: bool) -> None:
        """Record that Telegram accepted message ``part`` of a delivery."""
        async with self.db.transaction() as tx:
            now = self.clock()
            await store.mark_part_sent(
                tx, delivery_id, part, last=last, now=now, lease_until=now + CLAIM_LEASE
            )

    async def retry_after(self, delivery_id: int, seconds: float) -> datetime:
        """Telegram asked us to wait: requeue without counting it as a failed attempt."""
        until = self.clock() + timedelta(seconds=seconds)
        async with self.db.transaction() as tx:
            await store.defer(
                tx, delivery_id, until=until, error=f"retry after {seconds:g}s", count_attempt=False
            )
        return until

    async def attempt_failed(self, delivery_id: int, error: str) -> bool:
        """A transient failure: requeue with a growing pause; return True when it gave up."""
        async with self.db.transaction() as tx:
            attempts = await store.attempts(tx, delivery_id) + 1
            if attempts >= MAX_ATTEMPTS:
                await store.set_attempts(tx, delivery_id, attempts)
                await store.finish(tx, delivery_id, "failed", error)
                return True
            pause = timedelta(seconds=min(5 * 2 ** (attempts - 1), 300))
            await store.defer(
                tx, delivery_id, until=self.clock() + pause, error=error, count_attempt=True
            )
        return False

    async def blocked(self, delivery_id: int, chat_id: int) -> None:
        """The user blocked the bot: close the delivery and skip them from now on."""
        async with self.db.transaction() as tx:
            await store.finish(tx, delivery_id, "blocked", "bot was blocked by the user")
            await store.mark_unreachable(tx, chat_id, self.clock())

    async def unreachable(self, chat_id: int) -> None:
        """Telegram refused a reply to this user (``Forbidden``): skip them, as the outbox does.

        Cleared when they write to the bot again.
        """
        async with self.db.transaction() as tx:
            await store.mark_unreachable(tx, chat_id, self.clock())

    async def failed(self, delivery_id: int, error: str) -> None:
        """A permanent failure (e.g. the chat is gone): close the delivery."""
        async with self.db.transaction() as tx:
            await store.finish(tx, delivery_id, "failed", error)

    async def chat_moved(self, delivery_id: int, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: follow it, and send the delivery again now."""
        async with self.db.transaction() as tx:
            await store.move_chat(tx, old_chat_id, new_chat_id)
            await store.defer(
                tx, delivery_id, until=self.clock(), error="chat migrated", count_attempt=False
            )

    async def open_count(self) -> int:
        """Count deliveries still to go."""
        async with self.db.read() as tx:
            return await store.open_count(tx)

    # -- broadcasts

    async def sending_broadcasts(self) -> list[Broadcast]:
        """Return broadcasts that are going out now."""
        async with self.db.read() as tx:
            return await broadcast_store.sending_broadcasts(tx)

    async def broadcast_progress(self, broadcast_id: int) -> BroadcastProgress | None:
        """Count a broadcast's deliveries; a sending broadcast with none left becomes done.

        The outbox asks every few seconds while sending: the count is a read, and only the
        last call, the one that marks the broadcast done, takes the write lock.
        """
        async with self.db.read() as tx:
            progress = await _progress(tx, broadcast_id)
        if progress is None or not _all_sent(progress):
            return progress
        async with self.db.transaction() as tx:  # counted again: a stop may have come between
            progress = await _progress(tx, broadcast_id)
            if progress is not None and _all_sent(progress):
                await broadcast_store.set_status(tx, broadcast_id, BroadcastStatus.DONE)
                done = progress.broadcast.model_copy(update={"status": BroadcastStatus.DONE})
                progress = BroadcastProgress(broadcast=done, counts=progress.counts)
                log.info("broadcast %s done: %s", broadcast_id, progress.counts)
        return progress


async def _progress(tx: Transaction, broadcast_id: int) -> BroadcastProgress | None:
    broadcast = await broadcast_store.get_broadcast(tx, broadcast_id)
    if broadcast is None:
        return None
    return BroadcastProgress(
        broadcast=broadcast, counts=await store.broadcast_counts(tx, broadcast_id)
    )


def _all_sent(progress: BroadcastProgress) -> bool:
    return progress.broadcast.status is BroadcastStatus.SENDING and progress.counts.open == 0
