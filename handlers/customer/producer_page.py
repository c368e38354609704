"""A producer's page in the shop: description, photo, how to pay, Follow, and their products.

It opens from the producer list of a pickup, from a producer's post, and from the producer's
own link (``/start <ring>-p<id>``), which joins the ring first as the ring's link does.
"""

from __future__ import annotations

from telegram import Update

from handlers.context import Ctx, current_user
from handlers.customer.producer_buttons import AskProducer, FollowProducer, ProducerPageButton
from handlers.customer.shop import (
    BY_PRODUCER,
    PAGE_SIZE,
    Browse,
    ShelfPage,
    ShowOffer,
    cart_button,
)
from handlers.replies import answer, button, keyboard, on_button, refuse, show
from handlers.sending import Button
from handlers.text import CAPTION_LIMIT, esc, shorten
from rekobot.errors import NotFound, Refusal
from rekobot.i18n import _, money
from rekobot.render import offer_line, pickup_when
from rekobot.services.producer_pages import ProducerPage


def page_text(page: ProducerPage) -> str:
    """Who the producer is, how to pay them, and what they bring to this pickup."""
    producer = page.producer
    lines = [f"🧑‍🌾 <b>{esc(producer.name)}</b>"]
    if producer.description:
        lines.append(esc(producer.description))
    lines.append("")
    if producer.payment_info:
        lines.append(_("💳 Payment: {payment}").format(payment=esc(producer.payment_info)))
    if page.following:
        lines.append(
            _("⭐ You follow {producer}: you get their posts.").format(producer=esc(producer.name))
        )
    lines.append("🗓 " + pickup_when(page.pickup, page.ring.timezone))
    if not page.offers:
        lines.append(_("Nothing on offer for this pickup yet."))
    lines += [offer_line(offer, page.ring.currency) for offer in page.offers[:PAGE_SIZE]]
    return "\n".join(lines)


def page_rows(page: ProducerPage, units: int) -> list[list[Button]]:
    """A button per product (the first page), Follow, Ask, back and the cart."""
    pickup_id, producer_id = page.pickup.id, page.producer.id
    rows: list[list[Button]] = []
    for offer in page.offers[:PAGE_SIZE]:
        label = f"{shorten(offer.product.name, 40)} · {money(offer.price, page.ring.currency)}"
        rows.append([button(("⛔ " if offer.sold_out else "") + label, ShowOffer(offer.id))])
    if len(page.offers) > PAGE_SIZE:
        rows.append(
            [
                button(
                    _("🧺 All {n} products").format(n=len(page.offers)),
                    ShelfPage(pickup_id, BY_PRODUCER, producer_id, 0),
                )
            ]
        )
    follow = (
        button(_("✅ Following · unfollow"), FollowProducer(pickup_id, producer_id, 0))
        if page.following
        else button(_("⭐ Follow"), FollowProducer(pickup_id, producer_id, 1))
    )
    rows.append([follow, button(_("❓ Ask the producer"), AskProducer(page.ring.id, producer_id))])
    rows.append(
        [button(_("⬅ Back"), Browse(pickup_id, BY_PRODUCER, 0)), cart_button(pickup_id, units)]
    )
    return rows


async def show_page(
    update: Update, context: Ctx, pickup_id: int, producer_id: int, *, new_message: bool = False
) -> None:
    """Show the producer's page; with a photo, the photo carries it (or heads it when long)."""
    services = context.bot_data.services
    user = current_user()
    page = await services.producer_pages.page(user.id, pickup_id, producer_id)
    units = (await services.carts.cart_sizes(user.id)).get(pickup_id, 0)
    text, rows = page_text(page), page_rows(page, units)
    if page.photo_file_id is None:
        await show(update, context, text, rows, new_message=new_message)
        return
    chat = update.effective_chat
    assert chat is not None
    if len(text) <= CAPTION_LIMIT:
        await context.bot.send_photo(
            chat.id, page.photo_file_id, caption=text, reply_markup=keyboard(rows)
        )
        return
    name = shorten(page.producer.name, CAPTION_LIMIT)
    await context.bot.send_photo(chat.id, page.photo_file_id, caption=f"<b>{esc(name)}</b>")
    await show(update, context, text, rows, new_message=True)


@on_button(ProducerPageButton)
async def on_producer_page(update: Update, context: Ctx, data: ProducerPageButton) -> None:
    """Open a producer's page."""
    await show_page(update, context, data.pickup_id, data.producer_id)


@on_button(FollowProducer)
async def on_follow(update: Update, context: Ctx, data: FollowProducer) -> None:
    """Follow or unfollow the producer, say so, and show the page again."""
    if data.on not in (0, 1):
        raise NotFound()
    services = context.bot_data.services
    await services.producer_pages.set_follow(
        current_user().id, data.pickup_id, data.producer_id, bool(data.on)
    )
    query = update.callback_query
    assert query is not None
    await answer(
        query,
        _("You follow this producer now: their posts come to you here.")
        if data.on
        else _("You no longer follow this producer."),
    )
    await show_page(update, context, data.pickup_id, data.producer_id)


async def open_producer_link(update: Update, context: Ctx, payload: str) -> bool:
    """Open a producer's own link: join their ring, then show their page for the next pickup.

    Returns False when the payload is no producer link (the ring's own link handles it).
    """
    services = context.bot_data.services
    found = await services.producer_pages.resolve_link(payload)
    if found is None:
        return False
    ring, producer_id = found
    try:
        opened = await services.producer_pages.open_link(current_user().id, ring, producer_id)
    except NotFound:
        return False  # not (or no longer) a producer of that ring: treat it as an unknown code
    except Refusal as refusal:
        await refuse(update, context, refusal)
        return True
    if opened.joined.new_member:
        await show(
            update,
            context,
            _("Welcome to <b>{ring}</b>!").format(ring=esc(ring.name)),
            new_message=True,
        )
    if opened.pickup is None:
        await show(
            update,
            context,
            _(
                "{producer} sells in {ring}, but no pickup takes orders right now. "
                "Check back soon with /shop!"
            ).format(producer=esc(opened.producer.name), ring=esc(ring.name)),
        )
        return True
    await show_page(update, context, opened.pickup.id, producer_id, new_message=True)
    return True
