"""The producer's products conversation: adding a product step by step, or editing one field.

Every other question a producer is asked (applying, the profile, offer amounts) is a form on
the engine (``handlers.forms``). Adding and editing a product is moved onto it separately;
until then it stays this persistent ConversationHandler. Any producer button, ``/producer``
or ``/cancel`` ends a product question; a product draft waits in user data to continue.
"""

from __future__ import annotations

import warnings

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from handlers.context import Ctx
from handlers.producer import (
    apply,
    home,
    offer_amounts,
    offers,
    orders,
    product_edit,
    product_form,
    products,
    weighing,
)
from handlers.producer.common import (
    EDIT,
    EDIT_VALUE,
    drop,
    home_row,
)
from handlers.replies import show
from rekobot.i18n import _

TEXT = filters.TEXT & ~filters.COMMAND

#: Plain producer buttons, each registered on its own in wiring.py.
BUTTONS: list[CallbackQueryHandler[Ctx, object]] = [
    *home.BUTTONS,
    *products.BUTTONS,
    *product_edit.BUTTONS,
    *product_form.BUTTONS,
    *weighing.BUTTONS,
    *offers.BUTTONS,
    *offer_amounts.BUTTONS,
    *orders.BUTTONS,
    apply.on_apply_to_ring,
]


async def cancel(update: Update, context: Ctx) -> int:
    """Stop the product question; what was saved stays, and an unfinished draft waits."""
    drop(context, EDIT)
    await show(update, context, _("Stopped. Nothing you saved is lost."), [home_row()])
    return ConversationHandler.END


def ending(handler: CallbackQueryHandler[Ctx, object]) -> CallbackQueryHandler[Ctx, object]:
    """The same button as a way out of a product question: it runs, and the question ends."""

    async def run(update: Update, context: Ctx) -> int:
        await handler.callback(update, context)
        return ConversationHandler.END

    return CallbackQueryHandler(run, pattern=handler.pattern)


async def producer_menu(update: Update, context: Ctx) -> int:
    """/producer inside a product question: end it and show the menu."""
    await home.producer_command(update, context)
    return ConversationHandler.END


def producer_conversation() -> ConversationHandler[Ctx]:
    """Build the products conversation."""
    states: dict[object, list[BaseHandler[Update, Ctx, object]]] = {
        EDIT_VALUE: [
            MessageHandler(TEXT, product_edit.receive_edit_text),
            MessageHandler(filters.PHOTO, product_edit.receive_edit_photo),
            product_edit.on_remove,
        ],
    }
    with warnings.catch_warnings():
        # Buttons inside the conversation are tracked per chat, which is what we want.
        warnings.simplefilter("ignore", PTBUserWarning)
        return ConversationHandler(
            entry_points=[
                *product_edit.ENTRY_POINTS,
                apply.on_start_over,
            ],
            states=states,
            fallbacks=[
                CommandHandler("cancel", cancel),
                CommandHandler("producer", producer_menu),
                *[ending(handler) for handler in BUTTONS],
            ],
            name="producer",
            persistent=True,
            allow_reentry=True,
        )
