"""The one persistent conversation in which a producer types: applications, products, offers.

One conversation (rather than one per flow) means a producer is never waiting in two
questions at once. Any producer button pressed while a question is open ends the question
and does what the button says; `/cancel` ends it and keeps everything already saved (and
the unfinished draft, to continue later).
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
from handlers.producer import apply, home, offers, orders, product_edit, product_form, products
from handlers.producer.common import (
    ADD_BASIS,
    ADD_CATEGORY,
    ADD_DESCRIPTION,
    ADD_NAME,
    ADD_PHOTO,
    ADD_PRICE,
    ADD_UNIT,
    ADD_WEIGHT,
    APPLY_CONFIRM,
    EDIT,
    EDIT_VALUE,
    OFFER,
    OFFER_LIMIT,
    OFFER_QUANTITY,
    PROFILE,
    PROFILE_VALUE,
    WEIGH,
    WEIGH_VALUE,
    drop,
    home_row,
)
from handlers.replies import show
from rekobot.i18n import _

TEXT = filters.TEXT & ~filters.COMMAND

#: Plain producer buttons: registered on their own, and as ways out of an open question.
BUTTONS: list[CallbackQueryHandler[Ctx, object]] = [
    *home.BUTTONS,
    *products.BUTTONS,
    *product_edit.BUTTONS,
    *offers.BUTTONS,
    *orders.BUTTONS,
]


async def cancel(update: Update, context: Ctx) -> int:
    """Stop the question; what was saved stays, and an unfinished draft waits for later."""
    drop(context, EDIT, OFFER, PROFILE, WEIGH)
    await show(
        update,
        context,
        _("Stopped. Nothing you saved is lost."),
        [home_row()],
    )
    return ConversationHandler.END


def producer_conversation() -> ConversationHandler[Ctx]:
    """Build the producer's conversation."""
    states: dict[object, list[BaseHandler[Update, Ctx, object]]] = {
        step_state: [MessageHandler(TEXT, apply.receiver(field, step_state))]
        for field, step_state in apply.STEPS
    }
    states.update(
        {
            APPLY_CONFIRM: [apply.on_send],
            ADD_NAME: [MessageHandler(TEXT, product_form.receive_name)],
            ADD_DESCRIPTION: [
                MessageHandler(TEXT, product_form.receive_description),
                product_form.on_skip,
            ],
            ADD_PRICE: [MessageHandler(TEXT, product_form.receive_price)],
            ADD_BASIS: [product_form.on_pick_basis],
            ADD_UNIT: [MessageHandler(TEXT, product_form.receive_unit)],
            ADD_WEIGHT: [MessageHandler(TEXT, product_form.receive_weight)],
            ADD_CATEGORY: [product_form.on_pick_category],
            ADD_PHOTO: [
                MessageHandler(filters.PHOTO, product_form.receive_photo),
                product_form.on_skip,
                MessageHandler(TEXT | filters.Document.ALL, product_form.photo_expected),
            ],
            EDIT_VALUE: [
                MessageHandler(TEXT, product_edit.receive_edit_text),
                MessageHandler(filters.PHOTO, product_edit.receive_edit_photo),
                product_edit.on_remove,
            ],
            OFFER_QUANTITY: [
                MessageHandler(TEXT, offers.receive_quantity),
                offers.on_quantity_button,
            ],
            OFFER_LIMIT: [MessageHandler(TEXT, offers.receive_limit), offers.on_limit_button],
            PROFILE_VALUE: [MessageHandler(TEXT, home.receive_profile_value)],
            WEIGH_VALUE: [MessageHandler(TEXT, orders.receive_weight)],
        }
    )
    with warnings.catch_warnings():
        # Buttons inside the conversation are tracked per chat, which is what we want.
        warnings.simplefilter("ignore", PTBUserWarning)
        return ConversationHandler(
            entry_points=[
                CommandHandler("producer", home.producer_command),
                *apply.ENTRY_POINTS,
                *product_form.ENTRY_POINTS,
                *product_edit.ENTRY_POINTS,
                *offers.ENTRY_POINTS,
                *home.ENTRY_POINTS,
                *orders.ENTRY_POINTS,
            ],
            states=states,
            fallbacks=[CommandHandler("cancel", cancel), *BUTTONS],
            name="producer",
            persistent=True,
            allow_reentry=True,
        )
