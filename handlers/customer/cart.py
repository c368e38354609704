"""`/cart`: review and change the cart, then check out with one confirmation."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import Update

from handlers.callbacks import Callback
from handlers.context import Ctx, current_user
from handlers.customer.labels import (
    HALF_LABEL_LIMIT,
    LABEL_LIMIT,
    cart_header,
    fit_words,
    pickup_label,
    quantity_toast,
)
from handlers.customer.notices import deliver_handed, deliver_now
from handlers.customer.shelf import retire_photo_card
from handlers.customer.shop import OpenCart, ShowPickup, expired_notice
from handlers.errors import settled
from handlers.replies import answer, button, on_button, refuse, show
from handlers.sending import Button
from handlers.text import esc, shorten
from rekobot.calendar import pickup_event
from rekobot.copy_buttons import order_copy_rows
from rekobot.errors import OutOfStock, Refusal
from rekobot.i18n import _, clock_time, day, ngettext
from rekobot.models import Cart, Order, Ring
from rekobot.render import (
    amount_text,
    deadline_text,
    join_blocks,
    order_body,
    pickup_block,
    quantity_line,
    split_message,
)
from rekobot.services.cart import Shortfall
from rekobot.services.confirmations import notice_key
from rekobot.services.events import checkout_key
from rekobot.services.outbox import OutMessage


@dataclasses.dataclass(frozen=True)
class StepLine(Callback, prefix="cln"):
    """One more (1) or one fewer (-1) of a cart line."""

    offer_id: int
    delta: int


@dataclasses.dataclass(frozen=True)
class RemoveLine(Callback, prefix="crm"):
    """Take a line out of the cart."""

    offer_id: int


@dataclasses.dataclass(frozen=True)
class ClearCart(Callback, prefix="cempty"):
    """Remove every line."""

    pickup_id: int


@dataclasses.dataclass(frozen=True)
class Checkout(Callback, prefix="cchk"):
    """Ask for the one confirmation; the version pins what was shown."""

    pickup_id: int
    version: int


@dataclasses.dataclass(frozen=True)
class Confirm(Callback, prefix="cconf"):
    """Place the order exactly as shown (idempotent by cart version)."""

    pickup_id: int
    version: int


@dataclasses.dataclass(frozen=True)
class WriteComment(Callback, prefix="ccmt"):
    """Write or change the comment to one producer of the cart (handlers/customer/comments.py)."""

    pickup_id: int
    producer_id: int


@dataclasses.dataclass(frozen=True)
class SharePhone(Callback, prefix="cphone"):
    """Offer Telegram's contact button; 0: from /privacy, else the pickup being checked out."""

    pickup_id: int


def cart_text(ring: Ring, cart: Cart, *, checking_out: bool = False) -> str:
    """The cart, producer by producer, with subtotals and the total.

    A cart is not an order (on Facebook a comment is), so a cart with lines says so where
    the deadline is, in one line.
    """
    new_lines = not cart.is_empty and cart.editing_order_number is None
    head = cart_header(ring, cart.pickup, with_deadline=not new_lines)
    if cart.editing_order_number is not None:
        head += "\n\n✏️ " + _(
            "You are changing order #{number}. Check out to save the changes."
        ).format(number=cart.editing_order_number)
    if cart.is_empty:
        return join_blocks([head, _("Your cart is empty.")])
    blocks = [head]
    for group in cart.groups:
        lines = [f"<b>{esc(group.producer_name)}</b>"]
        lines += [
            quantity_line(
                line.quantity,
                line.offer.product.name,
                line.offer.product.unit,
                line.amount,
                cart.currency,
                line.estimated,
            )
            for line in group.lines
        ]
        subtotal = amount_text(group.subtotal, cart.currency, group.estimated)
        lines.append(_("Subtotal: {amount}").format(amount=subtotal))
        if group.comment:
            lines.append("💬 " + _("Your comment: {comment}").format(comment=esc(group.comment)))
        blocks.append("\n".join(lines))
    total = amount_text(cart.total, cart.currency, cart.estimated)
    total = "<b>" + _("Total: {amount}").format(amount=total) + "</b>"
    if new_lines and not checking_out:  # at the checkout the question below says it
        total += "\n⏰ " + _("Not ordered yet: check out by {deadline}.").format(
            deadline=deadline_text(cart.pickup, ring.timezone)
        )
    blocks.append(total)
    return join_blocks(blocks)


def cart_rows(cart: Cart) -> list[list[Button]]:
    """A row per line (− and +; − on the last one removes it), then check out, empty, shop.

    Two buttons a row, so the line's label has half the width: "➖ Poteter" and "➕". The
    quantity is in the line above and in the answer to each tap, never on the − button,
    where "➖ 3 × Poteter" read as "remove three".
    """
    rows: list[list[Button]] = []
    for line in cart.lines:
        name = fit_words(line.offer.product.name, HALF_LABEL_LIMIT - 2)
        rows.append(
            [
                button(f"➖ {name}", StepLine(line.offer.id, -1)),
                button("➕", StepLine(line.offer.id, 1)),
            ]
        )
    if not cart.is_empty:
        rows.append([button(_("✅ Check out"), Checkout(cart.pickup.id, cart.version))])
        rows.append([button(_("🗑 Empty the cart"), ClearCart(cart.pickup.id))])
    rows.append([button(_("🛍 Keep shopping"), ShowPickup(cart.pickup.id))])
    return rows


async def show_cart(update: Update, context: Ctx, pickup_id: int) -> None:
    """Render the cart of one pickup."""
    services = context.bot_data.services
    user = current_user()
    ring, cart = await services.carts.view_in_ring(user.id, pickup_id)
    await show(update, context, cart_text(ring, cart), cart_rows(cart))


async def cart_command(update: Update, context: Ctx) -> None:
    """Show the cart (or ask which one, when carts wait for several pickups)."""
    services = context.bot_data.services
    user = current_user()
    try:
        await expired_notice(update, context)
        sizes = {k: v for k, v in (await services.carts.cart_sizes(user.id)).items() if v}
        if len(sizes) == 1:
            await show_cart(update, context, next(iter(sizes)))
            return
        ring, pickups = await services.shop.open_pickups(user.id)
    except Refusal as refusal:
        await refuse(update, context, refusal)
        return
    waiting = [p for p in pickups if p.id in sizes]
    if not waiting:
        await show(update, context, _("Your cart is empty. Tap /shop to see what is on offer."))
        return
    rows = [[button(pickup_label(ring, p), OpenCart(p.id))] for p in waiting]
    await show(update, context, _("You have carts for several pickups. Which one?"), rows)


@on_button(OpenCart)
async def on_open_cart(update: Update, context: Ctx, data: OpenCart) -> None:
    """Open the cart from a button (a product's photo card it was on goes away)."""
    await retire_photo_card(update)
    await show_cart(update, context, data.pickup_id)


def cart_saved() -> str:
    """What a cart change says when Telegram did not show the cart after it."""
    return _("Your cart is saved, but Telegram did not show it just now. Tap /cart to see it.")


@on_button(StepLine)
async def on_step_line(update: Update, context: Ctx, data: StepLine) -> None:
    """Change a line by one, say the new quantity, and show the cart again."""
    if data.delta not in (1, -1):
        raise Refusal()
    change = await context.bot_data.services.carts.add(current_user().id, data.offer_id, data.delta)
    settled(update, cart_saved())
    await show_cart(update, context, change.offer.pickup_id)
    assert update.callback_query is not None
    await answer(update.callback_query, quantity_toast(change.offer.product.name, change.quantity))


@on_button(RemoveLine)
async def on_remove_line(update: Update, context: Ctx, data: RemoveLine) -> None:
    """Remove a line (a button of older carts) and show the cart again."""
    change = await context.bot_data.services.carts.set_quantity(current_user().id, data.offer_id, 0)
    settled(update, cart_saved())
    await show_cart(update, context, change.offer.pickup_id)
    assert update.callback_query is not None
    await answer(update.callback_query, quantity_toast(change.offer.product.name, 0))


@on_button(ClearCart)
async def on_empty(update: Update, context: Ctx, data: ClearCart) -> None:
    """Empty the cart."""
    await context.bot_data.services.carts.empty(current_user().id, data.pickup_id)
    settled(update, cart_saved())
    await show_cart(update, context, data.pickup_id)


@on_button(Checkout)
async def on_checkout(update: Update, context: Ctx, data: Checkout) -> None:
    """Show what will be ordered and ask for the one confirmation."""
    await show_checkout(update, context, data.pickup_id)


def checkout_rows(cart: Cart, phone_shared: bool) -> list[list[Button]]:
    """A comment button per producer, the phone offer (until shared), confirm, back."""
    rows = [
        [
            button(
                (
                    _("💬 Change the comment to {producer}")
                    if group.comment
                    else _("💬 Comment to {producer}")
                ).format(producer=shorten(group.producer_name, 28)),
                WriteComment(cart.pickup.id, group.producer_id),
            )
        ]
        for group in cart.groups
    ]
    if not phone_shared:
        rows.append([button(_("📞 Share my phone with the producers"), SharePhone(cart.pickup.id))])
    rows.append([button(_("✅ Yes, place the order"), Confirm(cart.pickup.id, cart.version))])
    rows.append([button(_("⬅ Back to the cart"), OpenCart(cart.pickup.id))])
    return rows


async def show_checkout(
    update: Update, context: Ctx, pickup_id: int, *, new_message: bool = False
) -> None:
    """The order as it will be placed, with comments, and the one confirmation."""
    services = context.bot_data.services
    user = current_user()
    ring, cart = await services.carts.view_in_ring(user.id, pickup_id)
    if cart.is_empty:
        await show_cart(update, context, pickup_id)
        return
    phone = await services.contacts.phone(user.id)
    text = join_blocks(
        [
            cart_text(ring, cart, checking_out=True),
            _(
                "Place this order? You pay each producer directly, as shown in the "
                "confirmation. You can change or cancel it until the deadline."
            ),
            _("📞 The producers see your phone number, {phone}.").format(phone=esc(phone))
            if phone
            else "",
        ]
    )
    rows = checkout_rows(cart, phone is not None)
    await show(update, context, text, rows, new_message=new_message)


def placed_text(ring: Ring, order: Order) -> str:
    """When the order was placed, and last changed if it was."""
    placed = at_time(order.created_at, ring.timezone)
    if order.updated_at - order.created_at < timedelta(minutes=1):
        return "🕒 " + _("Placed {moment}").format(moment=placed)
    return "🕒 " + _("Placed {placed}, last changed {changed}").format(
        placed=placed, changed=at_time(order.updated_at, ring.timezone)
    )


def at_time(moment: datetime, timezone: str) -> str:
    """E.g. "tirsdag 1. desember 2026 kl. 10:54"."""
    return _("{day} at {time}").format(day=day(moment, timezone), time=clock_time(moment, timezone))


def confirmation_text(ring: Ring, order: Order, changed: bool) -> str:
    """Order number, lines and payment per producer, total, place and time."""
    title = (
        _("✅ <b>Order #{number} is updated</b>")
        if changed
        else _("✅ <b>Order #{number} is placed</b>")
    ).format(number=order.number)
    return join_blocks(
        [
            title + "\n" + placed_text(ring, order),
            pickup_block(ring, order.pickup, with_deadline=False),
            order_body(order),
            _(
                "Say your order number, #{number}, at the pickup. You can change or cancel "
                "the order in /orders until {deadline}."
            ).format(number=order.number, deadline=deadline_text(order.pickup, ring.timezone)),
        ]
    )


def confirmation_messages(
    ring: Ring, order: Order, changed: bool, now: datetime
) -> list[OutMessage]:
    """The confirmation as it is sent: the text, the map pin, the calendar file.

    The last part of the text carries the copy buttons: number, payment details, amounts.
    """
    parts = split_message(confirmation_text(ring, order, changed))
    messages = [OutMessage(text=part) for part in parts[:-1]]
    messages.append(OutMessage(text=parts[-1], copy_buttons=order_copy_rows(order)))
    location = order.pickup.location
    if location.has_pin:
        assert location.latitude is not None and location.longitude is not None
        messages.append(
            OutMessage(
                venue_latitude=location.latitude,
                venue_longitude=location.longitude,
                venue_title=shorten(location.name, 100),
                venue_address=shorten(location.address or location.name, 100),
            )
        )
    ics = pickup_event(ring, order.pickup, order_number=order.number, now=now)
    local_start = order.pickup.starts_at.astimezone(ZoneInfo(ring.timezone))
    messages.append(
        OutMessage.document(
            f"reko-{local_start.date().isoformat()}.ics",
            ics,
            caption=_("Add the pickup to your calendar."),
        )
    )
    return messages


@on_button(Confirm)
async def on_confirm(update: Update, context: Ctx, data: Confirm) -> None:
    """Place the order, then deliver its confirmation: text, map pin and calendar file."""
    await place(update, context, data.pickup_id, data.version)


async def place(update: Update, context: Ctx, pickup_id: int, version: int) -> None:
    """Check out the cart at ``version``; when something sold out meanwhile, offer what is left.

    The confirmation was queued with the order, so from here on the order stands whatever
    Telegram does: what fails now is sent by the outbox, never announced as a failure.
    """
    services = context.bot_data.services
    user = current_user()
    try:
        result = await services.ordering.checkout(user.id, pickup_id, version, handover=True)
    except OutOfStock:
        shortfalls = await services.carts.shortfalls(user.id, pickup_id)
        if not shortfalls:
            raise
        await show_shortfall(update, context, pickup_id, shortfalls[0])
        return
    settled(update)
    if result.notice is not None:
        await deliver_handed(update, context, result.notice)
        return
    key = notice_key(checkout_key(user.id, pickup_id, version))
    if await deliver_now(update, context, key) or result.kind is not None:
        return
    query = update.callback_query
    assert query is not None
    await answer(
        query,
        _("Order #{number} is already placed.").format(number=result.order.number),
        show_alert=False,
    )


@dataclasses.dataclass(frozen=True)
class SettleShortfall(Callback, prefix="cshort"):
    """Take what is left of a sold-out line (take=1) or remove it (0), then place the order."""

    pickup_id: int
    version: int
    offer_id: int
    take: int


async def show_shortfall(update: Update, context: Ctx, pickup_id: int, short: Shortfall) -> None:
    """Say what sold out since the cart was filled, with one tap to go on either way."""
    name = short.offer.product.name
    version = (await context.bot_data.services.carts.view(current_user().id, pickup_id)).version
    rows: list[list[Button]] = []
    if short.left > 0:
        text = ngettext(
            "While you were shopping, others bought {product}: only {n} is left for you, "
            "not {wanted}.",
            "While you were shopping, others bought {product}: only {n} are left for you, "
            "not {wanted}.",
            short.left,
        ).format(product=esc(name), n=short.left, wanted=short.wanted)
        take = ngettext("✅ Take the {n} left", "✅ Take the {n} left", short.left)
        rows.append(
            [
                button(
                    take.format(n=short.left),
                    SettleShortfall(pickup_id, version, short.offer.id, 1),
                )
            ]
        )
    else:
        text = _("While you were shopping, {product} sold out.").format(product=esc(name))
    remove = _("🗑 Order without {product}").format(product=fit_words(name, LABEL_LIMIT - 16))
    rows.append([button(remove, SettleShortfall(pickup_id, version, short.offer.id, 0))])
    rows.append([button(_("⬅ Back to the cart"), OpenCart(pickup_id))])
    await show(update, context, text, rows)


@on_button(SettleShortfall)
async def on_settle_shortfall(update: Update, context: Ctx, data: SettleShortfall) -> None:
    """Cut the line to what is left now, or drop it, and place the order in the same tap."""
    version = await context.bot_data.services.carts.settle_shortfall(
        current_user().id, data.pickup_id, data.version, data.offer_id, take_left=data.take == 1
    )
    await place(update, context, data.pickup_id, version)
