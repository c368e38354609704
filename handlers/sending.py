"""Sending one rendered message to Telegram, and reading Telegram's answers to it.

Shared by the outbox sender (``handlers/outbox.py``), the admin's broadcast preview and the
notices sent at once: the message kinds an ``OutMessage`` can carry, the pause Telegram asks
for, and how the outbox tells PTB's rate limiter to hand a flood wait back instead of retrying.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, InputFile, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import RetryAfter
from telegram.ext import ExtBot
from telegram.warnings import PTBDeprecationWarning

from rekobot.services.outbox import OutMessage

#: Seconds between two messages to one private chat (Telegram: about one a second).
PRIVATE_CHAT_GAP = 1.05
#: Seconds between two messages to one group (Telegram: 20 a minute).
GROUP_CHAT_GAP = 3.05
#: Bot API method names are case-insensitive. Spelt in lower case, PTB's ``do_api_request``
#: does not take the call for a misuse of its own ``edit_message_text`` and warn each time.
_EDIT_TEXT = "editmessagetext"
_SEND_TEXT = "sendmessage"
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

#: One inline button as the Bot API's JSON takes it, e.g. ``{"text": .., "callback_data": ..}``.
#: Screens build their buttons as these, not as PTB's ``InlineKeyboardButton``: PTB would
#: build an object for each and turn it back into this same JSON to send it, a sixth of a
#: button press's time, for buttons nothing in the bot reads.
Button = dict[str, Any]
#: An inline keyboard as the Bot API's JSON: ``{"inline_keyboard": rows of buttons}``.
Keyboard = dict[str, list[list[Button]]]
#: The Bot API's own spelling of each method, by its lower-case spelling.
_API_NAMES = {
    name.lower(): name
    for name in dir(Bot)
    if name[:1].islower() and name != name.lower() and "_" not in name
}


def api_name(method: str) -> str:
    """A Bot API method as the API spells it, however it was called (for the log)."""
    return _API_NAMES.get(method.lower(), method)


class _NoRetries(int):
    """Zero retries that PTB does not take for "not given".

    ``AIORateLimiter`` reads ``rate_limit_args or max_retries`` and PTB drops a falsy
    ``rate_limit_args`` altogether, so a plain 0 would mean "the default, 3 retries".
    """

    def __bool__(self) -> bool:
        return True


#: Ask ``AIORateLimiter`` to try an outbox call once and hand ``RetryAfter`` back to us.
NO_RETRIES = _NoRetries(0)


class _QuietZeroRetries(logging.Filter):
    """Drop AIORateLimiter's error log for our zero-retry calls: the sender logs the wait."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.msg == "Rate limit hit after maximum of %d retries" and record.args == (0,)
        )


def retry_seconds(error: RetryAfter) -> float:
    """Return how long Telegram asked us to wait, in seconds."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def chat_gap(chat_id: int) -> float:
    """Seconds to leave between two messages to this chat."""
    return PRIVATE_CHAT_GAP if chat_id > 0 else GROUP_CHAT_GAP


def keyboard_of(rows: Sequence[Sequence[Button]]) -> Keyboard | None:
    """The inline keyboard of these rows (empty rows left out), or None when no button is left."""
    kept = [list(row) for row in rows if row]
    return {"inline_keyboard": kept} if kept else None


def typed_markup(keyboard: Keyboard | None) -> InlineKeyboardMarkup | None:
    """The keyboard as PTB's object, for the calls PTB types (photos, a reply to a message)."""
    return None if keyboard is None else InlineKeyboardMarkup.de_json(keyboard, None)


def markup_of(message: OutMessage) -> Keyboard | None:
    """Turn a message's copy rows and (text, callback_data) rows into an inline keyboard."""
    rows: list[list[Button]] = [
        [{"text": text, "copy_text": {"text": copied}} for text, copied in row]
        for row in message.copy_buttons or []
    ]
    rows += [
        [{"text": text, "callback_data": data} for text, data in row]
        for row in message.buttons or []
    ]
    return keyboard_of(rows)


async def edit_text(
    bot: Bot, chat_id: int, message_id: int, text: str, markup: Keyboard | None
) -> None:
    """Replace a message's text and buttons (no buttons: none stay), without a link preview.

    PTB's ``edit_message_text`` turns the message Telegram sends back into objects, every
    button of its keyboard one by one; nothing here reads that message, and the parse was a
    tenth of a button press's time. The call, its errors and the rate limiter are the same.
    """
    await post_unparsed(bot, _EDIT_TEXT, _text_params(chat_id, text, markup, message_id))


async def send_text(
    bot: Bot, chat_id: int, text: str, markup: Keyboard | None, **limits: Any
) -> None:
    """Send a text message without a link preview, its answer unparsed (see ``edit_text``)."""
    await post_unparsed(bot, _SEND_TEXT, _text_params(chat_id, text, markup), **limits)


async def post_unparsed(bot: Bot, method: str, params: dict[str, Any], **extra: Any) -> None:
    """Call a Bot API method whose answer nobody reads; ``extra``: rate limit args, timeouts."""
    await bot.do_api_request(method, api_kwargs=params, **extra)


def _text_params(
    chat_id: int, text: str, markup: Keyboard | None, message_id: int | None = None
) -> dict[str, Any]:
    params: dict[str, Any] = {"chat_id": chat_id, "text": text, "parse_mode": ParseMode.HTML}
    if message_id is not None:
        params["message_id"] = message_id
    params["link_preview_options"] = _NO_PREVIEW
    if markup is not None:
        params["reply_markup"] = markup
    return params


async def send_out_message(
    bot: Bot, chat_id: int, message: OutMessage, *, outbox: bool = True
) -> None:
    """Send one rendered message (of a delivery, or a preview when ``outbox`` is False).

    Its answer is not parsed (see ``edit_text``): a broadcast sends thousands of them.
    """
    limits: dict[str, Any] = {}
    if outbox and isinstance(bot, ExtBot) and bot.rate_limiter is not None:
        limits["rate_limit_args"] = NO_RETRIES
    markup = markup_of(message)
    captioned = {"caption": message.caption, "parse_mode": ParseMode.HTML}
    if message.text is not None:
        method, params = _SEND_TEXT, _text_params(chat_id, message.text, markup)
    elif message.photo_file_id is not None:
        method, params = "sendphoto", {"photo": message.photo_file_id, **captioned}
    elif message.venue_latitude is not None and message.venue_longitude is not None:
        method, params = (
            "sendvenue",
            {
                "latitude": message.venue_latitude,
                "longitude": message.venue_longitude,
                "title": message.venue_title or "",
                "address": message.venue_address or "",
            },
        )
    elif message.document_b64 is not None:
        document = InputFile(message.document_bytes, filename=message.document_name or "file")
        method, params = "senddocument", {"document": document, **captioned}
        limits["write_timeout"] = 60
    else:
        raise ValueError("an outbox message without a body")
    params["chat_id"] = chat_id
    if markup is not None:
        params["reply_markup"] = markup
    await post_unparsed(bot, method, params, **limits)
