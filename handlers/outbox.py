"""The Telegram side of the outbox: send queued deliveries under Telegram's limits.

One message's sending lives in ``handlers/sending.py``, the broadcast progress message in
``handlers/outbox_progress.py`` and the sweep job that runs this sender in ``handlers/sweep.py``.

The sender drains ``deliveries`` rows (see ``rekobot/services/deliveries.py`` for the queue
rules) with its own pacing:

- at most ``settings.outbox_rate`` messages a second overall, spread evenly (no bursts);
- at most one message a second to a private chat, and 20 a minute to a group;
- a few requests in flight at once, so 30–80 ms of network latency does not cap the rate.

What each answer means:

- ``RetryAfter``: the row waits (``not_before``), every send pauses for that long, and the row
  is not counted as failed. PTB's ``AIORateLimiter`` on the bot would otherwise sleep and retry
  the call itself, holding a send slot and hiding the wait from the queue; the sender asks it
  for zero retries (``NO_RETRIES``), so it still shares the limiter's overall budget with the
  replies to users but handles flood waits itself.
- ``Forbidden`` (the user blocked the bot): the row is ``blocked`` and the user unreachable, so
  their later rows are closed without a call, until they write to the bot again.
- timeouts and network errors: retried with a growing pause, then ``failed``.
- any other refusal (``BadRequest``): ``failed``, with Telegram's reason in ``last_error``.

Exactly once, across restarts: a row is claimed (``sending``) in its own transaction before its
first message goes, and ``sent_parts`` is committed as soon as Telegram accepts each message.
A stop (SIGTERM/SIGINT) lets the messages in flight finish and be recorded, so nothing is sent
twice or skipped. After a hard kill (SIGKILL, power loss) the messages that were in flight at
that instant cannot be known: Telegram may or may not have taken them, and the Bot API has no
idempotency key. They are sent again (at least once), so such a kill can duplicate at most the
few messages in flight (``MAX_IN_FLIGHT``, about ``rate × latency`` ≈ 1–2 in practice), and
never skips one. A row a dead worker left ``sending`` (several workers share one database)
is requeued by the leader's sweep once its claim's lease ran out (``CLAIM_LEASE``).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from handlers.outbox_progress import PROGRESS_EVERY, BroadcastProgressEdits, _ProgressState
from handlers.sending import (
    GROUP_CHAT_GAP,
    NO_RETRIES,
    PRIVATE_CHAT_GAP,
    chat_gap,
    markup_of,
    retry_seconds,
    send_out_message,
)
from rekobot.clock import Clock
from rekobot.models.messaging import ClaimedDelivery, DueDelivery
from rekobot.services.outbox import OutMessage, load_messages
from rekobot.services.registry import Services

#: Kept importable from here: notices, errors, the intake and the broadcast preview use them.
__all__ = ["GROUP_CHAT_GAP", "NO_RETRIES", "PRIVATE_CHAT_GAP", "OutboxSender", "SenderStats"]
__all__ += ["PROGRESS_EVERY", "chat_gap", "markup_of", "retry_seconds", "send_out_message"]

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]

#: Requests on the wire at once; enough for rate × latency (25/s × 80 ms = 2) with room.
MAX_IN_FLIGHT = 8
#: How often an idle sender looks for new rows (it is also woken when rows are queued).
IDLE_POLL = 1.0
#: How often the list of due rows is read again while sending (new notes jump the queue).
REFILL_EVERY = 1.0
#: Telegram's overall limit, kept over any window of WINDOW seconds whatever the rate.
OVERALL_LIMIT = 30
WINDOW = 1.02


@dataclass
class _Active:
    """A claimed delivery whose messages are going out one by one."""

    delivery: ClaimedDelivery
    messages: list[OutMessage]
    next_part: int
    ready_at: float = 0.0
    in_flight: bool = False


@dataclass
class SenderStats:
    """What one sender did, for logs and benchmarks."""

    sent_messages: int = 0
    delivered: int = 0
    blocked: int = 0
    failed: int = 0
    retry_after: int = 0
    progress_edits: int = 0


class OutboxSender(BroadcastProgressEdits):
    """Drains the outbox through one bot, under Telegram's limits."""

    def __init__(
        self,
        bot: Bot,
        services: Services,
        *,
        rate: float | None = None,
        clock: Clock | None = None,
        sleep: Sleep = asyncio.sleep,
        max_in_flight: int = MAX_IN_FLIGHT,
        idle_poll: float = IDLE_POLL,
    ) -> None:
        self.bot = bot
        self.services = services
        self.deliveries = services.deliveries
        self.rate = rate or services.settings.outbox_rate
        self.clock = clock or services.clock
        self.sleep = sleep
        self.max_in_flight = max_in_flight
        self.idle_poll = idle_poll
        self.stats = SenderStats()
        self._interval = 1.0 / self.rate
        self._next_slot = float("-inf")
        self._pause_until = float("-inf")
        self._recent: deque[float] = deque()  # dispatch times within the last WINDOW
        self._queue: list[DueDelivery] = []
        self._deferred_heads: dict[int, int] = {}
        self._refilled_at = float("-inf")
        # Reads run on a snapshot and never wait for writes, so a queue read while a chat's
        # outcome (say a flood-wait deferral) was being written may not show it. Refills are
        # numbered; a chat settled since the queue's refill started waits for the next one.
        self._refills = 0
        self._queue_refill = 0
        self._settled: dict[int, int] = {}  # chat id -> refills started when it was settled
        self._active: dict[int, _Active] = {}  # by chat id
        self._chat_ready: dict[int, float] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._progress: dict[int, _ProgressState] = {}
        self._changed = asyncio.Event()
        self._started = False

    def _now(self) -> float:
        return self.clock().timestamp()

    # -- running

    async def start(self) -> None:
        """Take over rows a stopped process left in flight; track running broadcasts."""
        if self._started:
            return
        self._started = True
        now = self._now()
        for chat in await self.deliveries.release_claims():
            self._chat_ready[chat] = now + chat_gap(chat)  # it may have had one just now
        for broadcast in await self.deliveries.sending_broadcasts():
            self._progress.setdefault(broadcast.id, _ProgressState())

    async def run(self, keep_running: Callable[[], bool]) -> None:
        """Send until ``keep_running()`` turns false, then let the requests in flight finish."""
        await self.start()
        log.info("outbox sender running at %.1f messages/s", self.rate)
        try:
            while keep_running():
                if not await self.step():
                    await self._wait_for_change(self.idle_poll)
        except asyncio.CancelledError:
            self._abandon_in_flight()
            raise
        finally:
            await self.finish_in_flight()
            log.info("outbox sender stopped: %s", self.stats)

    async def drain(self, *, within: float | None = None) -> None:
        """Send until no delivery is left to go (tests and benchmarks).

        ``within`` bounds the wait in the clock's seconds (a test's clock may be virtual).
        """
        await self.start()
        started = self._now()
        try:
            while True:
                if await self.step():
                    continue
                idle = not self._tasks and not self._progress_pending()
                if idle and await self.deliveries.open_count() == 0:
                    return
                if within is not None and self._now() - started > within:
                    raise TimeoutError("the outbox did not drain in time")
                await self._wait_for_change(self.idle_poll)
        except asyncio.CancelledError:
            self._abandon_in_flight()
            raise
        finally:
            await self.finish_in_flight()

    def _abandon_in_flight(self) -> None:
        """A cancelled sender is a dead one: its requests in flight die with it, unrecorded."""
        for task in self._tasks:
            task.cancel()

    async def finish_in_flight(self) -> None:
        """Wait until every request on the wire has been answered and recorded."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- one decision

    async def step(self) -> bool:
        """Do the next thing that may be done now; False when nothing can be done yet."""
        self._changed.clear()
        now = self._now()
        slot = max(self._next_slot, self._pause_until, self._window_opens_at(now))
        if slot > now + 1e-6:  # clocks tick in microseconds
            # In short naps, so that a stop is noticed during a long flood wait.
            await self.sleep(min(slot - now, self.idle_poll))
            return True
        if len(self._tasks) >= self.max_in_flight:
            return False
        if await self._edit_progress_if_due(now):
            self._take_slot(now)
            return True
        if not self._queue or now - self._refilled_at >= REFILL_EVERY:
            await self._refill(now)
        active = self._next_continuation(now)
        if active is not None:
            self._launch(active, now)
            return True
        candidate = self._next_candidate(now)
        if candidate is None:
            return False
        self._queue.remove(candidate)
        claimed = await self.deliveries.claim(candidate.id)
        if claimed is None:  # cancelled meanwhile (a stopped broadcast)
            return True
        if claimed.unreachable:
            await self.deliveries.blocked(claimed.id, claimed.chat_id)
            self.stats.blocked += 1
            self._touch_broadcast(claimed.broadcast_id)
            return True
        try:
            messages = load_messages(claimed.payload)
        except ValueError as exc:
            log.error("outbox: delivery %s has an unreadable payload: %s", claimed.id, exc)
            await self.deliveries.failed(claimed.id, f"unreadable payload: {exc}")
            self.stats.failed += 1
            self._touch_broadcast(claimed.broadcast_id)
            return True
        if claimed.sent_parts >= len(messages):
            await self.deliveries.part_sent(claimed.id, len(messages) - 1, last=True)
            self._touch_broadcast(claimed.broadcast_id)
            return True
        active = _Active(delivery=claimed, messages=messages, next_part=claimed.sent_parts)
        self._active[claimed.chat_id] = active
        self._launch(active, self._now())
        return True

    def _window_opens_at(self, now: float) -> float:
        """When one more call fits under OVERALL_LIMIT calls in any WINDOW seconds."""
        while self._recent and self._recent[0] <= now - WINDOW:
            self._recent.popleft()
        if len(self._recent) >= OVERALL_LIMIT:
            return self._recent[0] + WINDOW
        return now

    def _take_slot(self, now: float) -> None:
        # Stay on the grid when a call goes out a little late (a database write, a slow
        # wake-up), so the rate is kept; after an idle spell start again from now.
        self._next_slot = max(self._next_slot, now - self._interval) + self._interval
        self._recent.append(now)

    async def _refill(self, now: float) -> None:
        self._refills += 1
        refill = self._refills
        work = await self.deliveries.due()
        self._queue_refill = refill
        self._settled = {chat: at for chat, at in self._settled.items() if at >= refill}
        self._queue = work.deliveries
        self._deferred_heads = work.deferred_heads
        self._refilled_at = now
        self._chat_ready = {chat: at for chat, at in self._chat_ready.items() if at > now}
        for delivery in self._queue:
            broadcast_id = delivery.broadcast_id
            if broadcast_id is not None and broadcast_id not in self._progress:
                await self._track(broadcast_id, now)

    async def _track(self, broadcast_id: int, now: float) -> None:
        """Follow a broadcast's progress; its admin just got the progress message."""
        self._progress[broadcast_id] = _ProgressState()
        progress = await self.deliveries.broadcast_progress(broadcast_id)
        chat = progress.broadcast.progress_chat_id if progress is not None else None
        if chat is not None:
            self._chat_ready[chat] = max(self._chat_ready.get(chat, now), now + chat_gap(chat))

    def _next_continuation(self, now: float) -> _Active | None:
        ready = [
            active
            for active in self._active.values()
            if not active.in_flight and active.ready_at <= now
        ]
        return min(ready, key=lambda active: active.delivery.id) if ready else None

    def _next_candidate(self, now: float) -> DueDelivery | None:
        seen: set[int] = set()
        for delivery in self._queue:
            chat = delivery.chat_id
            if chat in seen:
                continue
            seen.add(chat)  # only a chat's oldest row may go next
            if chat in self._active or self._chat_ready.get(chat, float("-inf")) > now:
                continue
            if self._settled.get(chat, -1) >= self._queue_refill:
                continue  # the queue may predate this chat's last outcome
            head = self._deferred_heads.get(chat)
            if head is not None and head < delivery.id:
                continue
            return delivery
        return None

    def _launch(self, active: _Active, now: float) -> None:
        active.in_flight = True
        chat = active.delivery.chat_id
        self._chat_ready[chat] = now + chat_gap(chat)
        self._take_slot(now)
        task = asyncio.create_task(self._send_part(active, now), name=f"outbox-{chat}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- one message

    async def _send_part(self, active: _Active, dispatched: float) -> None:
        delivery = active.delivery
        try:
            await self._send_and_record(active, dispatched)
        except Exception:
            # The outcome could not be written (e.g. the database is gone). The row stays
            # "sending" and is resumed after a restart; this chat is not held up meanwhile.
            log.exception("outbox: could not record the outcome of delivery %s", delivery.id)
            self._drop(active)
        finally:
            self._touch_broadcast(delivery.broadcast_id)
            self._changed.set()

    async def _send_and_record(self, active: _Active, dispatched: float) -> None:
        """Send the next message of a delivery and record what Telegram answered."""
        delivery = active.delivery
        part = active.next_part
        chat = delivery.chat_id
        try:
            await send_out_message(self.bot, chat, active.messages[part])
        except RetryAfter as exc:
            seconds = retry_seconds(exc)
            self.stats.retry_after += 1
            log.warning("outbox: Telegram asks to wait %ss (delivery %s)", seconds, delivery.id)
            self._pause_until = max(self._pause_until, self._now() + seconds)
            await self.deliveries.retry_after(delivery.id, seconds)
            self._drop(active)
        except Forbidden as exc:
            log.info("outbox: chat %s cannot be reached (%s)", chat, exc.message)
            await self.deliveries.blocked(delivery.id, chat)
            self.stats.blocked += 1
            self._drop(active)
        except ChatMigrated as exc:
            log.info("outbox: group %s moved to %s", chat, exc.new_chat_id)
            await self.deliveries.chat_moved(delivery.id, chat, exc.new_chat_id)
            self._drop(active)
        except BadRequest as exc:  # before NetworkError: it is one in PTB's hierarchy
            log.warning("outbox: delivery %s refused: %s", delivery.id, exc.message)
            await self.deliveries.failed(delivery.id, exc.message)
            self.stats.failed += 1
            self._drop(active)
        except NetworkError as exc:
            gave_up = await self.deliveries.attempt_failed(delivery.id, str(exc))
            outcome = "gave up" if gave_up else "will retry"
            log.warning("outbox: delivery %s: %s (%s)", delivery.id, exc, outcome)
            self.stats.failed += int(gave_up)
            self._drop(active)
        except (TelegramError, ValueError, TypeError) as exc:
            log.exception("outbox: delivery %s failed", delivery.id)
            await self.deliveries.failed(delivery.id, str(exc) or type(exc).__name__)
            self.stats.failed += 1
            self._drop(active)
        else:
            last = part == len(active.messages) - 1
            await self.deliveries.part_sent(delivery.id, part, last=last)
            self.stats.sent_messages += 1
            if last:
                self.stats.delivered += 1
                self._drop(active)
            else:
                active.next_part += 1
                active.ready_at = dispatched + chat_gap(chat)
                active.in_flight = False

    def _drop(self, active: _Active) -> None:
        self._active.pop(active.delivery.chat_id, None)
        self._settled[active.delivery.chat_id] = self._refills

    # -- waiting

    async def _wait_for_change(self, longest: float) -> None:
        """Sleep until something may be possible: a reply, a due row, a chat's gap, new rows."""
        now = self._now()
        wake_at = now + longest
        for active in self._active.values():
            if not active.in_flight:
                wake_at = min(wake_at, active.ready_at)
        for delivery in self._queue:
            ready = self._chat_ready.get(delivery.chat_id)
            if ready is not None and ready > now:
                wake_at = min(wake_at, ready)
        for state in self._progress.values():
            if state.dirty:
                wake_at = min(wake_at, state.last_edit + PROGRESS_EVERY)
        if not self._queue:
            due_at = await self.deliveries.next_due_at()
            if due_at is not None:
                wake_at = min(wake_at, due_at.timestamp())
        delay = min(max(wake_at - now, 0.001), longest)
        waiters = {
            asyncio.ensure_future(self.sleep(delay)),
            asyncio.ensure_future(self._changed.wait()),
            asyncio.ensure_future(self.deliveries.queued.wait()),
        }
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
            if self.deliveries.queued.is_set():
                self.deliveries.queued.clear()
                self._refilled_at = float("-inf")
        if self._now() >= wake_at - 0.001:
            self._refilled_at = float("-inf")  # a row or a chat may be due: read the queue
