"""One leader among the workers: the one that runs the sweep and sends the outbox.

Several workers on one PostgreSQL database all take updates in, but the due work and the
outbox must run once, at the bot's one shared rate. The leader is whoever holds the leader's
lock (``storage/locks.py``), a session lock on a connection of its own:

- a follower tries to take it every ``TRY_EVERY`` seconds; when the leader dies, however it
  dies, its connection drops, the server lets the lock go, and a follower takes it at its
  next try, so a new leader runs within a few seconds;
- the leader asks its lock's connection a trivial question as often; a connection that is
  lost, or does not answer, ends the leadership at once (``on_deposed``): the sweep's sender
  stops before another worker can be elected and start its own;
- the leader records when its sweep last completed (the ``leadership`` row), which the
  followers read, so each worker's /healthz can tell whether the bot's due work is done.

On SQLite there is one process, which is always the leader; nothing is recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import datetime

from rekobot.clock import Clock, utcnow
from storage import leadership as store
from storage.database import Database
from storage.locks import LeaderLock, leader_lock

log = logging.getLogger(__name__)

#: Seconds between a follower's tries to take the lead, and the leader's checks of its lock.
TRY_EVERY = 2.0


def worker_name() -> str:
    """This worker as the operator finds it: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Leadership:
    """Take, keep and lose the lead; tell the sweep when this worker leads and when not."""

    def __init__(
        self,
        db: Database,
        *,
        clock: Clock = utcnow,
        worker: str | None = None,
        try_every: float = TRY_EVERY,
    ) -> None:
        self.db = db
        self.clock = clock
        self.worker = worker or worker_name()
        self.try_every = try_every
        self.lock: LeaderLock = leader_lock(db)
        self.lock.on_lost = self._lost
        #: Called when this worker becomes the leader, and when it stops being it.
        self.on_elected: list[Callable[[], None]] = []
        self.on_deposed: list[Callable[[], None]] = []
        #: When the leader's sweep last completed, as a follower last read it.
        self.leader_swept_at: datetime | None = None
        self._started = time.monotonic()
        self._electing = asyncio.Lock()

    @property
    def shared(self) -> bool:
        """Whether other workers may lead (PostgreSQL); on SQLite this one always does."""
        return self.lock.shared

    @property
    def is_leader(self) -> bool:
        """Whether this worker leads now."""
        return self.lock.held

    async def lead(self) -> bool:
        """Take the lead if nobody has it; True when this worker leads now."""
        if self.lock.held:
            return True
        async with self._electing:
            if self.lock.held:
                return True
            try:
                if not await self.lock.try_take():
                    return False
            except Exception as exc:  # the database is away: stay a follower, try again later
                log.warning("leader: could not try the leader's lock (%s)", exc)
                return False
            if self.shared:
                try:
                    await store.elected(self.db, self.worker, self.clock())
                except BaseException:
                    await self.lock.release()
                    raise
                log.info(
                    "leader: %s leads now (%.1fs after it started)",
                    self.worker,
                    time.monotonic() - self._started,
                )
        for callback in self.on_elected:
            callback()
        return True

    def _lost(self) -> None:
        log.error("leader: %s lost the lead; its sweep and sender stop", self.worker)
        for callback in self.on_deposed:
            callback()

    async def step(self) -> None:
        """One round: the leader checks its lock; a follower tries to take it."""
        if self.lock.held:
            await self.lock.confirm()  # a lost lock tells on_deposed
            return
        if await self.lead():
            return
        try:
            self.leader_swept_at = await store.last_sweep(self.db)
        except Exception as exc:  # health reports a stale sweep; the next round tries again
            log.warning("leader: could not read the leader's last sweep (%s)", exc)

    async def run(self, stopping: asyncio.Event) -> None:
        """Take part in the election every ``try_every`` seconds until ``stopping`` is set."""
        while not stopping.is_set():
            try:
                await self.step()
            except Exception:
                log.exception("leader: the election round failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), self.try_every)

    async def swept(self) -> None:
        """Record that this leader's sweep completed a run (for the followers' /healthz)."""
        if self.shared and self.lock.held:
            await store.swept(self.db, self.worker, self.clock())

    async def close(self) -> None:
        """Let the lead go (a stopping worker hands over at once)."""
        held = self.lock.held
        await self.lock.release()
        if held and self.shared:
            log.info("leader: %s hands over the lead", self.worker)
