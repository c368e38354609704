"""A producer's or a category's shelf: each product once, as a button, with ➕ beside it.

The product's name opens its card (description, photo, −/+); the ➕ puts one in the cart right
there and answers with the new quantity, so filling a cart from a shelf is one tap a product.
A producer's shelf links to their page (handlers/customer/producer_page.py).
"""

from __future__ import annotations

import contextlib
import dataclasses

from telegram import Message, Update
from telegram.error import BadRequest

from handlers.callbacks import Callback
from handlers.context import Ctx, current_user
from handlers.customer.labels import HALF_LABEL_LIMIT, LABEL_LIMIT, fit_words, quantity_toast
from handlers.customer.producer_buttons import ProducerPageButton
from handlers.customer.shop import (
    BY_CATEGORY,
    BY_PRODUCER,
    PAGE_SIZE,
    Browse,
    ShelfPage,
    ShowOffer,
    ShowPickup,
    cart_button,
    page_nav,
)
from handlers.replies import answer, button, on_button, show
from handlers.sending import Button
from handlers.text import esc
from rekobot.errors import Refusal
from rekobot.i18n import _
from rekobot.models import Offer
from rekobot.render import price_text
from rekobot.services.shop import OTHER_CATEGORY


@dataclasses.dataclass(frozen=True)
class ShelfAdd(Callback, prefix="csadd"):
    """Put one more of a product in the cart from its shelf, then show that page again."""

    offer_id: int
    by: str
    shelf_id: int
    page: int


def product_name(offer: Offer, limit: int) -> str:
    """The product's name, with its unit when both fit ("Poteter, 2 kg")."""
    product = offer.product
    with_unit = f"{product.name}, {product.unit}"
    return with_unit if len(with_unit) <= limit else fit_words(product.name, limit)


def product_row(offer: Offer, currency: str, in_cart: int, shelf: ShelfPage) -> list[Button]:
    """One product: its name (opens the card) and "➕ price" (adds one); sold out: one button."""
    if offer.sold_out:
        label = "⛔ " + product_name(offer, LABEL_LIMIT - len(_("sold out")) - 5)
        return [button(f"{label} · {_('sold out')}", ShowOffer(offer.id))]
    prefix = f"🛒{in_cart} " if in_cart else ""
    name = prefix + product_name(offer, HALF_LABEL_LIMIT - len(prefix))
    add = ShelfAdd(offer.id, shelf.by, shelf.shelf_id, shelf.page)
    price = price_text(offer.price, offer.product.price_basis, currency)
    return [button(name, ShowOffer(offer.id)), button("➕ " + price, add)]


async def retire_photo_card(update: Update) -> None:
    """Take away the photo card a button was pressed on, so no stale card stays live.

    A photo message cannot become a text screen, so the next screen is a new message; the
    card is deleted, or, when Telegram no longer allows that, stripped of its buttons.
    """
    query = update.callback_query
    message = query.message if query else None
    if not isinstance(message, Message) or not message.photo:
        return
    try:
        await message.delete()
    except BadRequest:
        with contextlib.suppress(BadRequest):
            await message.edit_reply_markup(reply_markup=None)


async def show_shelf(update: Update, context: Ctx, data: ShelfPage) -> None:
    """List one producer's or category's products, a page at a time."""
    services = context.bot_data.services
    user = current_user()
    if data.by == BY_PRODUCER:
        shelf = await services.shop.shelf(
            user.id, data.pickup_id, producer_id=data.shelf_id, page=data.page, page_size=PAGE_SIZE
        )
    elif data.by == BY_CATEGORY:
        shelf = await services.shop.shelf(
            user.id, data.pickup_id, category_id=data.shelf_id, page=data.page, page_size=PAGE_SIZE
        )
    else:
        raise Refusal()
    heading = esc(shelf.name)
    if data.by == BY_CATEGORY and data.shelf_id == OTHER_CATEGORY:
        heading = _("Other")
    back: Callback = ShowPickup(data.pickup_id)
    if data.by == BY_CATEGORY:
        back = Browse(data.pickup_id, data.by, 0)
    await retire_photo_card(update)
    if not shelf.offers:
        text = _("Nothing here any more.")
        await show(update, context, text, [[button(_("⬅ Back"), back)]])
        return
    here = dataclasses.replace(data, page=shelf.page)
    quantities = shelf.in_cart
    rows = [
        product_row(offer, shelf.ring.currency, quantities.get(offer.id, 0), here)
        for offer in shelf.offers
    ]
    rows.append(
        page_nav(
            lambda n: ShelfPage(data.pickup_id, data.by, data.shelf_id, n), shelf.page, shelf.pages
        )
    )
    if data.by == BY_PRODUCER:  # their page: who they are, how to pay, follow and ask
        about = ProducerPageButton(data.pickup_id, data.shelf_id)
        rows.append([button(_("🧑‍🌾 About the producer"), about)])
    units = sum(quantities.values())
    rows.append([button(_("⬅ Back"), back), cart_button(data.pickup_id, units)])
    lines = [f"<b>{heading}</b>"]
    if data.by == BY_CATEGORY:
        lines.append(_("From: {producers}").format(producers=esc(", ".join(shelf.producers))))
    lines.append(_("Tap ➕ to put one in the cart, or a product to see more."))
    await show(update, context, "\n".join(lines), rows)


@on_button(ShelfPage)
async def on_shelf(update: Update, context: Ctx, data: ShelfPage) -> None:
    """Open a shelf page."""
    await show_shelf(update, context, data)


@on_button(ShelfAdd)
async def on_shelf_add(update: Update, context: Ctx, data: ShelfAdd) -> None:
    """Add one from the shelf, say the new quantity, and show the shelf with it."""
    change = await context.bot_data.services.carts.add(current_user().id, data.offer_id, 1)
    shelf = ShelfPage(change.offer.pickup_id, data.by, data.shelf_id, data.page)
    await show_shelf(update, context, shelf)
    assert update.callback_query is not None
    await answer(update.callback_query, quantity_toast(change.offer.product.name, change.quantity))
