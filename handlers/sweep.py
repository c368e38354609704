"""The sweep: a JobQueue job that runs every piece of due work and keeps the sender running.

Every ``settings.sweep_interval`` seconds it runs the due work (``rekobot/scheduling.py``:
reminders, digests, announcements, pruning), each isolated from the others, then wakes the
outbox sender for what they queued; it restarts the sender if it died. Last it checkpoints
the WAL (``Database.checkpoint``): the writer does not, so that no customer's write waits
behind a checkpoint inside someone's ``COMMIT``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING

from handlers.outbox import OutboxSender
from handlers.sending import _QuietZeroRetries
from rekobot.scheduling import run_due_work

if TYPE_CHECKING:  # the application imports the intake, which imports the outbox
    from handlers.application import RekoApplication

log = logging.getLogger("handlers.outbox")


class Sweeper:
    """The JobQueue job: run due work, and keep one outbox sender running."""

    def __init__(self, application: RekoApplication) -> None:
        self.application = application
        self.sender: OutboxSender | None = None
        self.task: asyncio.Task[None] | None = None  # the running sender
        #: ``time.monotonic()`` when a run last completed, for /healthz (handlers/health.py).
        self.last_run: float | None = None
        #: For GET /metrics (handlers/metrics.py): completed runs, their seconds, the last one.
        self.runs = 0
        self.seconds_total = 0.0
        self.last_duration: float | None = None
        self._sent_by_earlier_senders = 0

    def ensure_sender(self) -> None:
        """Start the sender, or restart it if it died."""
        if self.task is not None and not self.task.done():
            return
        if self.sender is not None:
            self._sent_by_earlier_senders += self.sender.stats.sent_messages
        if self.task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                error = self.task.exception()
                if error is not None:
                    log.error("outbox sender died; restarting it", exc_info=error)
        self.sender = OutboxSender(self.application.bot, self.application.services)
        application = self.application
        self.task = application.create_task(
            self.sender.run(lambda: application.running), name="outbox-sender"
        )

    async def tick(self, context: object = None) -> None:
        """Run every piece of due work once, then wake the sender for what it queued."""
        self.ensure_sender()
        services = self.application.services
        began = time.monotonic()
        await run_due_work(services.due_work)
        services.deliveries.queued.set()
        self.last_run = time.monotonic()
        self.last_duration = self.last_run - began
        self.runs += 1
        self.seconds_total += self.last_duration
        try:
            await services.db.checkpoint()
        except Exception:  # the next sweep tries again; the WAL only grows meanwhile
            log.exception("sweep: checkpointing the WAL failed")

    def sent_messages(self) -> int:
        """Messages the outbox sent since start, by every sender this sweep ran."""
        current = self.sender.stats.sent_messages if self.sender is not None else 0
        return self._sent_by_earlier_senders + current


def schedule(application: RekoApplication) -> Sweeper:
    """Run the sweep every ``settings.sweep_interval`` seconds once the bot is running."""
    limiter_log = logging.getLogger("telegram.ext.AIORateLimiter")
    if not any(isinstance(f, _QuietZeroRetries) for f in limiter_log.filters):
        limiter_log.addFilter(_QuietZeroRetries())
    sweeper = Sweeper(application)
    job_queue = application.job_queue
    if job_queue is None:  # pragma: no cover - the job-queue extra is a dependency
        log.error("no JobQueue: reminders and the outbox will not run")
        return sweeper
    job_queue.run_repeating(
        sweeper.tick,
        interval=application.services.settings.sweep_interval,
        first=0.1,
        name="sweep",
        job_kwargs={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    return sweeper
