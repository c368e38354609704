"""The last resort: log what broke, then make sure the user is not left without an answer.

What went wrong decides both:

- a refused token (401): the operator's problem; logged once, no traceback, nobody to tell;
- ``Forbidden``: the user blocked the bot; they become unreachable, the rule the outbox uses;
- ``RetryAfter``: Telegram's flood control; the apology waits in the outbox until it may go;
- ``BadRequest``: we asked Telegram for something invalid, a bug of ours; logged at ERROR with
  the Bot API method and the update id;
- timeouts and network errors: logged as a warning; the apology is tried now, and queued in the
  outbox (which retries) when Telegram cannot be reached;
- anything else: our bug, logged with its traceback.

A handler whose action has been committed calls ``settled(update)`` first: from then on a
failure only costs a message, so the user is never told to "try again" for something that
happened. Checkout and cancel have their answer in the outbox already; a cart step says what
to do instead (``told``).
"""

from __future__ import annotations

import logging
import traceback
from contextvars import ContextVar
from datetime import timedelta

from telegram import Update
from telegram.constants import ChatType
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from handlers.context import Ctx
from handlers.outbox import retry_seconds
from handlers.sending import api_name
from rekobot.i18n import _
from rekobot.services.outbox import OutMessage

log = logging.getLogger(__name__)

#: The update whose action succeeded, and what to tell the user if its answer fails.
_settled: ContextVar[tuple[int, str | None] | None] = ContextVar(
    "rekobot_settled_update", default=None
)


def settled(update: Update, told: str | None = None) -> None:
    """Say that this update's action is committed.

    Without ``told`` its answer is queued in the outbox and a failure needs no word; with it,
    a failed answer is replaced by ``told`` (which must not ask to try again).
    """
    _settled.set((update.update_id, told))


def settled_as(update: object) -> tuple[bool, str | None]:
    """Whether the handler of ``update`` committed its action, and what to say if so."""
    mark = _settled.get()
    if not isinstance(update, Update) or mark is None or mark[0] != update.update_id:
        return False, None
    return True, mark[1]


def telegram_method(error: BaseException | None) -> str:
    """Name the Bot API method a Telegram error answered (PTB's errors do not say).

    PTB's ``Bot._post(endpoint, ...)`` is on the way of every call, so its frame in the
    traceback holds the method.
    """
    found = "an unknown method"
    while error is not None:
        for frame, _line in traceback.walk_tb(error.__traceback__):
            endpoint = frame.f_locals.get("endpoint")
            if frame.f_code.co_name in {"_post", "_do_post"} and isinstance(endpoint, str):
                found = api_name(endpoint)
        error = error.__cause__ or error.__context__
    return found


def refused_token(error: BaseException | None) -> bool:
    """Whether Telegram refused the token (PTB turns a later 401 into EndPointNotFound)."""
    if isinstance(error, InvalidToken):
        return True
    return isinstance(error, EndPointNotFound) and isinstance(error.__cause__, InvalidToken)


async def on_error(update: object, context: Ctx) -> None:
    """Log the error by its kind, then answer the user unless their action already succeeded."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    if refused_token(error):
        log.error(
            "Telegram refused the bot token (401) while handling update %s; was it revoked?",
            update_id,
        )
        return
    method = telegram_method(error)
    if isinstance(error, Forbidden):
        await _mark_unreachable(update, context, error)
        return
    wait = 0.0
    if isinstance(error, RetryAfter):
        wait = retry_seconds(error)
        log.warning("flood control on %s for update %s: wait %ss", method, update_id, wait)
        text = _("Telegram asks us to slow down for a moment. Please try again in a minute.")
    elif isinstance(error, BadRequest):
        log.error(
            "Telegram refused %s while handling update %s: %s",
            method,
            update_id,
            error.message,
            exc_info=error,
        )
        text = _("Sorry, something went wrong on our side. Please try again in a moment.")
    elif isinstance(error, NetworkError):  # TimedOut included
        log.warning("could not reach Telegram (%s) for update %s: %s", method, update_id, error)
        text = _("Telegram could not be reached just now. Please try again in a moment.")
    else:
        log.error("error while handling update %s", update_id, exc_info=error)
        text = _("Sorry, something went wrong on our side. Please try again in a moment.")
    done, told = settled_as(update)
    if done:
        log.info("update %s was done before the error; the user is not asked to retry", update_id)
        if told is None:
            return
        text = told
    if isinstance(update, Update):
        await apologise(update, context, text, wait)


async def _mark_unreachable(update: object, context: Ctx, error: Forbidden) -> None:
    """The user blocked the bot (or left the chat): stop writing to them until they return."""
    chat = update.effective_chat if isinstance(update, Update) else None
    if chat is None or chat.type != ChatType.PRIVATE:
        log.info("Telegram refuses our messages to chat %s: %s", chat and chat.id, error.message)
        return
    log.info("user %s cannot be reached (%s); marked unreachable", chat.id, error.message)
    await context.bot_data.services.deliveries.unreachable(chat.id)


async def apologise(update: Update, context: Ctx, text: str, wait: float = 0.0) -> None:
    """Tell the user now, or through the outbox when Telegram does not take it now."""
    chat = update.effective_chat
    if chat is None:
        return
    query = update.callback_query
    try:
        if query is not None:
            await query.answer(text, show_alert=True)
            return
        if not wait:
            await context.bot.send_message(chat.id, text)
            return
    except TelegramError as exc:
        log.info("could not tell user %s about the error now (%s); queueing it", chat.id, exc)
    services = context.bot_data.services
    await services.deliveries.notice(
        chat.id,
        [OutMessage(text=text)],
        key=f"apology:{update.update_id}",
        not_before=services.clock() + timedelta(seconds=wait),
    )
