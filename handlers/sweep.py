"""The sweep: a JobQueue job that runs every piece of due work and keeps the sender running.

Every ``settings.sweep_interval`` seconds it runs the due work (``rekobot/scheduling.py``:
reminders, digests, announcements, pruning), each isolated from the others, then wakes the
outbox sender for what they queued; it restarts the sender if it died.

Only the leader sweeps and sends (``rekobot/services/leadership.py``; on SQLite the one
process always leads). A worker elected leader starts a new sender at once, whose start
requeues the deliveries the old leader left in flight (at least once); a leader that loses
its lock stops its sender at once, before another worker can be elected. A follower's
``last_run`` is the leader's last sweep as recorded in the database, so that its /healthz
says whether the due work is being done, by whichever worker does it. Last it checkpoints
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
from rekobot.services.leadership import Leadership

if TYPE_CHECKING:  # the application imports the intake, which imports the outbox
    from handlers.application import RekoApplication

log = logging.getLogger("handlers.outbox")


class Sweeper:
    """The JobQueue job: run due work, and keep one outbox sender running."""

    def __init__(self, application: RekoApplication) -> None:
        self.application = application
        self.leadership: Leadership = application.services.leadership
        self.leadership.on_elected.append(self.ensure_sender)
        self.leadership.on_deposed.append(self.stop_sender)
        self.sender: OutboxSender | None = None
        self.task: asyncio.Task[None] | None = None  # the running sender
        self._last_run: float | None = None
        #: For GET /metrics (handlers/metrics.py): completed runs, their seconds, the last one.
        self.runs = 0
        self.seconds_total = 0.0
        self.last_duration: float | None = None
        self._sent_by_earlier_senders = 0

    @property
    def last_run(self) -> float | None:
        """``time.monotonic()`` when a sweep last completed, for /healthz (handlers/health.py).

        This worker's own sweep while it leads; a follower's is the later of its own (from
        when it led) and the leader's, as recorded.
        """
        own = self._last_run
        swept_at = self.leadership.leader_swept_at
        if self.leadership.is_leader or not self.leadership.shared or swept_at is None:
            return own
        age = max(0.0, (self.leadership.clock() - swept_at).total_seconds())
        leaders = time.monotonic() - age
        return leaders if own is None else max(own, leaders)

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
        application, leadership = self.application, self.leadership
        self.task = application.create_task(
            self.sender.run(lambda: application.running and leadership.is_leader),
            name="outbox-sender",
        )

    def stop_sender(self) -> None:
        """Stop the sender at once (the lead is lost): its messages in flight are abandoned.

        The new leader sends them again, as after a kill: it cannot know whether they went.
        """
        if self.task is not None and not self.task.done():
            self.task.cancel()

    async def tick(self, context: object = None) -> None:
        """Run every piece of due work once, then wake the sender; a follower does nothing."""
        if not await self.leadership.lead():
            return
        self.ensure_sender()
        services = self.application.services
        began = time.monotonic()
        await run_due_work(services.due_work)
        services.deliveries.queued.set()
        self._last_run = time.monotonic()
        self.last_duration = self._last_run - began
        self.runs += 1
        self.seconds_total += self.last_duration
        try:
            await self.leadership.swept()
        except Exception:  # the followers' /healthz reads an older run meanwhile
            log.exception("sweep: recording the run for the other workers failed")
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
