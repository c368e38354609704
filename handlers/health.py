"""GET /healthz: 200 while the bot can do its work, 503 with the reason when it cannot.

A supervisor (Docker's healthcheck, a load balancer, uptime monitoring) asks it. "Can do its
work" means three things: the database answers, its schema is the one this code migrates to
(and the file on disk is still that database), and the sweep, which sends reminders, digests
and the outbox, has completed a run recently. The sweep gets a grace period after start-up,
before its first run is due to have finished.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from aiohttp import web

from storage import health as store
from storage.database import Database

log = logging.getLogger(__name__)

#: Sweeps that may be missed before the bot counts as stuck.
MISSED_SWEEPS = 3
#: Seconds added to that, for a loaded machine and a slow sweep.
SWEEP_MARGIN = 30.0


class SweepRecord(Protocol):
    """What the health check reads of the sweep (``handlers.sweep.Sweeper``)."""

    @property
    def last_run(self) -> float | None:
        """``time.monotonic()`` when the last run completed; None before the first one."""
        ...


@dataclass(frozen=True)
class Verdict:
    """The answer of one check: healthy, or the one-line reason why not."""

    ok: bool
    reason: str = ""

    def body(self) -> dict[str, object]:
        """The JSON /healthz answers with."""
        return {"ok": True} if self.ok else {"ok": False, "reason": self.reason}


class Health:
    """Check the database and the sweep; built when the bot starts serving."""

    def __init__(
        self,
        db: Database,
        sweep: SweepRecord | None,
        sweep_interval: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.sweep = sweep
        self.clock = clock
        self.started = clock()
        self._logged = ""  # the last reason logged, so a monitor's polls log each change once
        #: How old the last completed sweep may be (and how long the first may take).
        self.sweep_limit = MISSED_SWEEPS * sweep_interval + SWEEP_MARGIN

    async def check(self) -> Verdict:
        """Say whether the bot is healthy, and if not, why."""
        try:
            live = await store.live_version(self.db)
            on_disk = await store.stored_version(self.db)
        except store.Unhealthy as problem:
            return Verdict(False, str(problem))
        known = store.known_version()
        if live != known or on_disk != known:
            return Verdict(
                False,
                f"the database is at schema version {on_disk} (in use: {live}), "
                f"this rekobot needs {known}",
            )
        return self._sweep_verdict()

    def _sweep_verdict(self) -> Verdict:
        now = self.clock()
        last = self.sweep.last_run if self.sweep is not None else None
        if last is None:
            if now - self.started <= self.sweep_limit:
                return Verdict(True)  # still within the grace period after start-up
            return Verdict(False, f"the sweep has not completed a run in {now - self.started:.0f}s")
        if now - last > self.sweep_limit:
            return Verdict(False, f"the sweep last completed a run {now - last:.0f}s ago")
        return Verdict(True)

    async def answer(self, request: web.Request) -> web.Response:
        """Answer GET /healthz."""
        verdict = await self.check()
        if re.sub(r"\d+", "", verdict.reason) != re.sub(r"\d+", "", self._logged):
            if verdict.ok:
                log.info("healthz: healthy again")
            else:
                log.warning("healthz: %s", verdict.reason)
            self._logged = verdict.reason
        return web.json_response(verdict.body(), status=200 if verdict.ok else 503)
