"""Sharing a phone number with the producers of one's orders, with Telegram's contact button.

Only a reply keyboard can ask Telegram for the user's own contact (``request_contact``), so the
offer is a message of its own with two keys: share, or not now. A contact card is taken only
when it is the sender's own (``contact.user_id``); anything else is refused and the keys stay.
Either way the keys are removed afterwards, and the customer goes back to where they were:
the checkout they came from, or /privacy, where sharing is also stopped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import BaseHandler, MessageHandler, filters

from handlers.context import Ctx, current_user
from handlers.customer.cart import SharePhone, show_checkout
from handlers.customer.privacy import privacy
from handlers.kept import keep, kept, take
from handlers.replies import answer, on_button
from handlers.text import esc
from rekobot.errors import Refusal
from rekobot.i18n import SHIPPED_LOCALES, _, translations
from rekobot.services.contacts import NOT_NOW_KEY, SHARE_KEY

log = logging.getLogger(__name__)

Handler = Callable[[Update, Ctx], Coroutine[Any, Any, object]]

#: Where the customer goes after answering: the pickup being checked out, 0 for /privacy.
RETURN_TO = "phone_return"


def offer_text() -> str:
    """What sharing means, before the customer decides."""
    return "\n\n".join(
        [
            _("📞 <b>Share your phone number with the producers?</b>"),
            _(
                "The producers you order from will see it in their order notes, lists and "
                "files, so they can call or text you about your order. The bot takes only "
                "your own number, from Telegram. You can stop sharing it in /privacy at any "
                "time."
            ),
            _("Tap “{share}” below, or “{not_now}”.").format(
                share=_(SHARE_KEY), not_now=_(NOT_NOW_KEY)
            ),
        ]
    )


def contact_keys() -> ReplyKeyboardMarkup:
    """The two keys under the chat: Telegram's contact button, and "not now"."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(_(SHARE_KEY), request_contact=True)], [KeyboardButton(_(NOT_NOW_KEY))]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


@on_button(SharePhone)
async def on_share_phone(update: Update, context: Ctx, data: SharePhone) -> None:
    """Offer the contact button, remembering where to come back to."""
    assert update.callback_query is not None
    await keep(context, RETURN_TO, data.pickup_id)
    await answer(update.callback_query)
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_message(chat.id, offer_text(), reply_markup=contact_keys())


async def receive_contact(update: Update, context: Ctx, fallback: Handler) -> None:
    """Keep the sender's own phone number; refuse anyone else's when sharing was offered.

    A contact card sent out of the blue that is not the sender's own is not an answer to
    anything here: ``fallback`` answers it as any other message.
    """
    message = update.message
    assert message is not None and message.contact is not None
    contact = message.contact
    user = current_user()
    if contact.user_id != user.id and await kept(context, RETURN_TO) is None:
        await fallback(update, context)
        return
    try:
        phone = await context.bot_data.services.contacts.share_phone(
            user.id, contact.user_id, contact.phone_number
        )
    except Refusal as refusal:
        await message.reply_text(refusal.message(), reply_markup=contact_keys())
        return
    await message.reply_text(
        _(
            "✅ Thank you. The producers of your orders now see your phone number, {phone}, "
            "from their next note and files on. Stop sharing it in /privacy."
        ).format(phone=esc(phone)),
        reply_markup=ReplyKeyboardRemove(),
    )
    await go_back(update, context)


async def not_now(update: Update, context: Ctx) -> None:
    """Leave the phone number unshared and take the keys away."""
    message = update.message
    assert message is not None
    await message.reply_text(
        _("OK, your phone number is not shared."), reply_markup=ReplyKeyboardRemove()
    )
    await go_back(update, context)


async def go_back(update: Update, context: Ctx) -> None:
    """Show the checkout the customer came from, or /privacy; nothing when no offer was open."""
    pickup_id = await take(context, RETURN_TO)
    if pickup_id is None:
        return
    if isinstance(pickup_id, int) and pickup_id > 0:
        try:
            await show_checkout(update, context, pickup_id, new_message=True)
        except Refusal as refusal:  # the deadline passed meanwhile, say
            log.info("no checkout to go back to for user %s: %s", current_user().id, refusal)
            await context.bot.send_message(current_user().id, refusal.message())
        return
    await privacy(update, context)


def not_now_keys() -> filters.BaseFilter:
    """The "not now" key in every shipped language (a key sends its label as text)."""
    labels = {translations(locale).gettext(NOT_NOW_KEY) for locale in SHIPPED_LOCALES}
    return filters.Text(sorted(labels | {NOT_NOW_KEY}))


def phone_handlers(fallback: Handler) -> list[BaseHandler[Update, Ctx, object]]:
    """A contact card, and the "not now" key (added before the catch-all for text).

    ``fallback`` answers a contact card that is nobody's answer (see ``receive_contact``).
    """
    private = filters.ChatType.PRIVATE

    async def contact(update: Update, context: Ctx) -> None:
        await receive_contact(update, context, fallback)

    return [
        MessageHandler(private & filters.CONTACT, contact),
        MessageHandler(private & not_now_keys(), not_now),
    ]
