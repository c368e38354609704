"""How handlers answer: edit the message a button was on, or send a new one; refuse kindly."""

from __future__ import annotations

import contextlib
import functools
import html
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from typing import TypeVar

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler

from handlers.callbacks import Callback
from handlers.context import Ctx
from handlers.sending import Button, edit_text, keyboard_of, send_text, typed_markup
from handlers.text import MESSAGE_LIMIT, split_message
from rekobot.errors import Refusal
from rekobot.i18n import _

log = logging.getLogger(__name__)

C = TypeVar("C", bound=Callback)
ButtonRow = Sequence[Button]

#: The id of the button press this update answered already, so ``on_button`` does not answer
#: it a second time (Telegram refuses that, and it costs a round trip on every such press).
_answered: ContextVar[str | None] = ContextVar("answered_query", default=None)


async def answer(
    query: CallbackQuery, text: str | None = None, *, show_alert: bool = False
) -> None:
    """Answer a button press with a toast or an alert; the press then needs no other answer."""
    await query.answer(text, show_alert=show_alert)
    _answered.set(query.id)


def button(text: str, data: Callback) -> Button:
    """A button carrying a typed payload."""
    return {"text": text, "callback_data": data.pack()}


def link_button(text: str, url: str) -> Button:
    """A button that opens a link."""
    return {"text": text, "url": url}


def keyboard(rows: Sequence[ButtonRow]) -> InlineKeyboardMarkup | None:
    """An inline keyboard for PTB's own calls (a photo, a reply), or None with no buttons.

    Screens shown with ``show`` skip PTB's objects: their keyboard goes out as JSON.
    """
    return typed_markup(keyboard_of(rows))


async def show(
    update: Update,
    context: Ctx,
    text: str,
    rows: Sequence[ButtonRow] = (),
    *,
    new_message: bool = False,
) -> None:
    """Show a screen: edit the pressed message in place, or send a new message.

    Text longer than one message is sent as several; the buttons go on the last part.
    """
    markup = keyboard_of(rows)
    query = update.callback_query
    parts = split_message(text, MESSAGE_LIMIT)
    if query is not None and not new_message and len(parts) == 1:
        message = query.message
        if isinstance(message, Message) and message.text is not None:
            try:
                await edit_text(context.bot, message.chat_id, message.message_id, parts[0], markup)
            except BadRequest as exc:
                if "not modified" in str(exc).lower():
                    return
                log.info("could not edit message, sending a new one: %s", exc)
            else:
                return
    chat = update.effective_chat
    if chat is None:
        return
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        await send_text(context.bot, chat.id, part, markup if last else None)


async def refuse(update: Update, context: Ctx, refusal: Refusal) -> None:
    """Tell the user why the rules said no, without touching their screen."""
    text = refusal.message()
    if update.callback_query is not None:  # an alert is plain text: no HTML to escape
        await update.callback_query.answer(html.unescape(text)[:200], show_alert=True)
        return
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, text)


async def stale_button(update: Update, context: Ctx) -> None:
    """Answer a press whose data we cannot read: an old or forged button."""
    query = update.callback_query
    if query is None:
        return
    user = update.effective_user
    log.warning("unreadable callback data %r from user %s", query.data, user.id if user else None)
    await query.answer(
        _("This button is out of date. Please open the menu again, e.g. with /shop."),
        show_alert=True,
    )


def on_button(
    cls: type[C],
) -> Callable[[Callable[[Update, Ctx, C], Awaitable[object]]], CallbackQueryHandler[Ctx, object]]:
    """Make a CallbackQueryHandler for one button type; refusals become polite answers."""

    def wrap(
        func: Callable[[Update, Ctx, C], Awaitable[object]],
    ) -> CallbackQueryHandler[Ctx, object]:
        @functools.wraps(func)
        async def handle(update: Update, context: Ctx) -> object:
            query = update.callback_query
            assert query is not None
            data = cls.unpack(query.data)
            if data is None:
                await stale_button(update, context)
                return None
            try:
                result = await func(update, context, data)
            except Refusal as refusal:
                log.info("refused %s for user %s: %s", query.data, query.from_user.id, refusal)
                await refuse(update, context, refusal)
                return None
            if _answered.get() != query.id:
                with contextlib.suppress(BadRequest):  # an old press may not take an answer
                    await query.answer()
            return result

        return CallbackQueryHandler(handle, pattern=cls.matches)

    return wrap
