"""Deliver an order's notice to the customer now, and leave to the outbox what Telegram refused.

The notice (confirmation, or cancellation) was queued with the order itself (see
``rekobot/services/confirmations.py``). The handler that placed the order claims that one row
and sends it at once, its first message as an edit of the message the customer pressed. What
Telegram accepted is recorded in one commit at the end, or, when a call fails, before that
failure is, so the outbox sender goes on from the next unsent message: the customer ends up
with one confirmation however the first try went.

A checkout claims the row in its own transaction and hands it over with the rendered messages
(``deliver_handed``), which saves the tap a write. A process killed before the first send
leaves that row ``sending``, as a kill in the middle of the sends does; the next start puts
it back in the queue (``Deliveries.release_claims``). The checkout tap, handled again from the
inbox, then claims it by its key (``deliver_now``), or, if it comes first, says the order is
placed and leaves the notice to the outbox: one confirmation either way.

What a failure means here:

- timeout or network error on the edit: edits are idempotent, so it is tried again at once; a
  send (map pin, calendar file) may have reached the chat, so it goes back to the outbox, which
  retries it later (at least once, like every outbox message);
- ``RetryAfter``: back to the outbox, due when Telegram allows;
- ``Forbidden``: the customer blocked the bot; the row ends ``blocked`` and they are unreachable;
- ``BadRequest`` on the edit (the message is gone or too old): sent as a new message instead;
  on a send, it is our bug: logged at ERROR and that one message skipped, the others still go.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Message, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from handlers.context import Ctx
from handlers.outbox import markup_of, retry_seconds, send_out_message
from handlers.sending import edit_text
from rekobot.models.messaging import ClaimedDelivery
from rekobot.services.outbox import Handover, OutMessage, load_messages

log = logging.getLogger(__name__)

#: Tries of the edit that turns the pressed message into the confirmation.
EDIT_TRIES = 3
#: Seconds between two tries of that edit.
EDIT_PAUSE = 0.5


class _HandedOver(Exception):
    """The rest of the delivery is the outbox's now."""


async def deliver_now(update: Update, context: Ctx, key: str) -> bool:
    """Send the pending notice queued under ``key``; False when there was none left to send."""
    claimed = await context.bot_data.services.deliveries.claim_key(key)
    if claimed is None:
        return False
    await _deliver(update, context, claimed, load_messages(claimed.payload))
    return True


async def deliver_handed(update: Update, context: Ctx, handover: Handover) -> None:
    """Send the notice a checkout queued already claimed for this handler, as it rendered it."""
    await _deliver(update, context, handover.delivery, handover.messages)


async def _deliver(
    update: Update, context: Ctx, claimed: ClaimedDelivery, messages: list[OutMessage]
) -> None:
    """Send the claimed notice's messages from the first one not sent yet.

    What Telegram accepted is recorded once, after the last message, in one commit; a call
    that fails first records what went out before it, so the outbox goes on from there.
    """
    deliveries = context.bot_data.services.deliveries
    sent = claimed.sent_parts
    try:
        for part in range(claimed.sent_parts, len(messages)):
            await _send_part(update, context, claimed, messages[part], part)
            sent = part + 1
        if sent > claimed.sent_parts:
            await deliveries.part_sent(claimed.id, sent - 1, last=True)
    except _HandedOver:
        deliveries.notify()
    except Exception:
        # Our own failure mid-way: give the rest back to the outbox, then let it be logged.
        await _record_sent(context, claimed, sent)
        await deliveries.attempt_failed(claimed.id, "the handler failed while sending")
        raise


async def _record_sent(context: Ctx, claimed: ClaimedDelivery, sent: int) -> None:
    """Record that the first ``sent`` messages went out before a failure: none goes twice."""
    if sent > claimed.sent_parts:
        await context.bot_data.services.deliveries.part_sent(claimed.id, sent - 1, last=False)


async def _send_part(
    update: Update, context: Ctx, claimed: ClaimedDelivery, message: OutMessage, part: int
) -> None:
    """Send one message of the notice, or raise _HandedOver after recording why not.

    On a failure the messages before ``part``, which went out, are recorded first.
    """
    deliveries = context.bot_data.services.deliveries
    chat = claimed.chat_id
    method = "editMessageText" if part == 0 else _method(message)
    try:
        if part == 0 and await _edit_pressed(update, message):
            return
        method = _method(message)
        await send_out_message(context.bot, chat, message, outbox=False)
    except RetryAfter as exc:
        await _record_sent(context, claimed, part)
        seconds = retry_seconds(exc)
        log.warning(
            "order notice %s: Telegram asks to wait %ss; the outbox sends it",
            key_of(claimed),
            seconds,
        )
        await deliveries.retry_after(claimed.id, seconds)
        raise _HandedOver from exc
    except Forbidden as exc:
        await _record_sent(context, claimed, part)
        log.info("order notice %s: chat %s cannot be reached (%s)", key_of(claimed), chat, exc)
        await deliveries.blocked(claimed.id, chat)
        raise _HandedOver from exc
    except BadRequest as exc:
        log.error(
            "Telegram refused %s of order notice %s (update %s): %s",
            method,
            key_of(claimed),
            update.update_id,
            exc.message,
        )
    except NetworkError as exc:  # TimedOut included
        await _record_sent(context, claimed, part)
        log.warning(
            "order notice %s: %s failed (%s); the outbox sends the rest",
            key_of(claimed),
            method,
            exc,
        )
        await deliveries.attempt_failed(claimed.id, f"{method}: {exc}")
        raise _HandedOver from exc


async def _edit_pressed(update: Update, message: OutMessage) -> bool:
    """Turn the pressed message into ``message``; False when it has to be a new message."""
    query = update.callback_query
    pressed = query.message if query is not None else None
    if query is None or message.text is None or not isinstance(pressed, Message):
        return False
    if pressed.text is None:
        return False
    for attempt in range(1, EDIT_TRIES + 1):
        try:
            await edit_text(
                query.get_bot(),
                pressed.chat_id,
                pressed.message_id,
                message.text,
                markup_of(message),
            )
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return True  # an earlier try got through; only its answer was lost
            log.info("could not edit the pressed message, sending a new one: %s", exc.message)
            return False
        except (RetryAfter, Forbidden):
            raise
        except NetworkError:
            if attempt == EDIT_TRIES:
                raise
            await asyncio.sleep(EDIT_PAUSE)
        else:
            return True
    return False  # pragma: no cover - the loop returns or raises


def _method(message: OutMessage) -> str:
    if message.text is not None:
        return "sendMessage"
    if message.photo_file_id is not None:
        return "sendPhoto"
    if message.venue_latitude is not None:
        return "sendVenue"
    return "sendDocument"


def key_of(claimed: ClaimedDelivery) -> str:
    """Name a delivery in the log."""
    return f"#{claimed.id} ({claimed.kind})"
