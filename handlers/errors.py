"""The last resort: log what broke, then tell the user something kind."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError

from handlers.context import Ctx
from rekobot.i18n import _

log = logging.getLogger(__name__)


async def on_error(update: object, context: Ctx) -> None:
    """Log the exception, then apologise to the user in their language."""
    error = context.error
    if isinstance(error, NetworkError) and not isinstance(error, Forbidden):
        log.warning("network trouble talking to Telegram: %s", error)
        return
    log.error("error while handling an update", exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    text = _("Sorry, something went wrong on our side. Please try again in a moment.")
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        else:
            await context.bot.send_message(update.effective_chat.id, text)
    except Exception:  # the apology itself failed; the log already has the cause
        log.warning("could not tell the user about the error", exc_info=True)
