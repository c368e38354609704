"""The inbox's rules: every update is stored before Telegram hears that we have it.

Polling (and later a webhook) hands raw updates to ``take_in``, which stores the whole batch
in one transaction; only then may the source acknowledge them (advance the getUpdates offset,
answer the webhook request). The processor (``handlers/intake.py``) then takes pending updates
in update_id order, so each chat's updates are handled in the order they were sent.

Exactly once, across kills:

- An update that arrives again (Telegram redelivers what it has not seen acknowledged) has an
  update_id the inbox already holds, and is ignored. Done ids are kept for ``RETENTION``, longer
  than Telegram keeps an unacknowledged update (24 hours), then pruned by the sweep.
- An update is marked done after it was processed. A worker handles its updates one at a
  time, so a kill can interrupt at most the one it was processing; it is processed again
  after the restart (at least once), which the handlers make safe: checkout is idempotent
  by cart version, cart changes set quantities, and a screen shown twice is edited in place.
- Several workers (on PostgreSQL) share the inbox: ``claim`` takes the oldest pending
  update of a chat no other worker is handling, holding that chat's lock
  (``storage/locks.py``) until ``done``, so one chat is handled by one worker at a time and
  in order, and an update in one worker's hands is never started by another. A worker that
  dies lets go of its chat's lock with its connection; the update is then claimed again,
  which counts one more start, exactly as after a restart.
- An update whose processing was started ``MAX_ATTEMPTS`` times without finishing (it took the
  process down with it each time) is given up, so it cannot stop the bot for good.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from rekobot.clock import Clock, utcnow
from rekobot.models.messaging import InboxCounts, IncomingUpdate, PendingUpdate
from storage import inbox as store
from storage.database import Database
from storage.locks import ChatLocks, chat_locks

log = logging.getLogger(__name__)

#: How long a processed update_id is remembered; Telegram keeps unconfirmed updates 24 hours.
RETENTION = timedelta(hours=48)
#: Starts of processing one update (each ended by a crash) before it is given up.
MAX_ATTEMPTS = 3
#: Candidates one claim looks at: chats' oldest pending updates, some in other workers' hands.
CLAIM_BATCH = 20


def incoming(raw: dict[str, Any], chat_id: int | None) -> IncomingUpdate:
    """Wrap one raw update for storing."""
    return IncomingUpdate(
        update_id=int(raw["update_id"]),
        chat_id=chat_id,
        payload=json.dumps(raw, ensure_ascii=False, separators=(",", ":")),
    )


class Inbox:
    """Storing, handing out and completing the updates Telegram delivered."""

    def __init__(self, db: Database, *, clock: Clock = utcnow) -> None:
        self.db = db
        self.clock = clock
        #: Set when new updates were stored, so an idle processor starts at once.
        self.arrived = asyncio.Event()
        #: One chat at a time across workers; granted at once on SQLite (one process).
        self.locks: ChatLocks = chat_locks(db)

    async def take_in(self, updates: Sequence[IncomingUpdate]) -> list[int]:
        """Store a batch durably in one transaction; return the ids that were new."""
        if not updates:
            return []
        async with self.db.transaction() as tx:
            new = await store.store(tx, updates, self.clock())
        if len(new) < len(updates):
            log.info("inbox: ignored %s updates it already had", len(updates) - len(new))
        if new:
            self.arrived.set()
        return new

    @property
    def shared(self) -> bool:
        """Whether other workers store and take updates too (so an idle one must look)."""
        return self.locks.shared

    async def claim(self) -> PendingUpdate | None:
        """Take the next update to process, its start counted; None when none is free.

        The update is the oldest pending one of its chat, and the chat's lock is held until
        ``done``. Updates given up meanwhile (started ``MAX_ATTEMPTS`` times) are finished
        here and passed over.
        """
        async with self.db.read() as tx:
            if not await store.any_pending(tx):
                return None
        locked: list[PendingUpdate] = []  # chats whose lock this claim took
        claimed: PendingUpdate | None = None
        given_up: list[PendingUpdate] = []
        try:
            async with self.db.transaction() as tx:
                for row in await store.claimable(tx, CLAIM_BATCH):
                    if not await self.locks.try_lock(row.chat_id, row.update_id):
                        continue  # another worker is handling this chat
                    locked.append(row)
                    attempts = await store.begin(tx, row.update_id)
                    if attempts == 0:  # done meanwhile: nothing to do
                        continue
                    if attempts > MAX_ATTEMPTS:
                        await store.finish(tx, row.update_id, self.clock())
                        given_up.append(row)
                        continue
                    claimed = row.model_copy(update={"attempts": attempts})
                    break
        except BaseException:
            claimed = None  # not committed: nothing was taken
            raise
        finally:
            for row in locked:
                if claimed is None or row.update_id != claimed.update_id:
                    await self.locks.unlock(row.chat_id, row.update_id)
        for row in given_up:
            self._gave_up(row.update_id)
        if claimed is not None and claimed.attempts > 1:
            self._again(claimed.update_id, claimed.attempts)
        return claimed

    async def release(self, row: PendingUpdate) -> None:
        """Let go of the chat of an update ``claim`` took (after ``done``, or on a stop)."""
        await self.locks.unlock(row.chat_id, row.update_id)

    async def close(self) -> None:
        """Close the chat locks' connection."""
        await self.locks.close()

    def _again(self, update_id: int, attempts: int) -> None:
        log.warning(
            "inbox: update %s was being processed when the bot stopped; "
            "processing it again (start %s)",
            update_id,
            attempts,
        )

    def _gave_up(self, update_id: int) -> None:
        log.error(
            "inbox: giving up update %s: the bot stopped %s times while processing it",
            update_id,
            MAX_ATTEMPTS,
        )

    async def done(self, update_id: int) -> None:
        """Mark an update processed."""
        async with self.db.transaction() as tx:
            await store.finish(tx, update_id, self.clock())

    async def prune(self) -> int:
        """Forget processed updates older than the retention; return how many went."""
        async with self.db.transaction() as tx:
            gone = await store.prune(tx, self.clock() - RETENTION)
        if gone:
            log.info("inbox: pruned %s processed updates", gone)
        return gone

    async def counts(self) -> InboxCounts:
        """Count pending and remembered updates."""
        async with self.db.read() as tx:
            return await store.counts(tx)
