"""Work done before every update: forget the last sender, load this one, set their language.

The groups run in this order, each before the chat handlers of group 0:

- ``BEGIN_GROUP``: clear the identity and the language left over from the previous update.
  Nothing here can fail, so no later step can ever see another user's identity.
- ``handlers.private_chat`` (``PRIVATE_GROUP``): groups, channels and inline messages get one
  line pointing to the private chat, and stop there.
- ``IDENTITY_GROUP``: load or register the sender. If that fails (a locked or full database),
  the user is asked to try again and the update stops; no handler runs without a user.
- ``READABLE_GROUP``: an edited message is answered with one line and goes no further.
"""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from handlers.context import Ctx, forget_current_user, set_current_user
from rekobot.i18n import _, guess_locale, set_locale

log = logging.getLogger(__name__)

BEGIN_GROUP = -4
PRIVATE_GROUP = -3
IDENTITY_GROUP = -2
READABLE_GROUP = -1


async def begin_update(update: Update, context: Ctx) -> None:
    """Forget the previous sender and speak the language their Telegram app reports."""
    forget_current_user()
    default = context.bot_data.services.settings.default_locale
    tg_user = update.effective_user
    set_locale(guess_locale(tg_user.language_code if tg_user else None, default))


async def remember_user(update: Update, context: Ctx) -> None:
    """Record who wrote and switch to their language; stop the update if that is impossible."""
    forget_current_user()  # again: this group must never rely on another having run
    tg_user = update.effective_user
    if tg_user is None or tg_user.is_bot:
        log.info("update %s has no human sender; ignoring it", update.update_id)
        raise ApplicationHandlerStop
    members = context.bot_data.services.members
    try:
        user = await members.register(
            user_id=tg_user.id,
            first_name=tg_user.first_name,
            last_name=tg_user.last_name,
            username=tg_user.username,
            language_code=tg_user.language_code,
        )
        locale = await members.reader_locale(user)
    except Exception:
        log.exception("could not load user %s; update %s stops", tg_user.id, update.update_id)
        text = _("Sorry, I could not read your details just now. Please try again in a moment.")
        await _say(update, context, text)
        raise ApplicationHandlerStop from None
    set_current_user(user)
    set_locale(locale)


async def refuse_edits(update: Update, context: Ctx) -> None:
    """Answer an edited message with one line: the open question waits for a new message."""
    if update.edited_message is None:
        return
    text = _("I only read new messages. Please send it again as a new message.")
    await _say(update, context, text)
    raise ApplicationHandlerStop


async def _say(update: Update, context: Ctx, text: str) -> None:
    """Tell the user one line, as an alert on a button press or as a message."""
    with contextlib.suppress(TelegramError):  # Telegram trouble too: the log has the cause
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, text)
