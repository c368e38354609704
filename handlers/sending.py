"""Sending one rendered message to Telegram, and reading Telegram's answers to it.

Shared by the outbox sender (``handlers/outbox.py``), the admin's broadcast preview and the
notices sent at once: the message kinds an ``OutMessage`` can carry, the pause Telegram asks
for, and how the outbox tells PTB's rate limiter to hand a flood wait back instead of retrying.
"""

from __future__ import annotations

import logging
import warnings
from datetime import timedelta
from typing import Any

from telegram import Bot, CopyTextButton, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import RetryAfter
from telegram.ext import ExtBot
from telegram.warnings import PTBDeprecationWarning

from rekobot.services.outbox import OutMessage

#: Seconds between two messages to one private chat (Telegram: about one a second).
PRIVATE_CHAT_GAP = 1.05
#: Seconds between two messages to one group (Telegram: 20 a minute).
GROUP_CHAT_GAP = 3.05


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


def markup_of(message: OutMessage) -> InlineKeyboardMarkup | None:
    """Turn a message's copy rows and (text, callback_data) rows into an inline keyboard."""
    rows = [
        [InlineKeyboardButton(text, copy_text=CopyTextButton(copied)) for text, copied in row]
        for row in message.copy_buttons or []
    ]
    rows += [
        [InlineKeyboardButton(text, callback_data=data) for text, data in row]
        for row in message.buttons or []
    ]
    return InlineKeyboardMarkup(rows) if rows else None


async def send_out_message(
    bot: Bot, chat_id: int, message: OutMessage, *, outbox: bool = True
) -> None:
    """Send one rendered message (of a delivery, or a preview when ``outbox`` is False)."""
    extra: dict[str, Any] = {"reply_markup": markup_of(message)}
    if outbox and isinstance(bot, ExtBot) and bot.rate_limiter is not None:
        extra["rate_limit_args"] = NO_RETRIES
    if message.text is not None:
        await bot.send_message(chat_id, message.text, disable_web_page_preview=True, **extra)
    elif message.photo_file_id is not None:
        await bot.send_photo(chat_id, message.photo_file_id, caption=message.caption, **extra)
    elif message.venue_latitude is not None and message.venue_longitude is not None:
        await bot.send_venue(
            chat_id,
            latitude=message.venue_latitude,
            longitude=message.venue_longitude,
            title=message.venue_title or "",
            address=message.venue_address or "",
            **extra,
        )
    elif message.document_b64 is not None:
        await bot.send_document(
            chat_id,
            InputFile(message.document_bytes, filename=message.document_name or "file"),
            caption=message.caption,
            write_timeout=60,
            **extra,
        )
    else:
        raise ValueError("an outbox message without a body")
