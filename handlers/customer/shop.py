"""`/shop`: the open pickup, browsing by producer or category, and a product's card."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

from telegram import InputMediaPhoto, Message, Update
from telegram.error import BadRequest

from handlers.callbacks import Callback
from handlers.context import Ctx, current_user
from handlers.customer.labels import LABEL_LIMIT, fit_words, pickup_label, quantity_toast
from handlers.customer.producer_buttons import shelf_link
from handlers.replies import answer, button, keyboard, on_button, refuse, show
from handlers.sending import Button
from handlers.text import CAPTION_LIMIT, esc, shorten
from rekobot.errors import Refusal
from rekobot.i18n import _
from rekobot.render import (
    deadline_text,
    pickup_block,
    pickup_when,
    product_price,
    stock_text,
)
from rekobot.services.shop import OTHER_CATEGORY, OfferCard, Shelf
from rekobot.services.windows import opening_text

log = logging.getLogger(__name__)

PAGE_SIZE = 10
BY_PRODUCER = "p"
BY_CATEGORY = "c"


@dataclasses.dataclass(frozen=True)
class ShowPickup(Callback, prefix="cpk"):
    """The pickup screen."""

    pickup_id: int


@dataclasses.dataclass(frozen=True)
class Browse(Callback, prefix="cbr"):
    """The list of producers (p) or categories (c) at a pickup."""

    pickup_id: int
    by: str
    page: int


@dataclasses.dataclass(frozen=True)
class ShelfPage(Callback, prefix="cls"):
    """One producer's or category's products."""

    pickup_id: int
    by: str
    shelf_id: int
    page: int


@dataclasses.dataclass(frozen=True)
class ShowOffer(Callback, prefix="cof"):
    """A product's card."""

    offer_id: int


@dataclasses.dataclass(frozen=True)
class StepOffer(Callback, prefix="cadd"):
    """Add (1) or take away (-1) one unit from the card."""

    offer_id: int
    delta: int


@dataclasses.dataclass(frozen=True)
class TypeQuantity(Callback, prefix="cqty"):
    """Ask the customer to type a quantity."""

    offer_id: int


@dataclasses.dataclass(frozen=True)
class OpenCart(Callback, prefix="ccart"):
    """The cart for a pickup (defined here so the shop can link to it)."""

    pickup_id: int


def cart_button(pickup_id: int, units: int) -> Button:
    """The cart button, with how many units it holds."""
    label = _("🛒 Cart ({n})").format(n=units) if units else _("🛒 Cart")
    return button(label, OpenCart(pickup_id))


async def pickup_screen(
    context: Ctx, pickup_id: int, page: int = 0
) -> tuple[str, list[list[Button]]]:
    """Where, when, the deadline, and the producers right away (the usual way in)."""
    front = await context.bot_data.services.shop.front(current_user().id, pickup_id)
    ring, pickup, shelves, units = front.ring, front.pickup, front.producers, front.cart_units
    pages = page_count(len(shelves))
    page = min(max(page, 0), pages - 1)
    rows = [
        [button(shelf_label(s, BY_PRODUCER), ShelfPage(pickup.id, BY_PRODUCER, s.id, 0))]
        for s in shelves[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    ]
    rows.append(page_nav(lambda n: Browse(pickup.id, BY_PRODUCER, n), page, pages))
    rows.append(
        [
            button(_("🏷 By category"), Browse(pickup.id, BY_CATEGORY, 0)),
            cart_button(pickup.id, units),
        ]
    )
    question = _("Choose a producer:") if shelves else _("Nothing is on offer for this pickup yet.")
    return pickup_block(ring, pickup) + "\n\n" + question, rows


async def expired_notice(update: Update, context: Ctx) -> None:
    """Explain carts that were cleared because their pickup closed."""
    services = context.bot_data.services
    expired = await services.carts.expire_closed(current_user().id)
    for cart in expired:
        await show(
            update,
            context,
            _(
                "Your cart for the pickup on {when} was emptied: the order deadline has "
                "passed, so nothing from it was ordered."
            ).format(when=pickup_when(cart.pickup, cart.ring_timezone)),
            new_message=True,
        )


async def shop(update: Update, context: Ctx) -> None:
    """Show the next open pickup(s) of the customer's ring."""
    services = context.bot_data.services
    user = current_user()
    try:
        await expired_notice(update, context)
        ring, pickups = await services.shop.open_pickups(user.id)
    except Refusal as refusal:
        await refuse(update, context, refusal)
        return
    if not pickups:
        text = _("{ring} has no pickup open for orders right now. Check back soon!").format(
            ring=esc(ring.name)
        )
        upcoming = await services.shop.next_opening(ring)
        if upcoming is not None:
            text += "\n\n" + opening_text(ring, upcoming)
        await show(update, context, text)
        return
    if len(pickups) == 1:
        await show_pickup_screen(update, context, pickups[0].id)
        return
    rows = [[button(pickup_label(ring, p), ShowPickup(p.id))] for p in pickups]
    await show(
        update,
        context,
        _("<b>{ring}</b>: which pickup do you want to order for?").format(ring=esc(ring.name)),
        rows,
    )


async def show_pickup_screen(
    update: Update, context: Ctx, pickup_id: int, page: int = 0
) -> None:
    """Show the pickup screen (refused when the pickup is not open to the user)."""
    text, rows = await pickup_screen(context, pickup_id, page)
    await show(update, context, text, rows)


@on_button(ShowPickup)
async def on_show_pickup(update: Update, context: Ctx, data: ShowPickup) -> None:
    """Open one pickup."""
    await show_pickup_screen(update, context, data.pickup_id)


def shelf_label(shelf: Shelf, by: str) -> str:
    """A producer's or category's button label with its product count."""
    name = shelf.name if (by == BY_PRODUCER or shelf.id != OTHER_CATEGORY) else _("Other")
    count = f" ({shelf.count})"
    return fit_words(name, LABEL_LIMIT - len(count)) + count


def page_nav(make: Callable[[int], Callback], page: int, pages: int) -> list[Button]:
    """◀ n/m ▶ buttons; ``make(page)`` builds the payload."""
    if pages <= 1:
        return []
    row = []
    if page > 0:
        row.append(button("◀", make(page - 1)))
    row.append(button(f"{page + 1}/{pages}", make(page)))
    if page < pages - 1:
        row.append(button("▶", make(page + 1)))
    return row


def page_count(total: int) -> int:
    """How many pages ``total`` items fill."""
    return max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)


@on_button(Browse)
async def on_browse(update: Update, context: Ctx, data: Browse) -> None:
    """List producers or categories with products on offer."""
    services = context.bot_data.services
    user = current_user()
    if data.by == BY_PRODUCER:  # the producers are on the pickup screen
        await show_pickup_screen(update, context, data.pickup_id, data.page)
        return
    if data.by == BY_CATEGORY:
        shelves = await services.shop.categories(user.id, data.pickup_id)
        title = _("Choose a category:")
    else:
        raise Refusal()
    if not shelves:
        title = _("Nothing is on offer for this pickup yet.")
    pages = page_count(len(shelves))
    page = min(max(data.page, 0), pages - 1)
    chunk = shelves[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    rows = [
        [button(shelf_label(s, data.by), shelf_link(data.pickup_id, data.by, s.id, ShelfPage))]
        for s in chunk
    ]
    rows.append(page_nav(lambda n: Browse(data.pickup_id, data.by, n), page, pages))
    rows.append([button(_("⬅ Back"), ShowPickup(data.pickup_id))])
    await show(update, context, title, rows)


def card_text(card: OfferCard) -> str:
    """Everything about one product on offer."""
    offer = card.offer
    product = offer.product
    lines = [
        f"<b>{esc(product.name)}</b> — {esc(offer.producer_name)}",
        f"{esc(product.unit)} · {product_price(product, offer.price, card.ring.currency)}",
    ]
    if product.description:
        lines.append(esc(product.description))
    lines.append(stock_text(offer).capitalize())
    if offer.max_per_customer is not None:
        lines.append(_("At most {n} per customer.").format(n=offer.max_per_customer))
    if card.in_cart:
        lines.append(
            "🛒 "
            + _("In your cart: {n}, not ordered yet. Check out by {deadline}.").format(
                n=card.in_cart, deadline=deadline_text(card.pickup, card.ring.timezone)
            )
        )
    return "\n".join(lines)


def card_rows(card: OfferCard, units_in_cart: int) -> list[list[Button]]:
    """−/+ buttons, typing a quantity, back and cart."""
    offer = card.offer
    rows: list[list[Button]] = []
    step_row = []
    if card.in_cart:
        step_row.append(button("➖", StepOffer(offer.id, -1)))
    if not offer.sold_out:
        step_row.append(button(_("➕ Add"), StepOffer(offer.id, 1)))
    rows.append(step_row)
    if not offer.sold_out:
        rows.append([button(_("✏️ Type a quantity"), TypeQuantity(offer.id))])
    rows.append(
        [
            button(
                _("⬅ Back"), ShelfPage(card.pickup.id, BY_PRODUCER, offer.product.producer_id, 0)
            ),
            cart_button(card.pickup.id, units_in_cart),
        ]
    )
    return rows


async def show_card(
    update: Update, context: Ctx, offer_id: int, *, new_message: bool = False
) -> None:
    """Show a product's card; with a photo it is a photo message with a caption."""
    services = context.bot_data.services
    user = current_user()
    card = await services.shop.card(user.id, offer_id)
    text = card_text(card)
    rows = card_rows(card, card.cart_units)
    photo = card.offer.product.photo_file_id
    if photo is None:
        await show(update, context, text, rows, new_message=new_message)
        return
    caption = text if len(text) <= CAPTION_LIMIT else shorten(text, CAPTION_LIMIT)
    query = update.callback_query
    message = query.message if query else None
    if not new_message and isinstance(message, Message) and message.photo:
        try:
            await message.edit_media(
                InputMediaPhoto(photo, caption=caption), reply_markup=keyboard(rows)
            )
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return
            log.info("could not edit the photo card: %s", exc)
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_photo(chat.id, photo, caption=caption, reply_markup=keyboard(rows))


@on_button(ShowOffer)
async def on_show_offer(update: Update, context: Ctx, data: ShowOffer) -> None:
    """Open a product's card."""
    await show_card(update, context, data.offer_id)


@on_button(StepOffer)
async def on_step_offer(update: Update, context: Ctx, data: StepOffer) -> None:
    """Add or take away one unit, then show the card again."""
    if data.delta not in (1, -1):
        raise Refusal()
    change = await context.bot_data.services.carts.add(current_user().id, data.offer_id, data.delta)
    assert update.callback_query is not None
    await answer(update.callback_query, quantity_toast(change.offer.product.name, change.quantity))
    await show_card(update, context, data.offer_id)
