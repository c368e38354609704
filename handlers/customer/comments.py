"""The checkout's comment question: a short line to one producer, typed as a message.

Asked from the checkout screen ("💬 Comment to Berg Gård"), answered by the next text message;
a comment that is too long is refused with its length and the question stays open. Removing
the comment and going back are buttons. The question is a persistent conversation (like the
quantity question), so it survives a restart.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import warnings

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from handlers.callbacks import Callback
from handlers.context import Ctx, current_user
from handlers.customer.cart import WriteComment, show_checkout
from handlers.replies import button, refuse, show, stale_button
from handlers.text import esc
from rekobot.errors import Refusal
from rekobot.i18n import _
from rekobot.services.comments import comment_hint

log = logging.getLogger(__name__)

TYPING_COMMENT = 1
#: The (pickup_id, producer_id) the open comment question is about, in the user data.
COMMENT_TARGET = "comment_target"


@dataclasses.dataclass(frozen=True)
class RemoveComment(Callback, prefix="ccmx"):
    """Remove the comment to one producer and go back to the checkout."""

    pickup_id: int
    producer_id: int


@dataclasses.dataclass(frozen=True)
class BackToCheckout(Callback, prefix="ccmb"):
    """Leave the comment as it is and go back to the checkout."""

    pickup_id: int


async def ask_comment(update: Update, context: Ctx) -> int:
    """Ask for the comment to one producer, showing the one written so far."""
    query = update.callback_query
    assert query is not None and context.user_data is not None
    data = WriteComment.unpack(query.data)
    if data is None:
        await stale_button(update, context)
        return ConversationHandler.END
    services = context.bot_data.services
    user = current_user()
    try:
        name = await services.comments.producer_name(user.id, data.pickup_id, data.producer_id)
        cart = await services.carts.view(user.id, data.pickup_id)
    except Refusal as refusal:
        await refuse(update, context, refusal)
        return ConversationHandler.END
    current = next((g.comment for g in cart.groups if g.producer_id == data.producer_id), None)
    context.user_data[COMMENT_TARGET] = [data.pickup_id, data.producer_id]
    await query.answer()
    lines = [
        _("💬 <b>Comment to {producer}</b>").format(producer=esc(name)),
        comment_hint(),
    ]
    if current:
        lines.append(_("Now: {comment}").format(comment="<i>" + esc(current) + "</i>"))
    lines.append(_("Send the comment as a message, or /cancel."))
    rows = []
    if current:
        rows.append(
            [button(_("🗑 Remove the comment"), RemoveComment(data.pickup_id, data.producer_id))]
        )
    rows.append([button(_("⬅ Back to the checkout"), BackToCheckout(data.pickup_id))])
    await show(update, context, "\n\n".join(lines), rows)
    return TYPING_COMMENT


def _target(context: Ctx) -> tuple[int, int] | None:
    assert context.user_data is not None
    found = context.user_data.get(COMMENT_TARGET)
    match found:
        case [int(pickup_id), int(producer_id)]:
            return pickup_id, producer_id
    return None


async def receive_comment(update: Update, context: Ctx) -> int:
    """Keep the typed comment and show the checkout again; refuse one that is too long."""
    assert context.user_data is not None and update.message is not None
    target = _target(context)
    if target is None:
        return ConversationHandler.END
    pickup_id, producer_id = target
    services = context.bot_data.services
    try:
        await services.comments.set_comment(
            current_user().id, pickup_id, producer_id, update.message.text or ""
        )
    except Refusal as refusal:
        await show(update, context, refusal.message() + "\n" + _("Send the comment, or /cancel."))
        return TYPING_COMMENT
    context.user_data.pop(COMMENT_TARGET, None)
    await show_checkout(update, context, pickup_id, new_message=True)
    return ConversationHandler.END


async def remove_comment(update: Update, context: Ctx) -> int:
    """Remove the comment (the button works inside the question and outside it)."""
    query = update.callback_query
    assert query is not None and context.user_data is not None
    data = RemoveComment.unpack(query.data)
    if data is None:
        await stale_button(update, context)
        return ConversationHandler.END
    context.user_data.pop(COMMENT_TARGET, None)
    try:
        await context.bot_data.services.comments.set_comment(
            current_user().id, data.pickup_id, data.producer_id, ""
        )
        await show_checkout(update, context, data.pickup_id)
    except Refusal as refusal:
        await refuse(update, context, refusal)
        return ConversationHandler.END
    with contextlib.suppress(BadRequest):  # the press is answered once, after the work
        await query.answer(_("The comment is removed."))
    return ConversationHandler.END


async def back_to_checkout(update: Update, context: Ctx) -> int:
    """Close the question and show the checkout as it is."""
    query = update.callback_query
    assert query is not None and context.user_data is not None
    data = BackToCheckout.unpack(query.data)
    context.user_data.pop(COMMENT_TARGET, None)
    if data is None:
        await stale_button(update, context)
        return ConversationHandler.END
    try:
        await show_checkout(update, context, data.pickup_id)
    except Refusal as refusal:
        await refuse(update, context, refusal)
        return ConversationHandler.END
    with contextlib.suppress(BadRequest):
        await query.answer()
    return ConversationHandler.END


async def cancel_comment(update: Update, context: Ctx) -> int:
    """Leave the question; the comment is as it was."""
    assert context.user_data is not None
    target = _target(context)
    context.user_data.pop(COMMENT_TARGET, None)
    await show(update, context, _("OK, the comment is unchanged."))
    if target is not None:
        try:
            await show_checkout(update, context, target[0], new_message=True)
        except Refusal as refusal:
            await refuse(update, context, refusal)
    return ConversationHandler.END


def comment_buttons() -> list[BaseHandler[Update, Ctx, object]]:
    """Remove and Back: ways out of the question, and for a question no longer open."""
    return [
        CallbackQueryHandler(remove_comment, pattern=RemoveComment.matches),
        CallbackQueryHandler(back_to_checkout, pattern=BackToCheckout.matches),
    ]


def comment_conversation() -> ConversationHandler[Ctx]:
    """Typing a comment: survives a restart through the persistence."""
    with warnings.catch_warnings():
        # Entered from a button but kept per chat and user, not per message, on purpose.
        warnings.filterwarnings("ignore", "If 'per_message=False'", PTBUserWarning)
        return ConversationHandler(
            entry_points=[CallbackQueryHandler(ask_comment, pattern=WriteComment.matches)],
            states={
                TYPING_COMMENT: [
                    MessageHandler(filters.TEXT & ~filters.COMMAND, receive_comment),
                ],
            },
            fallbacks=[CommandHandler("cancel", cancel_comment), *comment_buttons()],
            name="customer_comment",
            persistent=True,
            allow_reentry=True,
        )
