"""The producer's products conversation: adding a product step by step, or editing one field.

Every other question a producer is asked (applying, the profile, offer amounts) is a form on
the engine (``handlers.forms``). Adding and editing a product is moved onto it separately;
until then it stays this persistent ConversationHandler. Any producer button, ``/producer``
or ``/cancel`` ends a product question; a product draft waits in user data to continue.

So that a typed answer still goes to the question the user saw last, starting a product
question closes the open form question, and a form question opened after it (a customer's
quantity, say) takes the typed answer and ends the product question.
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
from handlers.forms.engine import close_form, load_state, take_input
from handlers.producer import apply, home, offer_amounts, offers, orders, products
from handlers.producer.common import (
    ADD_CATEGORY,
    ADD_DESCRIPTION,
    ADD_NAME,
    ADD_PHOTO,
    ADD_PRICE,
    ADD_UNIT,
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


def entering(handler: CallbackQueryHandler[Ctx, object]) -> CallbackQueryHandler[Ctx, object]:
    """A button that starts a product question: the open form question is closed first."""

    async def run(update: Update, context: Ctx) -> object:
        await close_form(context)
        return await handler.callback(update, context)

    return CallbackQueryHandler(run, pattern=handler.pattern)


def unless_asked(handler: MessageHandler[Ctx, object]) -> MessageHandler[Ctx, object]:
    """A product step's answer, unless a form question was opened since: that one takes it."""

    async def run(update: Update, context: Ctx) -> object:
        if await load_state(context) is not None:
            await take_input(update, context)
            return ConversationHandler.END
        return await handler.callback(update, context)

    return MessageHandler(handler.filters, run)


async def producer_menu(update: Update, context: Ctx) -> int:
    """/producer inside a product question: end it and show the menu."""
    await home.producer_command(update, context)
    return ConversationHandler.END


def producer_conversation() -> ConversationHandler[Ctx]:
    """Build the products conversation."""
    states: dict[object, list[BaseHandler[Update, Ctx, object]]] = {
        ADD_NAME: [unless_asked(MessageHandler(TEXT, products.receive_name))],
        ADD_DESCRIPTION: [
            unless_asked(MessageHandler(TEXT, products.receive_description)),
            products.on_skip,
        ],
        ADD_UNIT: [unless_asked(MessageHandler(TEXT, products.receive_unit))],
        ADD_PRICE: [unless_asked(MessageHandler(TEXT, products.receive_price))],
        ADD_CATEGORY: [products.on_pick_category],
        ADD_PHOTO: [
            unless_asked(MessageHandler(filters.PHOTO, products.receive_photo)),
            products.on_skip,
            unless_asked(MessageHandler(TEXT | filters.Document.ALL, products.photo_expected)),
        ],
        EDIT_VALUE: [
            unless_asked(MessageHandler(TEXT, products.receive_edit_text)),
            unless_asked(MessageHandler(filters.PHOTO, products.receive_edit_photo)),
            products.on_remove,
        ],
    }
    with warnings.catch_warnings():
        # Buttons inside the conversation are tracked per chat, which is what we want.
        warnings.simplefilter("ignore", PTBUserWarning)
        return ConversationHandler(
            entry_points=[entering(h) for h in (*products.ENTRY_POINTS, apply.on_start_over)],
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
