"""Work done before every update: record the user and set the language they read."""

from __future__ import annotations

import logging

from telegram import Update

from handlers.context import Ctx, set_current_user
from rekobot.i18n import set_locale

log = logging.getLogger(__name__)


async def remember_user(update: Update, context: Ctx) -> None:
    """Record who wrote and switch to their language for the rest of this update."""
    tg_user = update.effective_user
    if tg_user is None or tg_user.is_bot:
        set_current_user(None)
        return
    members = context.bot_data.services.members
    user = await members.register(
        user_id=tg_user.id,
        first_name=tg_user.first_name,
        last_name=tg_user.last_name,
        username=tg_user.username,
        language_code=tg_user.language_code,
    )
    set_current_user(user)
    set_locale(await members.reader_locale(user))
