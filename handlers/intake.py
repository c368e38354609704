"""Updates in: every update is stored in the inbox before Telegram hears that we have it.

PTB's Updater acknowledges a batch (the next getUpdates carries offset = last id + 1) as soon
as the batch sits in an in-memory queue, so a killed process lost every update it had fetched
but not yet handled, and Telegram never sends those again. Here:

- ``take_in`` stores raw Update JSON in the inbox, one transaction per batch. It does not care
  where the updates came from: the poller uses it, and a webhook can use it the same way
  (answer Telegram only after it returned).
- ``Poller`` long-polls getUpdates and advances the offset only after ``take_in`` returned.
  It starts without an offset, so Telegram hands over again whatever was fetched but not
  acknowledged before a stop; the inbox ignores what it already has.
- ``Processor`` claims pending updates one at a time, each the oldest of its chat (so each
  chat's are in order, as PTB's default sequential processing had them; with one process
  that is update_id order), hands each to ``application.process_update``, marks it done and
  lets go of the chat. Several workers on PostgreSQL share the inbox this way. See
  ``rekobot/services/inbox.py`` for why this is exactly once across kills.
- ``run_intake`` finishes what the inbox holds before it fetches anything new. The updates
  come from the ``Poller``, or from the webhook server (``handlers/webhook.py``) after
  ``set_webhook``; switching back to polling deletes the webhook first.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from telegram import Bot, Update
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter

from handlers.outbox import retry_seconds
from rekobot.models.messaging import PendingUpdate
from rekobot.services.inbox import Inbox, incoming

if TYPE_CHECKING:
    from handlers.application import RekoApplication

log = logging.getLogger(__name__)

T = TypeVar("T")
JSON = dict[str, Any]

#: The update types the handlers use; Telegram sends no others (add one with its handler).
#: The one list for both getUpdates and setWebhook.
ALLOWED_UPDATES: tuple[str, ...] = (
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
)
#: Seconds one getUpdates waits for something new (a stop does not wait for it).
POLL_TIMEOUT = 25
#: Updates per getUpdates, and per read of the inbox (Telegram's maximum is 100).
BATCH = 100
#: The longest pause between two getUpdates after errors (it doubles from one second).
MAX_BACKOFF = 30.0
#: The longest pause between two tries to reach Telegram at start-up (doubling from 1 s).
MAX_START_BACKOFF = 60.0
#: How often an idle worker looks for updates other workers' webhooks stored (PostgreSQL).
IDLE_POLL = 0.5

Receive = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


def chat_of(raw: JSON) -> int | None:
    """Return the chat an update belongs to (the user's, when it has no chat), if any."""
    try:
        update = Update.de_json(raw, None)
    except Exception:  # stored anyway: the processor logs what is wrong with it
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None


async def take_in(inbox: Inbox, raw_updates: Sequence[JSON]) -> list[int]:
    """Store raw updates durably; once this returns, the source may acknowledge them.

    Return the update ids that were new (a copy of a stored update is ignored).
    """
    return await inbox.take_in([incoming(raw, chat_of(raw)) for raw in raw_updates])


async def until_stopped(work: Awaitable[T], stopping: asyncio.Event) -> tuple[bool, T | None]:
    """Await ``work`` unless ``stopping`` is set first; return (finished, result)."""
    task = asyncio.ensure_future(work)
    stop = asyncio.ensure_future(stopping.wait())
    try:
        await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    if task.cancelled():
        return False, None
    return True, task.result()


class Processor:
    """Process the inbox's pending updates one at a time, each chat's in update_id order."""

    def __init__(self, application: RekoApplication) -> None:
        self.application = application
        self.inbox = application.services.inbox

    async def finish_pending(self, stopping: asyncio.Event) -> int:
        """Process every pending update this worker can take, including any stored meanwhile.

        Return how many. With other workers (PostgreSQL), updates of a chat another worker is
        handling are left to it.
        """
        count = 0
        while not stopping.is_set():
            row = await self.inbox.claim()
            if row is None:
                break
            await self.process(row)
            count += 1
        return count

    async def run(self, stopping: asyncio.Event) -> None:
        """Process updates as they arrive until ``stopping`` is set (the current one finishes).

        Updates stored here wake it at once; with other workers it also looks every
        ``IDLE_POLL`` seconds, for updates their webhooks stored.
        """
        while not stopping.is_set():
            self.inbox.arrived.clear()
            if await self.finish_pending(stopping):
                continue
            arrived = self.inbox.arrived.wait()
            if self.inbox.shared:
                await until_stopped(_within(arrived, IDLE_POLL), stopping)
            else:
                await until_stopped(arrived, stopping)

    async def process(self, row: PendingUpdate) -> None:
        """Hand one claimed update to the handlers, mark it done, then let go of its chat."""
        try:
            try:
                update = Update.de_json(json.loads(row.payload), self.application.bot)
            except Exception:
                log.exception("inbox: update %s cannot be read; skipping it", row.update_id)
            else:
                try:
                    await self.application.process_update(update)
                except Exception:  # handler errors go to the error handler; this is what is left
                    log.exception("inbox: processing update %s failed", row.update_id)
            await self.inbox.done(row.update_id)
        finally:
            await self.inbox.release(row)


async def _within(waiting: Awaitable[object], seconds: float) -> None:
    """Wait for ``waiting`` at most ``seconds``."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(waiting, seconds)


class Poller:
    """Long-poll getUpdates; store each batch before the next call acknowledges it."""

    def __init__(self, bot: Bot, inbox: Inbox, *, timeout: int = POLL_TIMEOUT) -> None:
        self.bot = bot
        self.inbox = inbox
        self.timeout = timeout
        #: The next getUpdates' offset; None asks Telegram for everything not acknowledged.
        self.offset: int | None = None

    async def run(self, stopping: asyncio.Event) -> None:
        """Fetch and store updates until ``stopping`` is set; a revoked token ends it."""
        backoff = 0.0
        webhook_cleared = False
        while not stopping.is_set():
            try:
                if not webhook_cleared:  # getUpdates is refused while a webhook is set
                    await self.bot.delete_webhook(drop_pending_updates=False)
                    webhook_cleared = True
                finished, updates = await until_stopped(self._fetch(), stopping)
                if not finished:
                    return
                raw = [update.to_dict() for update in updates or ()]
                await take_in(self.inbox, raw)
            except InvalidToken as error:  # revoked in @BotFather: polling on cannot help
                log.error("getUpdates: Telegram refused the bot token (%s); stopping", error)
                raise
            except RetryAfter as error:
                pause = retry_seconds(error)
                log.warning("getUpdates: Telegram asks us to wait %ss", pause)
            except Exception as error:
                backoff = min(max(1.0, backoff * 2), MAX_BACKOFF)
                pause = backoff
                log.warning("getUpdates failed (%s); trying again in %ss", error, pause)
            else:
                backoff = 0.0
                if raw:  # stored: the next call may tell Telegram it can forget them
                    self.offset = max(int(update["update_id"]) for update in raw) + 1
                continue
            await until_stopped(asyncio.sleep(pause), stopping)

    async def _fetch(self) -> tuple[Update, ...]:
        return await self.bot.get_updates(
            offset=self.offset,
            timeout=self.timeout,
            limit=BATCH,
            allowed_updates=ALLOWED_UPDATES,
        )


async def until_reachable(
    what: str, attempt: Callable[[], Awaitable[None]], stopping: asyncio.Event
) -> bool:
    """Run ``attempt`` until Telegram answers it; False when ``stopping`` came first.

    An unreachable Telegram (network down, a 5xx, a timeout) is tried again with a pause that
    doubles from one second to a minute, logging one line per try. A refused token, or any
    other answer from Telegram, is raised.
    """
    pause = 1.0
    while not stopping.is_set():
        try:
            await attempt()
        except BadRequest:
            raise
        except (NetworkError, RetryAfter) as error:
            wait = retry_seconds(error) if isinstance(error, RetryAfter) else pause
            log.warning(
                "%s: Telegram cannot be reached (%s); trying again in %ss", what, error, wait
            )
            finished, _ = await until_stopped(asyncio.sleep(wait), stopping)
            if not finished:
                return False
            pause = min(pause * 2, MAX_START_BACKOFF)
        else:
            return True
    return False


async def set_webhook(bot: Bot, url: str, secret: str) -> None:
    """Ask Telegram to POST updates to ``url`` with ``secret``, keeping what it holds."""
    await bot.set_webhook(
        url,
        secret_token=secret,
        allowed_updates=ALLOWED_UPDATES,
        drop_pending_updates=False,
    )


async def run_intake(
    application: RekoApplication, stopping: asyncio.Event, receive: Receive | None = None
) -> None:
    """Finish the inbox, then take updates in and process them until ``stopping`` is set.

    ``receive`` stores updates until it is stopped; the ``Poller`` unless another is given
    (the webhook server). A revoked token (``InvalidToken``) stops both and is raised.
    """
    processor = Processor(application)
    finished = await processor.finish_pending(stopping)
    if finished:
        log.info("inbox: finished %s updates left from the last run", finished)
    if receive is None:
        receive = Poller(application.bot, application.services.inbox).run
    tasks = [
        asyncio.create_task(receive(stopping), name="intake-receiver"),
        asyncio.create_task(processor.run(stopping), name="intake-processor"),
    ]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        stopping.set()  # one ended (an error, or a stop): let the other finish its update
        await asyncio.wait(tasks)
    for task in tasks:
        error = None if task.cancelled() else task.exception()
        if error is not None:
            raise error
