"""The inbox's rules: every update is stored before Telegram hears that we have it.

Polling (and later a webhook) hands raw updates to ``take_in``, which stores the whole batch
in one transaction; only then may the source acknowledge them (advance the getUpdates offset,
answer the webhook request). The processor (``handlers/intake.py``) then takes pending updates
in update_id order, so each chat's updates are handled in the order they were sent.

Exactly once, across kills:

- An update that arrives again (Telegram redelivers what it has not seen acknowledged) has an
  update_id the inbox already holds, and is ignored. Done ids are kept for ``RETENTION``, longer
  than Telegram keeps an unacknowledged update (24 hours), then pruned by the sweep.
- An update is marked done after it was processed. Updates go one at a time, so a kill can
  interrupt at most the one being processed; it is processed again after the restart (at least
  once), which the handlers make safe: checkout is idempotent by cart version, cart changes set
  quantities, and a screen shown twice is edited in place.
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

log = logging.getLogger(__name__)

#: How long a processed update_id is remembered; Telegram keeps unconfirmed updates 24 hours.
RETENTION = timedelta(hours=48)
#: Starts of processing one update (each ended by a crash) before it is given up.
MAX_ATTEMPTS = 3


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

    async def pending(self, limit: int = 100) -> list[PendingUpdate]:
        """Return the oldest updates still to process, in update_id order."""
        async with self.db.read() as tx:
            return await store.pending(tx, limit)

    async def begin(self, update_id: int) -> bool:
        """Record that processing of an update starts; False when it is done or given up."""
        async with self.db.transaction() as tx:
            attempts = await store.begin(tx, update_id)
            if attempts == 0:  # done meanwhile (or never stored): nothing to do
                return False
            if attempts <= MAX_ATTEMPTS:
                if attempts > 1:
                    log.warning(
                        "inbox: update %s was being processed when the bot stopped; "
                        "processing it again (start %s)",
                        update_id,
                        attempts,
                    )
                return True
            await store.finish(tx, update_id, self.clock())
        log.error(
            "inbox: giving up update %s: the bot stopped %s times while processing it",
            update_id,
            MAX_ATTEMPTS,
        )
        return False

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
